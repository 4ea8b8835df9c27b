"""Custom resource: write one SSM parameter that another stack owns (Name, Value, Description).

The storefront's base stack creates the parameters (value "NONE"), so we overwrite rather than
declare them, remember what was there before in the physical id, and put it back on delete
(or delete the parameter when there was none). A parameter someone changed after our write is
left alone on delete: it no longer holds what we wrote.
"""
from __future__ import annotations

import base64
import logging
import os
import re
from dataclasses import dataclass
from typing import Any

from lifecycle import aws
from lifecycle.events import CfnEvent

logging.getLogger().setLevel(os.environ.get("LOG_LEVEL", "INFO"))
log = logging.getLogger(__name__)

ABSENT = "absent"
# Physical ids stay well under CloudFormation's limits; longer previous values are found again
# by version in the parameter's history instead of being carried inline.
INLINE_LIMIT = 700
# CloudFormation rejects a physical id over 1 KB; multi-byte values or long names reach it sooner.
PHYSICAL_ID_LIMIT = 1024


@dataclass(frozen=True)
class Previous:
    """What the parameter held before this stack first wrote it."""

    name: str
    value: str | None = None  # None with version None: no parameter existed
    version: int | None = None

    def physical_id(self) -> str:
        if self.version is not None:
            return f"{self.name}#previous-version={self.version}"
        if self.value is None:
            return f"{self.name}#{ABSENT}"
        encoded = base64.urlsafe_b64encode(self.value.encode()).decode().rstrip("=")
        return f"{self.name}#previous={encoded}"

    @classmethod
    def of(cls, name: str, value: str | None, version: int | None) -> "Previous":
        inline = cls(name, value=value)
        if value is not None and (len(value) > INLINE_LIMIT or len(inline.physical_id().encode()) > PHYSICAL_ID_LIMIT):
            return cls(name, version=version)
        return inline

    @classmethod
    def parse(cls, physical_id: str) -> "Previous":
        name, _, memo = physical_id.partition("#")
        if memo.startswith("previous-version="):
            return cls(name, version=int(memo.split("=", 1)[1]))
        if memo.startswith("previous="):
            encoded = memo.split("=", 1)[1]
            padded = encoded + "=" * (-len(encoded) % 4)
            return cls(name, value=base64.urlsafe_b64decode(padded).decode())
        if memo == ABSENT:
            return cls(name)
        raise ValueError(f"not a parameter writer's physical id: {physical_id!r}")


def restore_action(previous: Previous, current: str | None, written: str) -> str:
    """On delete: 'restore', 'delete' or 'leave' (someone else changed it since our write)."""
    if current is None:
        return "leave"
    if current != written:
        return "leave"
    return "delete" if previous.value is None and previous.version is None else "restore"


def _current(name: str) -> dict[str, Any] | None:
    try:
        return aws.ssm().get_parameter(Name=name)["Parameter"]
    except aws.ssm().exceptions.ParameterNotFound:
        return None


def _put(name: str, value: str, description: str | None, exists: bool) -> int:
    args: dict[str, Any] = {"Name": name, "Value": value, "Overwrite": True}
    if not exists:  # keep the owner's type and description on parameters that exist
        args["Type"] = "String"
        if description:
            args["Description"] = description
    return aws.ssm().put_parameter(**args)["Version"]


def request_label(request_id: str) -> str:
    """The label our write carries, so a retried request recognises it (SSM labels: letters,
    digits, '.', '-', '_'; at most 100; not starting with a digit, 'aws' or 'ssm')."""
    return "cfn-" + re.sub(r"[^a-zA-Z0-9_.-]", "-", request_id)[:90]


def _history(name: str) -> list[dict[str, Any]]:
    try:
        pages = aws.ssm().get_paginator("get_parameter_history").paginate(Name=name)
        return sorted((e for page in pages for e in page["Parameters"]), key=lambda e: e["Version"])
    except aws.ssm().exceptions.ParameterNotFound:
        return []


def _value_at(name: str, version: int) -> str:
    for page in aws.ssm().get_paginator("get_parameter_history").paginate(Name=name):
        for entry in page["Parameters"]:
            if entry["Version"] == version:
                return entry["Value"]
    raise RuntimeError(f"{name}: version {version} is no longer in the parameter's history; set it by hand")


def previous_of(history: list[dict[str, Any]], label: str) -> tuple[dict[str, Any] | None, bool]:
    """What was there before this request's write, and whether the write already happened (a
    retried request finds its own label: the version before it is the real previous value)."""
    ours = next((e for e in reversed(history) if label in (e.get("Labels") or [])), None)
    if ours is None:
        return (history[-1] if history else None), False
    before = [e for e in history if e["Version"] < ours["Version"]]
    return (before[-1] if before else None), True


def _write(event: CfnEvent) -> dict[str, Any]:
    name, value = event.prop("Name"), event.prop("Value")
    label = request_label(event.request_id)
    history = _history(name)
    before, written = previous_of(history, label)
    previous = Previous.of(name, before["Value"] if before else None, before["Version"] if before else None)
    if not written:
        version = _put(name, value, event.properties.get("Description"), exists=bool(history))
        aws.ssm().label_parameter_version(Name=name, ParameterVersion=version, Labels=[label])
    return {"PhysicalResourceId": previous.physical_id(), "Data": {"ParameterName": name}}


def on_event(raw, _context=None):
    event = CfnEvent.parse(raw)
    if event.request_type == "Create":
        return _write(event)
    if event.request_type == "Update":
        if event.old_properties.get("Name") != event.prop("Name"):
            return _write(event)  # new physical id; CloudFormation then deletes the old one
        current = _current(event.prop("Name"))
        if current is None or current["Value"] != event.prop("Value"):
            _put(event.prop("Name"), event.prop("Value"), event.properties.get("Description"), current is not None)
        return {"PhysicalResourceId": event.physical_id, "Data": {"ParameterName": event.prop("Name")}}
    return _delete(event)


def _delete(event: CfnEvent) -> dict[str, Any]:
    try:
        previous = Previous.parse(event.physical_id or "")
    except ValueError:
        log.info("nothing was written for %s", event.physical_id)
        return {"PhysicalResourceId": event.physical_id}
    current = _current(previous.name)
    action = restore_action(previous, current["Value"] if current else None, str(event.properties.get("Value")))
    log.info("delete %s: %s", previous.name, action)
    if action == "delete":
        try:
            aws.ssm().delete_parameter(Name=previous.name)
        except aws.ssm().exceptions.ParameterNotFound:
            pass
    elif action == "restore":
        value = previous.value if previous.version is None else _value_at(previous.name, previous.version)
        _put(previous.name, value, None, exists=True)
    return {"PhysicalResourceId": event.physical_id}


def is_complete(raw, _context=None):
    """Writes are synchronous; confirm the value is readable before dependants go ahead."""
    event = CfnEvent.parse(raw)
    if event.request_type == "Delete":
        return {"IsComplete": True}
    current = _current(event.prop("Name"))
    if current is None or current["Value"] != event.prop("Value"):
        return {"IsComplete": False}
    return {"IsComplete": True, "Data": {"ParameterName": current["Name"], "Version": str(current["Version"])}}
