"""Plain nodes the parser returns; checks (rules.py) and evaluation (evaluate.py) read them."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """`Dataset.FIELD` as written; `column` is where the dataset name starts."""

    dataset: str
    name: str
    column: int

    @property
    def key(self) -> tuple[str, str]:
        return self.dataset.upper(), self.name.upper()


@dataclass(frozen=True)
class Value:
    """kind: string (text without quotes), number, placeholder (text with $), word (unquoted), reference."""

    kind: str
    text: str
    column: int
    reference: Field | None = None


@dataclass(frozen=True)
class Condition:
    field: Field
    operator: str  # IN, NOT IN, =, !=, <, <=, >, >=
    values: tuple[Value, ...]
    is_list: bool  # values were given in parentheses
    operator_column: int
    list_column: int  # where the '(' is, or the single value


@dataclass(frozen=True)
class Expression:
    action: str  # EXCLUDE | INCLUDE
    target: str  # ITEMID | USERID
    conditions: tuple[Condition, ...]
    joiners: tuple[str, ...]  # AND | OR between conditions, len(conditions) - 1
    if_conditions: tuple[Condition, ...]
    column: int


@dataclass(frozen=True)
class Filter:
    source: str
    expressions: tuple[Expression, ...]
