"""Fault injection for the Personalize emulator (``emu.faults``)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable, Optional

from . import exceptions as exc
from .models import PersonalizeBackend


@dataclass
class _LimitFault:
    operation: str
    remaining: int
    names: Optional[frozenset]
    message: str


def _resource_name(params: dict) -> Optional[str]:
    """The name a call is about: its ``name`` or the last part of its first ARN param."""
    if "name" in params:
        return params["name"]
    for key, value in params.items():
        if key.endswith("Arn") and isinstance(value, str):
            return value.rsplit("/", 1)[-1]
    return None


class Faults:
    def __init__(self, backend: PersonalizeBackend) -> None:
        self._backend = backend
        backend.create_failure_for = self._create_failure_for
        self.clear()

    def clear(self) -> None:
        """Forget every injected fault (out-of-band changes already made stay made)."""
        self._create_failures: dict[str, list] = {}  # name -> [reason, remaining or None]
        self._limits: list[_LimitFault] = []
        self._throttle_rng: Optional[random.Random] = None
        self._throttle_rate = 0.0
        self._throttle_ops: Optional[frozenset] = None
        self._in_use: dict[str, str] = {}  # arn -> what uses it

    # ---- scheduled faults ------------------------------------------------------------
    def fail_create(self, name: str, reason: str = "Injected failure",
                    times: Optional[int] = None) -> None:
        """Filter/tracker ``name`` ends in CREATE FAILED instead of ACTIVE.

        Decided when its creation latency elapses (so it also works for a resource
        already being created). ``times=None``: every creation of that name until clear().
        """
        self._create_failures[name] = [reason, times]

    def limit_exceeded(self, operation: str = "CreateFilter", times: int = 1,
                       names: Optional[Iterable[str]] = None,
                       message: str = "Limit exceeded (injected fault)") -> None:
        """The next ``times`` calls of ``operation`` (only for ``names`` if given) fail."""
        self._limits.append(_LimitFault(operation, times,
                                        frozenset(names) if names is not None else None, message))

    def throttle(self, rate: float = 0.3, seed: int = 1,
                 operations: Optional[Iterable[str]] = None) -> None:
        """A seeded, repeatable ``rate`` fraction of calls raise ThrottlingException."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within [0, 1]")
        self._throttle_rng = random.Random(seed)
        self._throttle_rate = rate
        self._throttle_ops = frozenset(operations) if operations is not None else None

    def in_use(self, arn: str, by: str = "a batch inference job") -> None:
        """Deleting ``arn`` is refused with ResourceInUseException until clear()."""
        self._in_use[arn] = by

    # ---- immediate out-of-band changes -----------------------------------------------
    def delete_out_of_band(self, arn: str) -> None:
        """Someone deleted the resource behind our back: gone at once, no DELETE states."""
        for store in (self._backend.filters, self._backend.event_trackers,
                      self._backend.dataset_groups):
            if arn in store:
                del store[arn]
                return
        raise KeyError(f"No emulated resource with ARN {arn}")

    def change_expression_out_of_band(self, filter_arn: str, expression: str) -> None:
        """Someone replaced the filter with one of the same name and another expression."""
        if filter_arn not in self._backend.filters:
            raise KeyError(f"No emulated filter with ARN {filter_arn}")
        self._backend.filters[filter_arn].filter_expression = expression

    # ---- hooks used by the emulator --------------------------------------------------
    def before_call(self, operation: str, params: dict) -> None:
        """Raise the injected error for this call, if any, before the backend runs."""
        if self._throttle_rng is not None and (
                self._throttle_ops is None or operation in self._throttle_ops):
            if self._throttle_rng.random() < self._throttle_rate:
                raise exc.ThrottlingException("Rate exceeded")
        if operation in ("DeleteFilter", "DeleteEventTracker"):
            arn = params.get("filterArn") or params.get("eventTrackerArn")
            if arn in self._in_use:
                raise exc.ResourceInUseException(f"{arn} is in use by {self._in_use[arn]}.")
        name = _resource_name(params)
        for fault in self._limits:
            if fault.operation != operation or fault.remaining <= 0:
                continue
            if fault.names is not None and name not in fault.names:
                continue
            fault.remaining -= 1
            raise exc.LimitExceededException(fault.message)

    def _create_failure_for(self, name: str) -> Optional[str]:
        entry = self._create_failures.get(name)
        if entry is None:
            return None
        reason, remaining = entry
        if remaining is not None:
            if remaining <= 0:
                return None
            entry[1] = remaining - 1
        return reason
