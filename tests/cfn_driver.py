"""Plays the CDK Provider framework for one custom resource, on the emulator's virtual clock.

Mirrors aws-cdk-lib's provider-framework runtime: on_event's result is merged into the event,
is_complete is called at once and then every query interval with that same event, its Data is
merged into the response, and an exception anywhere is a FAILED response. A Create whose
on_event raises gets the framework's CREATE_FAILED marker as physical id.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable

from lifecycle.events import CREATE_FAILED_MARKER

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/Activation/0f7d6e40-0000-0000-0000-000000000000"
_request_ids = itertools.count(1)


def cfn_event(request_type: str, props: dict[str, Any], *, logical_id: str = "Resource1",
              physical_id: str | None = None, old: dict[str, Any] | None = None,
              stack_id: str = STACK_ID) -> dict[str, Any]:
    event: dict[str, Any] = {
        "RequestType": request_type,
        "LogicalResourceId": logical_id,
        "StackId": stack_id,
        "RequestId": f"request-{next(_request_ids)}",
        "ResourceType": "Custom::Test",
        "ResponseURL": "https://cloudformation-custom-resource-response.invalid/",
        "ResourceProperties": {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:fw", **props},
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if old is not None:
        event["OldResourceProperties"] = {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:fw", **old}
    return event


@dataclass
class Outcome:
    status: str  # SUCCESS | FAILED
    physical_id: str | None
    data: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    polls: int = 0


def drive(on_event: Callable, is_complete: Callable, event: dict[str, Any], *, advance: Callable[[float], None],
          interval: float = 10.0, timeout: float = 3300.0) -> Outcome:
    try:
        result = on_event(event) or {}
    except Exception as error:  # noqa: BLE001 - the framework turns any error into FAILED
        failed_id = event.get("PhysicalResourceId") or CREATE_FAILED_MARKER
        return Outcome("FAILED", failed_id, reason=str(error))
    physical_id = result.get("PhysicalResourceId") or event.get("PhysicalResourceId") or event["RequestId"]
    if event["RequestType"] == "Delete" and physical_id != event.get("PhysicalResourceId"):
        return Outcome("FAILED", event.get("PhysicalResourceId"), reason="DELETE: cannot change the physical id")
    waited = 0.0
    response_event = {**event, **result, "PhysicalResourceId": physical_id}
    polls = 0
    while waited <= timeout:
        polls += 1
        try:
            answer = is_complete(response_event)
        except Exception as error:  # noqa: BLE001
            return Outcome("FAILED", response_event["PhysicalResourceId"], dict(response_event.get("Data", {})), str(error), polls)
        if answer.get("IsComplete"):
            if answer.get("Data") is None:
                answer = {k: v for k, v in answer.items() if k != "Data"}
            merged = {**response_event, **answer,
                      "Data": {**response_event.get("Data", {}), **answer.get("Data", {})}}
            return Outcome("SUCCESS", merged["PhysicalResourceId"], merged["Data"], polls=polls)
        if answer.get("Data"):
            return Outcome("FAILED", physical_id, reason='"Data" is not allowed if "IsComplete" is "False"', polls=polls)
        advance(interval)
        waited += interval
    return Outcome("FAILED", response_event["PhysicalResourceId"], reason="Operation timed out", polls=polls)
