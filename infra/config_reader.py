"""Reading TOML tables into typed values, every problem collected with the config key it concerns.

Shared by the stage config (infra/config_parse.py) and the pipeline config (infra/pipeline_config.py).
"""
from __future__ import annotations

import re
from typing import Any


class KeyedReader:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    def warning(self, key: str, message: str) -> None:
        self.warnings.append(f"{key}: {message}")

    def table(self, key: str, value: Any, allowed: set[str], required: bool = False) -> dict[str, Any]:
        if value is None:
            if required:
                self.problem(key, "is required")
            return {}
        if not isinstance(value, dict):
            self.problem(key, f"must be a table, got {type(value).__name__}")
            return {}
        for unknown in sorted(set(value) - allowed):
            self.problem(f"{key}.{unknown}" if key else unknown, f"unknown key (expected one of: {', '.join(sorted(allowed))})")
        return value

    def string(self, key: str, value: Any, pattern: re.Pattern[str] | None = None, shape: str = "",
               required: bool = True) -> str | None:
        if value is None:
            if required:
                self.problem(key, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(key, f"must be a non-empty string, got {value!r}")
            return None
        if pattern and not pattern.match(value):
            self.problem(key, f"{value!r} is not {shape}")
            return None
        return value

    def integer(self, key: str, value: Any, default: int, low: int, high: int) -> int:
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.problem(key, f"must be a whole number from {low} to {high}, got {value!r}")
            return default
        return value
