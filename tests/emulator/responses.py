"""JSON-protocol layer: request params (already JSON-decoded) in, backend call, body out.

Timestamps leave the backend as epoch-second floats, which is how the JSON protocol
carries them; botocore parses them back into datetimes.
"""
from __future__ import annotations

import base64
import binascii
import re

from . import exceptions as exc
from .models import PersonalizeBackend

DEFAULT_PAGE = 100  # guess for the service's default page size when maxResults is absent
MAX_PAGE = 100      # the model's MaxResults maximum (botocore only checks the minimum)


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


class PersonalizeResponse:
    IMPLEMENTED = frozenset({
        "CreateFilter", "DescribeFilter", "ListFilters", "DeleteFilter",
        "CreateEventTracker", "DescribeEventTracker", "ListEventTrackers", "DeleteEventTracker",
        "ListTagsForResource", "TagResource", "UntagResource", "DescribeDatasetGroup",
    })

    def __init__(self, backend: PersonalizeBackend) -> None:
        self.backend = backend

    def dispatch(self, operation: str, params: dict) -> dict:
        if operation not in self.IMPLEMENTED:
            raise NotImplementedError(
                f"The Personalize emulator does not implement {operation} "
                f"(AmazonPersonalize.{operation}); add it to tests/emulator before using it.")
        return getattr(self, _snake(operation))(params)

    # ---- pagination ------------------------------------------------------------------
    @staticmethod
    def _page(items: list, params: dict, key: str, scope: str) -> dict:
        size = params.get("maxResults", DEFAULT_PAGE)
        if size > MAX_PAGE:
            raise exc.InvalidInputException(
                f"1 validation error detected: Value '{size}' at 'maxResults' failed to "
                f"satisfy constraint: Member must have value less than or equal to {MAX_PAGE}")
        start = 0
        if params.get("nextToken"):
            try:
                got_scope, _, offset = base64.urlsafe_b64decode(
                    params["nextToken"].encode()).decode().rpartition("|")
                start = int(offset)
            except (binascii.Error, UnicodeDecodeError, ValueError):
                raise exc.InvalidNextTokenException("Invalid next token.") from None
            if got_scope != scope or start < 0:  # token from another listing
                raise exc.InvalidNextTokenException("Invalid next token.")
        out = {key: items[start:start + size]}
        if start + size < len(items):
            out["nextToken"] = base64.urlsafe_b64encode(
                f"{scope}|{start + size}".encode()).decode()
        return out

    # ---- filters ---------------------------------------------------------------------
    def create_filter(self, p: dict) -> dict:
        arn = self.backend.create_filter(p["name"], p["datasetGroupArn"],
                                         p["filterExpression"], p.get("tags"))
        return {"filterArn": arn}

    def describe_filter(self, p: dict) -> dict:
        return {"filter": self.backend.describe_filter(p["filterArn"])}

    def list_filters(self, p: dict) -> dict:
        dg = p.get("datasetGroupArn")
        return self._page(self.backend.list_filters(dg), p, "Filters", f"filters:{dg}")

    def delete_filter(self, p: dict) -> dict:
        self.backend.delete_filter(p["filterArn"])
        return {}

    # ---- event trackers --------------------------------------------------------------
    def create_event_tracker(self, p: dict) -> dict:
        arn, tracking_id = self.backend.create_event_tracker(
            p["name"], p["datasetGroupArn"], p.get("tags"))
        return {"eventTrackerArn": arn, "trackingId": tracking_id}

    def describe_event_tracker(self, p: dict) -> dict:
        return {"eventTracker": self.backend.describe_event_tracker(p["eventTrackerArn"])}

    def list_event_trackers(self, p: dict) -> dict:
        dg = p.get("datasetGroupArn")
        return self._page(self.backend.list_event_trackers(dg), p, "eventTrackers",
                          f"trackers:{dg}")

    def delete_event_tracker(self, p: dict) -> dict:
        self.backend.delete_event_tracker(p["eventTrackerArn"])
        return {}

    # ---- tags and dataset groups -----------------------------------------------------
    def list_tags_for_resource(self, p: dict) -> dict:
        return {"tags": self.backend.list_tags_for_resource(p["resourceArn"])}

    def tag_resource(self, p: dict) -> dict:
        self.backend.tag_resource(p["resourceArn"], p["tags"])
        return {}

    def untag_resource(self, p: dict) -> dict:
        self.backend.untag_resource(p["resourceArn"], p["tagKeys"])
        return {}

    def describe_dataset_group(self, p: dict) -> dict:
        return {"datasetGroup": self.backend.describe_dataset_group(p["datasetGroupArn"])}
