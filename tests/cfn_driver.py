"""Builds CloudFormation events and plays the Provider framework for one request
(rehearsal.provider) on the emulator's virtual clock."""
from __future__ import annotations

import itertools
from typing import Any, Callable

from rehearsal.provider import Outcome, request, run

__all__ = ["Outcome", "cfn_event", "drive"]

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


def drive(on_event: Callable, is_complete: Callable, event: dict[str, Any], *, advance: Callable[[float], None],
          interval: float = 10.0, timeout: float = 3300.0) -> Outcome:
    return run(request(on_event, is_complete, event, interval=interval, timeout=timeout), advance)
