"""Applies a filter to one candidate item, as GetRecommendations would (the emulator's use).

Semantics (from the developer guide; where it is silent, marked as a guess):
- a chain of only EXCLUDE (or only INCLUDE) expressions is a union; a mix is INCLUDE minus EXCLUDE;
- an expression whose placeholder has no value is dropped if it EXCLUDEs, an error if it INCLUDEs;
- an expression whose IF clause is false for the current user is dropped (guess);
- Interactions conditions match when the user has an interaction with this item of such an event
  type (event types compared case-insensitively), among the last 100 per event type;
- multi-valued categorical metadata is `a|b|c`; IN matches when any value is listed, NOT IN when none
  is; a missing field matches only NOT IN (guess);
- AND binds tighter than OR (guess: the guide does not say).
"""
from __future__ import annotations

import operator as op
import re
from collections import defaultdict
from typing import Any, Mapping, Sequence

from .errors import FilterEvaluationError
from .nodes import Condition, Expression, Filter, Value
from .parser import parse

COMPARE = {"=": op.eq, "!=": op.ne, "<": op.lt, "<=": op.le, ">": op.gt, ">=": op.ge}
INTERACTIONS_SEEN = 100  # per user per event type
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


class _Dropped(Exception):
    """An EXCLUDE expression without its placeholder value (or with a false IF clause)."""


def evaluate(
    filter_: Filter | str,
    item: Mapping[str, Any],
    *,
    interactions: Sequence[Mapping[str, Any]] = (),
    current_user: Mapping[str, Any] | None = None,
    current_item: Mapping[str, Any] | None = None,
    filter_values: Mapping[str, str] | None = None,
) -> bool:
    """Does `item` (column -> value, with ITEM_ID) pass the filter?"""
    parsed = parse(filter_) if isinstance(filter_, str) else filter_
    context = _Context(item, _recent(interactions), current_user, current_item, filter_values or {})
    included: list[bool] = []
    excluded: list[bool] = []
    for expression in parsed.expressions:
        if expression.target != "ITEMID":
            raise FilterEvaluationError("only ItemID filters can be evaluated")
        try:
            matched = context.expression(expression)
        except _Dropped:
            continue
        (included if expression.action == "INCLUDE" else excluded).append(matched)
    return (any(included) if included else True) and not any(excluded)


def parse_filter_values(text: str) -> list[str]:
    """`"\\"a\\",\\"b\\""` -> ["a", "b"]; a bare number stays as it is."""
    found = _QUOTED.findall(text)
    return found if found else [part.strip() for part in text.split(",") if part.strip()]


def _recent(interactions: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    by_type: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    ordered = sorted(interactions, key=lambda i: float(i.get("TIMESTAMP", 0) or 0))
    for interaction in ordered:
        by_type[str(interaction.get("EVENT_TYPE", "")).lower()].append(interaction)
    return [i for kept in by_type.values() for i in kept[-INTERACTIONS_SEEN:]]


def _column(row: Mapping[str, Any] | None, name: str) -> Any:
    if row is None:
        return None
    for key, value in row.items():
        if key.upper() == name.upper():
            return value
    return None


def _split(value: Any) -> list[str]:
    return [] if value is None else [part for part in str(value).split("|") if part != ""]


class _Context:
    def __init__(self, item, interactions, current_user, current_item, filter_values):
        self.item, self.interactions = item, interactions
        self.current_user, self.current_item, self.filter_values = current_user, current_item, filter_values
        self.action = "EXCLUDE"

    def expression(self, expression: Expression) -> bool:
        self.action = expression.action
        if expression.if_conditions and not all(self.condition(c) for c in expression.if_conditions):
            raise _Dropped
        # OR of AND-groups
        groups: list[list[Condition]] = [[expression.conditions[0]]]
        for joiner, condition in zip(expression.joiners, expression.conditions[1:]):
            if joiner == "OR":
                groups.append([condition])
            else:
                groups[-1].append(condition)
        results = [[self.condition(c) for c in group] for group in groups]  # every placeholder resolved
        return any(all(group) for group in results)

    def condition(self, condition: Condition) -> bool:
        wanted = [v for value in condition.values for v in self.value(value)]
        dataset = condition.field.dataset.upper()
        if dataset == "INTERACTIONS":
            item_id = _column(self.item, "ITEM_ID")
            kinds = {str(_column(i, "EVENT_TYPE")).lower() for i in self.interactions if _column(i, "ITEM_ID") == item_id}
            listed = {w.lower() for w in wanted}
            if condition.operator == "IN":
                return "*" in listed and bool(kinds) or bool(kinds & listed)
            return bool(kinds - listed) and "*" not in listed
        row = self.current_user if dataset == "CURRENTUSER" else self.item
        actual = _split(_column(row, condition.field.name))
        if condition.operator == "IN":
            return any(a in wanted for a in actual)
        if condition.operator == "NOT IN":
            return not any(a in wanted for a in actual)
        if not actual or not wanted:
            return False
        try:
            return COMPARE[condition.operator](float(actual[0]), float(wanted[0]))
        except ValueError:
            return False

    def value(self, value: Value) -> list[str]:
        if value.kind == "placeholder":
            name = value.text[1:]
            given = self.filter_values.get(name, self.filter_values.get(value.text))
            if given is None:
                if self.action == "EXCLUDE":
                    raise _Dropped
                raise FilterEvaluationError(f"no filterValues for {value.text}: an INCLUDE filter needs every placeholder")
            return parse_filter_values(given)
        if value.kind == "reference":
            assert value.reference is not None
            if self.current_item is None:
                raise FilterEvaluationError(f"{value.text} needs the current item (a related-items request with itemId)")
            return _split(_column(self.current_item, value.reference.name))
        return [value.text]
