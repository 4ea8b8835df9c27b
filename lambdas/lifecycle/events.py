"""A typed, read-only view of what the CDK Provider framework hands our handlers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

RequestType = Literal["Create", "Update", "Delete"]

# The framework answers a Delete for this id itself; we never see it, but we never act on it either.
CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"


@dataclass(frozen=True)
class CfnEvent:
    request_type: RequestType
    logical_id: str
    stack_id: str
    request_id: str
    properties: Mapping[str, Any]
    old_properties: Mapping[str, Any] = field(default_factory=dict)
    physical_id: str | None = None
    # What on_event returned in `Data`; the framework passes it on to every is_complete call.
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, event: Mapping[str, Any]) -> "CfnEvent":
        request_type = event.get("RequestType")
        if request_type not in ("Create", "Update", "Delete"):
            raise ValueError(f"unknown RequestType {request_type!r}")
        props = {k: v for k, v in (event.get("ResourceProperties") or {}).items() if k != "ServiceToken"}
        old = {k: v for k, v in (event.get("OldResourceProperties") or {}).items() if k != "ServiceToken"}
        return cls(
            request_type=request_type,
            logical_id=event.get("LogicalResourceId", ""),
            stack_id=event.get("StackId", ""),
            request_id=event.get("RequestId", ""),
            properties=props,
            old_properties=old,
            physical_id=event.get("PhysicalResourceId"),
            data=event.get("Data") or {},
        )

    def prop(self, key: str) -> str:
        """A required string property; a missing one is a bug in our construct, so say which."""
        value = self.properties.get(key)
        if not isinstance(value, str) or not value:
            raise ValueError(f"{self.logical_id}: resource property {key!r} is missing or empty")
        return value
