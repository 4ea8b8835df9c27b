"""The create / wait / look up / adopt / delete pattern, written once for every Personalize kind.

A `ResourceKind` knows the API calls of one kind (filter, event tracker); `Lifecycle` turns
CloudFormation events into those calls, following the Provider framework's protocol:
on_event starts work and returns the physical id at once, is_complete polls until it settles.
"""
from __future__ import annotations

import logging
import os
import time
from typing import Any, Callable, Mapping, Protocol

from botocore.exceptions import ClientError

from . import decisions as d
from .aws import is_error
from .events import CREATE_FAILED_MARKER, CfnEvent

log = logging.getLogger(__name__)

CREATING = ("CREATE PENDING", "CREATE IN_PROGRESS")
# Retrying a refused create stops this long before the Provider's own timeout, so the deploy
# fails with Personalize's message rather than "Operation timed out".
LIMIT_MARGIN_SECONDS = 600
# The clock the Lambda entry points use; the local rehearsal swaps in its virtual clock.
CLOCK: Callable[[], float] = time.time


class ResourceKind(Protocol):
    label: str
    replace_on: tuple[str, ...]  # properties whose change means a new resource

    def create(self, event: CfnEvent, tags: dict[str, str]) -> str: ...
    def pending_id(self, event: CfnEvent) -> str: ...
    def locate(self, physical_id: str, props: Mapping[str, Any]) -> str | None: ...
    def candidates(self, event: CfnEvent) -> list[str]: ...
    def describe(self, arn: str) -> dict[str, Any] | None: ...
    def differences(self, props: Mapping[str, Any], description: Mapping[str, Any]) -> list[str]: ...
    def delete(self, arn: str) -> None: ...
    def tags(self, arn: str) -> dict[str, str]: ...
    def tag(self, arn: str, tags: dict[str, str]) -> None: ...
    def attributes(self, description: Mapping[str, Any]) -> dict[str, str]: ...
    def check_update(self, event: CfnEvent) -> None: ...


class ConfigMismatch(Exception):
    """An existing resource cannot be adopted, or a change cannot be made; the message says why."""

    def __init__(self, message: str):
        super().__init__(d.fit_reason(message))


