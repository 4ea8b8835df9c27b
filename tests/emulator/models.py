"""Plain resource objects and the PersonalizeBackend (one per account+region).

Backend methods are named after the API operations, take snake_case arguments and
return dicts already in the API's shape (datetimes as epoch-second floats).
Statuses are never stored: they are computed from the virtual clock on each call.
"""
from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass, field
from typing import Callable, Optional

from . import exceptions as exc
from .clock import VirtualClock

CREATE_PENDING = "CREATE PENDING"
CREATE_IN_PROGRESS = "CREATE IN_PROGRESS"
ACTIVE = "ACTIVE"
CREATE_FAILED = "CREATE FAILED"
DELETE_PENDING = "DELETE PENDING"
DELETE_IN_PROGRESS = "DELETE IN_PROGRESS"
CREATING = (CREATE_PENDING, CREATE_IN_PROGRESS)
DELETING = (DELETE_PENDING, DELETE_IN_PROGRESS)

NAME_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9\-_]*"  # as in the botocore model
_NAME_RE = re.compile(NAME_PATTERN + "$")


def default_expression_validator(expression: str) -> None:
    """The project's filter-language parser and rules (lambdas/filter_language): what it refuses,
    CreateFilter refuses with InvalidInputException. The service's own wording is not known.

    Contract for replacements: raise ValueError (or InvalidInputException) to reject.
    """
    from filter_language import FilterExpressionError, validate

    try:
        validate(expression)
    except FilterExpressionError as error:
        raise ValueError(f"Invalid filter expression: {error.message} (at character {error.column + 1})") from None


# Pluggable: the backend looks this up at call time, so tests/parsers can replace it.
expression_validator: Callable[[str], None] = default_expression_validator


@dataclass
class Latencies:
    """Seconds of virtual time; override per kind, e.g. Latencies(filter=120)."""

    create_pending: float = 5.0   # CREATE PENDING -> CREATE IN_PROGRESS
    filter: float = 60.0          # creation -> ACTIVE / CREATE FAILED
    event_tracker: float = 30.0
    delete_pending: float = 5.0   # DELETE PENDING -> DELETE IN_PROGRESS (guess, undocumented)
    delete: float = 20.0          # delete call -> gone


@dataclass
class Quotas:
    filters_per_dataset_group: int = 30
    # Guess: the service message says "More than 5 resources with PENDING or IN_PROGRESS
    # status"; the exact number and which kinds count are undocumented.
    max_pending: int = 5
    max_tags: int = 200


@dataclass(kw_only=True)
class DatasetGroup:
    name: str
    arn: str
    domain: Optional[str]
    created_at: float
    tags: dict = field(default_factory=dict)


@dataclass(kw_only=True)
class _Resource:
    name: str
    arn: str
    dataset_group_arn: str
    created_at: float
    tags: dict = field(default_factory=dict)
    deleted_at: Optional[float] = None
    outcome: Optional[tuple] = None  # (ACTIVE|CREATE FAILED, failureReason), fixed when first reached


@dataclass(kw_only=True)
class Filter(_Resource):
    filter_expression: str


@dataclass(kw_only=True)
class EventTracker(_Resource):
    account_id: str
    tracking_id: str


