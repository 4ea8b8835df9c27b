"""The CDK Provider framework's protocol for one custom-resource request, as a generator.

Mirrors aws-cdk-lib's provider-framework runtime (framework.js): on_event's result is merged into
the event; is_complete is called at once and then every query interval with that same event; its
Data is merged into the response; an exception anywhere is a FAILED response; a Create whose
on_event raises gets the CREATE_FAILED marker as physical id, and a Delete of that marker is
answered without calling the handler. The generator yields the seconds to wait and returns the
Outcome, so one driver can run many requests side by side on a virtual clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Generator

CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"


@dataclass
class Outcome:
    status: str  # SUCCESS | FAILED
    physical_id: str | None
    data: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    polls: int = 0


def request(on_event: Callable, is_complete: Callable | None, event: dict[str, Any], *,
            interval: float = 10.0, timeout: float = 3300.0,
            repeat_on_event: bool = False) -> Generator[float, None, Outcome]:
    if event["RequestType"] == "Delete" and event.get("PhysicalResourceId") == CREATE_FAILED_MARKER:
        return Outcome("SUCCESS", CREATE_FAILED_MARKER)
    try:
        result = on_event(event) or {}
        if repeat_on_event:  # Lambda retried the invocation: the handler sees the same request again
            result = on_event(event) or {}
    except Exception as error:  # noqa: BLE001 - the framework turns any error into FAILED
        failed_id = event.get("PhysicalResourceId") or CREATE_FAILED_MARKER
        return Outcome("FAILED", failed_id, reason=str(error))
    physical_id = result.get("PhysicalResourceId") or event.get("PhysicalResourceId") or event["RequestId"]
    if event["RequestType"] == "Delete" and physical_id != event.get("PhysicalResourceId"):
        return Outcome("FAILED", event.get("PhysicalResourceId"), reason="DELETE: cannot change the physical id")
    response_event = {**event, **result, "PhysicalResourceId": physical_id}
    if is_complete is None:
        return Outcome("SUCCESS", physical_id, dict(result.get("Data") or {}))
    waited, polls = 0.0, 0
    while waited <= timeout:
        polls += 1
        try:
            answer = is_complete(response_event)
        except Exception as error:  # noqa: BLE001
            return Outcome("FAILED", physical_id, dict(response_event.get("Data") or {}), str(error), polls)
        if answer.get("IsComplete"):
            merged = {**response_event, **{k: v for k, v in answer.items() if k != "Data"},
                      "Data": {**(response_event.get("Data") or {}), **(answer.get("Data") or {})}}
            return Outcome("SUCCESS", merged["PhysicalResourceId"], merged["Data"], polls=polls)
        if answer.get("Data"):
            return Outcome("FAILED", physical_id, reason='"Data" is not allowed if "IsComplete" is "False"', polls=polls)
        yield interval
        waited += interval
    return Outcome("FAILED", physical_id, reason="Operation timed out", polls=polls)


def run(steps: Generator[float, None, Outcome], advance: Callable[[float], None]) -> Outcome:
    """Drive one request to its end, advancing the clock as it waits."""
    try:
        while True:
            advance(next(steps))
    except StopIteration as done:
        return done.value
