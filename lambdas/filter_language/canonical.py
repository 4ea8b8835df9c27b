"""The canonical text of a parsed filter: one space between tokens, identifiers and keywords
upper-cased (Personalize matches them case-insensitively), values exactly as written.

It renders the same text as the token-based form lifecycle/expression.py used before the parser
existed, so replacement filter names (`NAME-<hash of the canonical form>`) stay what they were.
"""
from __future__ import annotations

from .nodes import Condition, Expression, Filter, Value


def canonical(filter_: Filter) -> str:
    return " | ".join(_expression(e) for e in filter_.expressions)


def _expression(expression: Expression) -> str:
    text = f"{expression.action} {expression.target} WHERE {_condition(expression.conditions[0])}"
    for joiner, condition in zip(expression.joiners, expression.conditions[1:]):
        text += f" {joiner} {_condition(condition)}"
    if expression.if_conditions:
        text += " IF " + " AND ".join(_condition(c) for c in expression.if_conditions)
    return text


def _condition(condition: Condition) -> str:
    field = f"{condition.field.dataset}.{condition.field.name}".upper()
    values = ", ".join(_value(v) for v in condition.values)
    return f"{field} {condition.operator} " + (f"({values})" if condition.is_list else values)


def _value(value: Value) -> str:
    if value.kind == "string":
        return f'"{value.text}"'
    if value.kind in ("word", "reference"):
        return value.text.upper()
    return value.text
