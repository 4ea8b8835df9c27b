"""A virtual clock: emulated resources change status only when a test moves time."""
from __future__ import annotations


class VirtualClock:
    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("VirtualClock cannot go backwards; use set() deliberately")
        self._now += seconds
        return self._now

    def set(self, t: float) -> float:
        self._now = float(t)
        return self._now