def _invalid(value, member: str, constraint: str) -> exc.InvalidInputException:
    # AWS-style validation message (format of the service's generic validation errors).
    return exc.InvalidInputException(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: Member must {constraint}")


class PersonalizeBackend:
    def __init__(self, account: str, region: str, clock: VirtualClock,
                 latencies: Latencies, quotas: Quotas, seed: int = 0) -> None:
        self.account, self.region, self.clock = account, region, clock
        self.latencies, self.quotas = latencies, quotas
        self.dataset_groups: dict[str, DatasetGroup] = {}
        self.filters: dict[str, Filter] = {}
        self.event_trackers: dict[str, EventTracker] = {}
        self._rng = random.Random(seed)  # tracker ids: repeatable per seed
        # Set by Faults: name -> failureReason or None (ACTIVE).
        self.create_failure_for: Callable[[str], Optional[str]] = lambda name: None

    def arn(self, kind: str, suffix: str) -> str:
        return f"arn:aws:personalize:{self.region}:{self.account}:{kind}/{suffix}"

    # ---- lifecycle -------------------------------------------------------------------
    def lifecycle(self, res: _Resource) -> Optional[tuple]:
        """(status, lastUpdatedDateTime, failureReason) now, or None when gone."""
        now, lat = self.clock.now(), self.latencies
        if res.deleted_at is not None:
            if now >= res.deleted_at + lat.delete:
                return None
            if now >= res.deleted_at + lat.delete_pending:
                return DELETE_IN_PROGRESS, res.deleted_at + lat.delete_pending, None
            return DELETE_PENDING, res.deleted_at, None
        done_at = res.created_at + (lat.filter if isinstance(res, Filter) else lat.event_tracker)
        if now >= done_at:
            if res.outcome is None:
                reason = self.create_failure_for(res.name)
                res.outcome = (ACTIVE, None) if reason is None else (CREATE_FAILED, reason)
            return res.outcome[0], done_at, res.outcome[1]
        if now >= res.created_at + lat.create_pending:
            return CREATE_IN_PROGRESS, res.created_at + lat.create_pending, None
        return CREATE_PENDING, res.created_at, None

    def live(self, store: dict) -> list:
        """Resources of one store that still exist; gone ones are purged."""
        for arn in [a for a, r in store.items() if self.lifecycle(r) is None]:
            del store[arn]
        return list(store.values())

    def _get(self, store: dict, arn: str) -> _Resource:
        res = store.get(arn)
        if res is None or self.lifecycle(res) is None:
            store.pop(arn, None)
            raise exc.ResourceNotFoundException(f"Could not find resource with ARN {arn}.")
        return res

    def _dataset_group(self, arn: str) -> DatasetGroup:
        if arn not in self.dataset_groups:
            raise exc.ResourceNotFoundException(f"Could not find resource with ARN {arn}.")
        return self.dataset_groups[arn]

    def _check_create(self, name: str, tags: Optional[list]) -> dict:
        if len(name) > 63:
            raise _invalid(name, "name", "have length less than or equal to 63")
        if not _NAME_RE.match(name):
            raise _invalid(name, "name", f"satisfy regular expression pattern: {NAME_PATTERN}")
        if len(tags or []) > self.quotas.max_tags:
            raise exc.TooManyTagsException(
                f"Too many tags: {len(tags)} given, at most {self.quotas.max_tags} allowed.")
        return {t["tagKey"]: t.get("tagValue", "") for t in tags or []}

    def _check_pending(self) -> None:
        # Guess: only CREATE PENDING / CREATE IN_PROGRESS filters+trackers count.
        creating = [r for s in (self.filters, self.event_trackers) for r in self.live(s)
                    if self.lifecycle(r)[0] in CREATING]
        if len(creating) >= self.quotas.max_pending:
            raise exc.LimitExceededException(
                f"More than {self.quotas.max_pending} resources with PENDING or IN_PROGRESS status")

    # ---- dataset groups (seeded by tests, read by the API) -----------------------------
    def add_dataset_group(self, name: str, domain: Optional[str] = "ECOMMERCE") -> str:
        arn = self.arn("dataset-group", name)
        self.dataset_groups[arn] = DatasetGroup(name=name, arn=arn, domain=domain,
                                                created_at=self.clock.now())
        return arn

    def describe_dataset_group(self, dataset_group_arn: str) -> dict:
        dg = self._dataset_group(dataset_group_arn)
        out = {"name": dg.name, "datasetGroupArn": dg.arn, "status": ACTIVE,
               "creationDateTime": dg.created_at, "lastUpdatedDateTime": dg.created_at}
        if dg.domain:
            out["domain"] = dg.domain
        return out

    # ---- filters ---------------------------------------------------------------------
    def create_filter(self, name: str, dataset_group_arn: str, filter_expression: str,
                      tags: Optional[list] = None) -> str:
        tag_map = self._check_create(name, tags)
        if not 1 <= len(filter_expression) <= 2500:
            raise _invalid("***", "filterExpression", "have length less than or equal to 2500")
        try:
            expression_validator(filter_expression)  # module global: pluggable
        except ValueError as e:
            raise exc.InvalidInputException(str(e)) from None
        self._dataset_group(dataset_group_arn)
        arn = self.arn("filter", name)
        # Names are unique per account+region (the ARN is the name). A filter still being
        # deleted or CREATE FAILED keeps its name until it is gone.
        if arn in self.filters and self.lifecycle(self.filters[arn]) is not None:
            raise exc.ResourceAlreadyExistsException(  # message wording is a guess
                f"Another resource with Arn {arn} already exists.")
        # Guess: filters being deleted no longer count against the per-group quota.
        in_group = [f for f in self.live(self.filters) if f.dataset_group_arn == dataset_group_arn
                    and self.lifecycle(f)[0] not in DELETING]
        if len(in_group) >= self.quotas.filters_per_dataset_group:
            raise exc.LimitExceededException(
                f"The dataset group {dataset_group_arn} already has the maximum of "
                f"{self.quotas.filters_per_dataset_group} filters.")
        self._check_pending()
        self.filters[arn] = Filter(name=name, arn=arn, dataset_group_arn=dataset_group_arn,
                                   filter_expression=filter_expression,
                                   created_at=self.clock.now(), tags=tag_map)
        return arn

    def describe_filter(self, filter_arn: str, summary: bool = False) -> dict:
        f = self._get(self.filters, filter_arn)
        status, updated, reason = self.lifecycle(f)
        out = {"name": f.name, "filterArn": f.arn, "datasetGroupArn": f.dataset_group_arn,
               "status": status, "creationDateTime": f.created_at, "lastUpdatedDateTime": updated}
        if not summary:
            out["filterExpression"] = f.filter_expression
        if reason is not None:
            out["failureReason"] = reason
        return out

    def list_filters(self, dataset_group_arn: Optional[str] = None) -> list:
        # Guess: an unknown datasetGroupArn yields an empty list; order is creation order.
        return [self.describe_filter(f.arn, summary=True) for f in self.live(self.filters)
                if dataset_group_arn in (None, f.dataset_group_arn)]

    def _delete(self, store: dict, arn: str) -> None:
        res = self._get(store, arn)
        status = self.lifecycle(res)[0]
        if status in CREATING:  # guess: the docs only list ResourceInUse for this operation
            raise exc.ResourceInUseException(f"Resource {arn} is in status {status}; "
                                             "it can be deleted once creation finishes.")
        if status in DELETING:  # guess: repeating a delete is an idempotent success
            return
        res.deleted_at = self.clock.now()

    def delete_filter(self, filter_arn: str) -> None:
        self._delete(self.filters, filter_arn)

    # ---- event trackers --------------------------------------------------------------
    def create_event_tracker(self, name: str, dataset_group_arn: str,
                             tags: Optional[list] = None) -> tuple[str, str]:
        tag_map = self._check_create(name, tags)
        self._dataset_group(dataset_group_arn)
        for t in self.live(self.event_trackers):
            if t.dataset_group_arn != dataset_group_arn:
                continue
            if self.lifecycle(t)[0] in DELETING:  # guess: a tracker being deleted blocks
                raise exc.ResourceInUseException(
                    f"Event tracker {t.arn} of dataset group {dataset_group_arn} is being deleted.")
            raise exc.ResourceAlreadyExistsException(  # one tracker per dataset group
                f"Dataset group {dataset_group_arn} already has event tracker {t.arn}.")
        self._check_pending()
        arn = self.arn("event-tracker", f"{self._rng.getrandbits(32):08x}")
        while arn in self.event_trackers:
            arn = self.arn("event-tracker", f"{self._rng.getrandbits(32):08x}")
        tracking_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        self.event_trackers[arn] = EventTracker(
            name=name, arn=arn, dataset_group_arn=dataset_group_arn, account_id=self.account,
            tracking_id=tracking_id, created_at=self.clock.now(), tags=tag_map)
        return arn, tracking_id

    def describe_event_tracker(self, event_tracker_arn: str, summary: bool = False) -> dict:
        t = self._get(self.event_trackers, event_tracker_arn)
        status, updated, _ = self.lifecycle(t)  # trackers have no failureReason
        out = {"name": t.name, "eventTrackerArn": t.arn, "status": status,
               "creationDateTime": t.created_at, "lastUpdatedDateTime": updated}
        if not summary:
            out.update(accountId=t.account_id, trackingId=t.tracking_id,
                       datasetGroupArn=t.dataset_group_arn)
        return out

    def list_event_trackers(self, dataset_group_arn: Optional[str] = None) -> list:
        return [self.describe_event_tracker(t.arn, summary=True)
                for t in self.live(self.event_trackers)
                if dataset_group_arn in (None, t.dataset_group_arn)]

    def delete_event_tracker(self, event_tracker_arn: str) -> None:
        self._delete(self.event_trackers, event_tracker_arn)

    # ---- tags ------------------------------------------------------------------------
    def _taggable(self, arn: str):
        if arn in self.dataset_groups:
            return self.dataset_groups[arn]
        store = self.filters if ":filter/" in arn else self.event_trackers
        return self._get(store, arn)

    def list_tags_for_resource(self, resource_arn: str) -> list:
        tags = self._taggable(resource_arn).tags
        return [{"tagKey": k, "tagValue": v} for k, v in tags.items()]

    def tag_resource(self, resource_arn: str, tags: list) -> None:
        res = self._taggable(resource_arn)
        merged = {**res.tags, **{t["tagKey"]: t.get("tagValue", "") for t in tags}}
        if len(merged) > self.quotas.max_tags:
            raise exc.TooManyTagsException(
                f"Resource {resource_arn} would have {len(merged)} tags; at most "
                f"{self.quotas.max_tags} allowed.")
        res.tags = merged

    def untag_resource(self, resource_arn: str, tag_keys: list) -> None:
        res = self._taggable(resource_arn)
        if len(tag_keys) > self.quotas.max_tags:
            raise exc.TooManyTagKeysException(f"At most {self.quotas.max_tags} tag keys allowed.")
        for key in tag_keys:
            res.tags.pop(key, None)
