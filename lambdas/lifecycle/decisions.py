"""Pure decisions: given the event and what Describe returned, what happens next.

Nothing here calls AWS, so every branch is tested without a client.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

ACTIVE = "ACTIVE"
CREATE_FAILED = "CREATE FAILED"
DELETING = ("DELETE PENDING", "DELETE IN_PROGRESS")

OWNER_STACK_TAG = "personalize-activation:stack-id"
OWNER_LOGICAL_ID_TAG = "personalize-activation:logical-id"

# A custom-resource response is capped at 4,096 bytes. The framework adds ids, Data, a pointer to
# the logs and a JavaScript stack (~600 bytes), so our own message keeps to half of the budget.
REASON_BUDGET_BYTES = 2048


@dataclass(frozen=True)
class Complete:
    data: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Wait:
    why: str


@dataclass(frozen=True)
class Fail:
    reason: str


@dataclass(frozen=True)
class RetryCreate:
    """Nothing exists yet (an earlier create hit a limit): create again now."""


@dataclass(frozen=True)
class ReissueDelete:
    """The resource is still there and not being deleted: ask again."""


def fit_reason(message: str, budget: int = REASON_BUDGET_BYTES) -> str:
    """Cut a failure message to `budget` UTF-8 bytes, marking the cut."""
    raw = message.encode("utf-8")
    if len(raw) <= budget:
        return message
    marker = " …[truncated]"
    keep = budget - len(marker.encode("utf-8"))
    return raw[:keep].decode("utf-8", errors="ignore") + marker


def after_create_describe(description: Mapping[str, Any] | None, *, retry_due: bool) -> object:
    """Create or update in progress: `description` is Describe's answer, None when not found."""
    if description is None:
        return RetryCreate() if retry_due else Wait("waiting to retry the create")
    status = description.get("status", "")
    if status == ACTIVE:
        return Complete()
    if status == CREATE_FAILED:
        reason = description.get("failureReason") or "no failureReason given"
        return Fail(f"{description.get('name', '?')} is CREATE FAILED: {reason}")
    if status in DELETING:
        # Deleted behind our back while we waited; creating again is the only way forward.
        return Wait(f"status {status}; will create again once it is gone")
    return Wait(f"status {status}")


def after_delete_describe(description: Mapping[str, Any] | None) -> object:
    if description is None:
        return Complete()
    status = description.get("status", "")
    if status in DELETING:
        return Wait(f"status {status}")
    if status in (ACTIVE, CREATE_FAILED):
        return ReissueDelete()
    return Wait(f"status {status}; deletes are refused until creation settles")


def retry_due(elapsed: float, interval: float, base: float = 30.0, cap: float = 300.0) -> bool:
    """Exponential backoff without state: is_complete gets the same event every time, so a retry
    is due when a threshold (base, 2*base, 4*base, ... then every `cap`) was crossed since about
    one poll ago. The look-back is 1.5 intervals because the waiter waits `interval` *after* each
    call: real gaps are longer, and a threshold must not fall between two windows. An occasional
    second attempt for one threshold is harmless (the create is refused or already exists)."""
    if elapsed < base:
        return False

    def attempts_by(t: float) -> int:
        if t < base:
            return 0
        doubling = int(math.floor(math.log2(t / base))) + 1
        last_doubling_at = base * 2 ** (doubling - 1)
        if last_doubling_at <= cap:
            return doubling
        # Past the cap: one attempt every `cap` seconds.
        doublings_to_cap = int(math.floor(math.log2(cap / base))) + 1
        capped_from = base * 2 ** (doublings_to_cap - 1)
        return doublings_to_cap + int((t - capped_from) // cap)

    return attempts_by(elapsed) > attempts_by(elapsed - 1.5 * interval)


def owner_tags(stack_id: str, logical_id: str) -> dict[str, str]:
    return {OWNER_STACK_TAG: stack_id, OWNER_LOGICAL_ID_TAG: logical_id}


def is_owned(tags: Mapping[str, str], stack_id: str, logical_id: str) -> bool:
    """Ours when tagged by this stack and this logical resource: adopted resources are not."""
    return tags.get(OWNER_STACK_TAG) == stack_id and tags.get(OWNER_LOGICAL_ID_TAG) == logical_id


def changed(old: Mapping[str, Any], new: Mapping[str, Any], keys: tuple[str, ...]) -> list[str]:
    return [k for k in keys if old.get(k) != new.get(k)]