class Lifecycle:
    def __init__(self, kind: ResourceKind, poll_interval: float, clock: Callable[[], float] = time.time,
                 timeout: float = 3300.0):
        self.kind = kind
        self.poll_interval = poll_interval
        self.clock = clock
        self.timeout = timeout

    # ---- on_event -------------------------------------------------------------------------
    def on_event(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        event = CfnEvent.parse(raw)
        log.info("%s %s %s", event.request_type, self.kind.label, event.logical_id)
        if event.request_type == "Create":
            return self._start_create(event)
        if event.request_type == "Update":
            self.kind.check_update(event)
            if d.changed(event.old_properties, event.properties, self.kind.replace_on):
                return self._start_create(event)  # a new physical id: CloudFormation deletes the old
            return {"PhysicalResourceId": event.physical_id, "Data": {"CreateStartedAt": str(self.clock())}}
        return self._start_delete(event)

    def _start_create(self, event: CfnEvent) -> dict[str, Any]:
        started = {"CreateStartedAt": str(self.clock())}
        reusable = self._reusable(event) if event.request_type == "Update" else None
        if reusable:
            # A rollback (or a change back) to something this resource made before: no new filter.
            return {"PhysicalResourceId": reusable, "Data": {**started, "Ownership": "created"}}
        try:
            arn = self.kind.create(event, d.owner_tags(event.stack_id, event.logical_id))
            return {"PhysicalResourceId": arn, "Data": {**started, "Ownership": "created"}}
        except ClientError as error:
            if is_error(error, "LimitExceededException"):
                log.warning("create hit a limit, is_complete retries with backoff: %s", error)
                return {"PhysicalResourceId": self.kind.pending_id(event), "Data": started}
            if not is_error(error, "ResourceAlreadyExistsException"):
                raise
        existing = self.kind.candidates(event)
        if not existing:
            raise ConfigMismatch(
                f"{self.kind.label} {event.properties.get('Name')!r} already exists, but not in dataset "
                f"group {event.properties.get('DatasetGroupArn')}: names are unique per account and region"
            )
        return {"PhysicalResourceId": existing[0], "Data": {**started, "Ownership": self._claim(event, existing[0])}}

    def _reusable(self, event: CfnEvent) -> str | None:
        for arn in self.kind.candidates(event):
            description = self.kind.describe(arn)
            if (description and description.get("status") not in (d.CREATE_FAILED, *d.DELETING)
                    and d.is_owned(self.kind.tags(arn), event.stack_id, event.logical_id)
                    and not self.kind.differences(event.properties, description)):
                return arn
        return None

    def _claim(self, event: CfnEvent, arn: str) -> str:
        """Ours when tagged by this stack (a retried request, or a renamed logical id: the tags move
        with it, so the old logical id's Delete leaves it alone); adopted when it matches."""
        tags = self.kind.tags(arn)
        description = self.kind.describe(arn)
        if description is None:
            return "created"  # gone between the two calls: is_complete creates it again
        differences = self.kind.differences(event.properties, description)
        if tags.get(d.OWNER_STACK_TAG) == event.stack_id:
            if differences:  # ours, but changed behind the stack's back: report, never adopt silently
                raise ConfigMismatch(
                    f"{self.kind.label} {arn} was changed outside the stack: " + "; ".join(differences)
                    + ". Change it back or delete it, then deploy again."
                )
            if not d.is_owned(tags, event.stack_id, event.logical_id):
                self.kind.tag(arn, d.owner_tags(event.stack_id, event.logical_id))
            return "created"
        if differences:
            raise ConfigMismatch(f"{self.kind.label} {arn} exists and cannot be adopted: " + "; ".join(differences))
        return "adopted"

    def _start_delete(self, event: CfnEvent) -> dict[str, Any]:
        arn = self._locate(event)
        if arn is None:
            return {"PhysicalResourceId": event.physical_id, "Data": {"Deleted": "nothing to delete"}}
        if not d.is_owned(self.kind.tags(arn), event.stack_id, event.logical_id):
            log.info("%s %s is not owned by this stack; left in place", self.kind.label, arn)
            return {"PhysicalResourceId": event.physical_id, "Data": {"Deleted": "retained, not owned"}}
        self._delete(arn)
        return {"PhysicalResourceId": event.physical_id, "Data": {"Deleted": "requested"}}

    # ---- is_complete ----------------------------------------------------------------------
    def is_complete(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        event = CfnEvent.parse(raw)
        if event.request_type == "Delete":
            return self._poll_delete(event)
        return self._poll_create(event)

    def _poll_create(self, event: CfnEvent) -> dict[str, Any]:
        arn = self._locate(event)
        description = self.kind.describe(arn) if arn else None
        elapsed = self.clock() - float(event.data.get("CreateStartedAt", self.clock()))
        step = d.after_create_describe(description, retry_due=d.retry_due(elapsed, self.poll_interval))
        if isinstance(step, d.RetryCreate):
            self._retry_create(event, elapsed)
            return {"IsComplete": False}
        if isinstance(step, d.Fail):
            raise RuntimeError(d.fit_reason(step.reason))
        if isinstance(step, d.Wait):
            log.info("%s %s: %s", self.kind.label, arn, step.why)
            return {"IsComplete": False}
        assert description is not None and arn is not None
        # After a refused create nothing was checked yet: what we found may be someone else's.
        ownership = event.data.get("Ownership") or self._claim(event, arn)
        response: dict[str, Any] = {"IsComplete": True, "Data": {**self.kind.attributes(description), "Ownership": ownership}}
        if arn != event.physical_id:
            response["PhysicalResourceId"] = arn  # created late, after a limit: now we know the ARN
        return response

    def _retry_create(self, event: CfnEvent, elapsed: float) -> None:
        try:
            self.kind.create(event, d.owner_tags(event.stack_id, event.logical_id))
        except ClientError as error:
            if is_error(error, "ResourceAlreadyExistsException"):
                return  # found on the next poll, and checked then
            if not is_error(error, "LimitExceededException"):
                raise
            if elapsed > self.timeout - LIMIT_MARGIN_SECONDS:
                raise RuntimeError(d.fit_reason(f"{self.kind.label} still refused after {elapsed:.0f} s: {error}")) from None
            log.warning("retried create not accepted yet: %s", error)

    def _poll_delete(self, event: CfnEvent) -> dict[str, Any]:
        if event.data.get("Deleted", "requested") != "requested":
            return {"IsComplete": True}
        arn = self._locate(event)
        step = d.after_delete_describe(self.kind.describe(arn) if arn else None)
        if isinstance(step, d.ReissueDelete):
            self._delete(arn)  # type: ignore[arg-type]
        return {"IsComplete": isinstance(step, d.Complete)}

    # ---- helpers --------------------------------------------------------------------------
    def _locate(self, event: CfnEvent) -> str | None:
        if not event.physical_id or event.physical_id == CREATE_FAILED_MARKER:
            return None
        props = event.properties or event.old_properties
        return self.kind.locate(event.physical_id, props)

    def _delete(self, arn: str) -> None:
        try:
            self.kind.delete(arn)
        except ClientError as error:
            if is_error(error, "ResourceNotFoundException"):
                return
            if not is_error(error, "ResourceInUseException"):
                raise
            # In use while still creating: is_complete asks again. In use when settled (a batch job
            # uses the filter): waiting will not help, so say so now.
            description = self.kind.describe(arn)
            if description is None or description.get("status") in CREATING:
                log.info("delete of %s: %s", arn, error)
                return
            raise RuntimeError(d.fit_reason(f"cannot delete {self.kind.label} {arn}: {error}")) from None


def lambda_handlers(make_kind: Callable[[], ResourceKind]):
    """The two Lambda entry points of a kind; poll interval and timeout come from the Provider."""

    def lifecycle() -> Lifecycle:
        return Lifecycle(
            make_kind(),
            clock=lambda: CLOCK(),
            poll_interval=float(os.environ.get("POLL_INTERVAL_SECONDS", "10")),
            timeout=float(os.environ.get("TOTAL_TIMEOUT_SECONDS", "3300")),
        )

    def on_event(event, _context=None):
        return lifecycle().on_event(event)

    def is_complete(event, _context=None):
        return lifecycle().is_complete(event)

    return on_event, is_complete
