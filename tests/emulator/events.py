"""PutEvents rows and the runtime's misbehaviour knobs (``emu.runtime.faults``)."""
from __future__ import annotations

import json

from . import exceptions as exc

# Keys Personalize refuses inside an event's properties (they are request/event fields).
RESERVED_PROPERTIES = ("userId", "sessionId", "eventType", "timestamp", "recommendationId",
                       "impression")


class RuntimeFaults:
    """Misbehaviour knobs (``emu.runtime.faults``) that make each evaluation check fail."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.ignored_filters: set[str] = set()
        self.dropped_from_ranking: set[str] = set()
        self.duplicates = False
        self.popular_per_user = False

    def ignore_filter(self, filter_arn: str) -> None:
        """Requests naming this filter (as filterArn or in a promotion) get it silently unapplied."""
        self.ignored_filters.add(filter_arn)

    def drop_from_ranking(self, item_id: str) -> None:
        """GetPersonalizedRanking silently leaves this item out of its answer."""
        self.dropped_from_ranking.add(item_id)

    def duplicate_recommendations(self, on: bool = True) -> None:
        """GetRecommendations lists its first item again in the last place."""
        self.duplicates = on

    def personalize_popular(self, on: bool = True) -> None:
        """aws-ecomm-popular-items-by-views answers differ per user."""
        self.popular_per_user = on


def event_row(p: dict, event: dict, n: int) -> dict:
    """One PutEvents event as an Interactions row (properties validated, camelCase -> COLUMN)."""
    properties: dict = {}
    if event.get("properties") is not None:
        text = event["properties"]
        if len(text) > 1024:
            raise exc.InvalidInputException(
                f"eventList.{n + 1}.member.properties is longer than 1024 characters.")
        try:
            properties = json.loads(text)
        except ValueError:
            raise exc.InvalidInputException(
                f"eventList.{n + 1}.member.properties is not valid JSON.") from None
        if not isinstance(properties, dict):
            raise exc.InvalidInputException(
                f"eventList.{n + 1}.member.properties must be a JSON object.")
        # Guess: reserved keys are compared case-insensitively.
        reserved = [k for k in properties if k.lower() in {r.lower() for r in RESERVED_PROPERTIES}]
        if reserved:
            raise exc.InvalidInputException(
                f"eventList.{n + 1}.member.properties uses reserved keys {reserved}; "
                "send them as request/event fields instead.")
    row = {"USER_ID": p.get("userId") or p["sessionId"], "SESSION_ID": p["sessionId"],
           "EVENT_TYPE": event["eventType"], "TIMESTAMP": float(event["sentAt"])}
    for key, value in properties.items():  # camelCase schema names -> COLUMN names
        row["".join("_" + c if c.isupper() else c for c in key).upper()] = value
    for key, column in (("itemId", "ITEM_ID"), ("eventId", "EVENT_ID"),
                        ("eventValue", "EVENT_VALUE"), ("recommendationId", "RECOMMENDATION_ID"),
                        ("impression", "IMPRESSION")):
        if event.get(key) is not None:
            row[column] = event[key]
    return row
