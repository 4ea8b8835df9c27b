"""The thin boto3 layer the checks act through; tests hand in emulator-backed clients."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

EVENT_MARK = {"source": "personalize-activation-evaluation"}  # marks our synthetic events


@dataclass
class Runtime:
    recommendations: Any  # boto3 personalize-runtime client
    events: Any  # boto3 personalize-events client
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    sent: list[dict[str, Any]] = field(default_factory=list)

    @staticmethod
    def _target(arn: str) -> dict[str, str]:
        return {"recommenderArn": arn} if ":recommender/" in arn else {"campaignArn": arn}

    def recommend(self, arn: str, *, user_id: str | None = None, item_id: str | None = None, num: int = 10,
                  filter_arn: str | None = None, filter_values: dict[str, str] | None = None,
                  promotion: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        request: dict[str, Any] = {**self._target(arn), "numResults": num}
        if user_id:
            request["userId"] = user_id
        if item_id:
            request["itemId"] = item_id
        if filter_arn:
            request["filterArn"] = filter_arn
            if filter_values:
                request["filterValues"] = filter_values
        if promotion:
            request["promotions"] = [promotion]
        return self.recommendations.get_recommendations(**request)["itemList"]

    def rank(self, campaign_arn: str, user_id: str, items: list[str], context: dict[str, str] | None = None):
        request: dict[str, Any] = {"campaignArn": campaign_arn, "userId": user_id, "inputList": items}
        if context:
            request["context"] = context
        return self.recommendations.get_personalized_ranking(**request)["personalizedRanking"]

    def purchase(self, tracking_id: str, user_id: str, item_id: str) -> None:
        event = {"eventType": "Purchase", "sentAt": self.clock(), "itemId": item_id,
                 "properties": json.dumps(EVENT_MARK)}
        self.events.put_events(trackingId=tracking_id, userId=user_id, sessionId=f"evaluation-{user_id}",
                               eventList=[event])
        self.sent.append({"eventType": "Purchase", "itemId": item_id, "userId": user_id})


def quoted(values: tuple[str, ...] | list[str]) -> str:
    """filterValues take one string of double-quoted, comma-separated values."""
    return ",".join('"' + v.replace('"', '\\"') + '"' for v in values)
