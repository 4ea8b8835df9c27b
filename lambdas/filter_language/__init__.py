"""The Amazon Personalize filter expression language: parse, check, canonical form, evaluate.

Standard library only, relative imports: importable as `filter_language` (Lambda asset, tests) and
as `lambdas.filter_language` (CDK app).
"""
from __future__ import annotations

from .canonical import canonical
from .errors import FilterEvaluationError, FilterExpressionError, FilterWarning
from .evaluate import evaluate, parse_filter_values
from .nodes import Filter
from .parser import parse
from .rules import check, check_dataset_group, uses_current_item


def validate(expression: str) -> tuple[Filter, list[FilterWarning]]:
    """Parse and check: the parsed filter and its warnings, or FilterExpressionError."""
    if len(expression) > 2500:
        check(Filter(expression, ()))  # raises the length error before parsing a huge text
    parsed = parse(expression)
    return parsed, check(parsed)


__all__ = [
    "Filter", "FilterEvaluationError", "FilterExpressionError", "FilterWarning", "canonical", "check",
    "check_dataset_group", "evaluate", "parse", "parse_filter_values", "uses_current_item", "validate",
]
