"""Errors and warnings that point at a column of the expression."""
from __future__ import annotations

from dataclasses import dataclass


def render(source: str, column: int, indent: str = "    ") -> str:
    """The line of `source` holding `column`, and a caret line under that column."""
    start = source.rfind("\n", 0, column) + 1
    end = source.find("\n", column)
    line = source[start:] if end == -1 else source[start:end]
    return f"{indent}{line}\n{indent}{' ' * (column - start)}^"


class FilterExpressionError(ValueError):
    """A filter expression Personalize would refuse: what is wrong and where (0-based column).

    A ValueError, so the emulator's expression_validator hook can use it as it is.
    """

    def __init__(self, message: str, source: str, column: int):
        self.message, self.source, self.column = message, source, max(0, min(column, len(source)))
        super().__init__(f"{message}\n{self.render()}")

    def render(self, indent: str = "    ") -> str:
        return render(self.source, self.column, indent)


class FilterEvaluationError(ValueError):
    """The filter cannot be applied with the inputs given (an INCLUDE placeholder without a value...)."""


@dataclass(frozen=True)
class FilterWarning:
    """Something Personalize accepts but that may not do what the author expects."""

    message: str
    column: int
