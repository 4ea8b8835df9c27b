"""What Personalize accepts, checked on the parsed nodes (a pass separate from the syntax).

`check` raises FilterExpressionError at the first rule broken and returns the warnings.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from .errors import FilterExpressionError, FilterWarning
from .nodes import Condition, Expression, Field, Filter, Value

# Canonical spelling by upper-cased name.
DATASETS = {"ITEMS": "Items", "INTERACTIONS": "Interactions", "USERS": "Users",
            "CURRENTITEM": "CurrentItem", "CURRENTUSER": "CurrentUser"}
# Datasets a WHERE condition may filter on, by what the filter returns. Guess for UserID (user
# segmentation): Users and Interactions fields.
WHERE_DATASETS = {"ITEMID": ("ITEMS", "INTERACTIONS"), "USERID": ("USERS", "INTERACTIONS")}
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
MAX_LENGTH = 2500
MAX_FIELDS_PER_FILTER = 10
MAX_FIELDS_PER_DATASET_GROUP = 20
MAX_FILTER_VALUES = 25  # filterValues keys per request
CURRENT_ITEM_WARNING = "uses CurrentItem, which only works with related-items recipes such as aws-similar-items"


def check(filter_: Filter) -> list[FilterWarning]:
    source = filter_.source
    if len(source) > MAX_LENGTH:
        raise FilterExpressionError(f"is {len(source)} characters; Personalize allows {MAX_LENGTH}", source, MAX_LENGTH)
    warnings: list[FilterWarning] = []
    for expression in filter_.expressions:
        _check_expression(source, expression, warnings)
    _check_count(source, list(fields(filter_)), MAX_FIELDS_PER_FILTER,
                 "more than {limit} distinct fields in one filter ({field} is the {nth})")
    placeholders: dict[str, Value] = {}
    for value in values(filter_):
        if value.kind == "placeholder":
            placeholders.setdefault(value.text, value)
            if len(placeholders) > MAX_FILTER_VALUES:
                _fail(f"more than {MAX_FILTER_VALUES} placeholders: a request passes at most {MAX_FILTER_VALUES} filterValues",
                      source, value.column)
    return warnings


def check_dataset_group(filters: Iterable[Filter]) -> tuple[int, FilterExpressionError] | None:
    """The 20-distinct-fields quota across a dataset group's filters: (index of the filter, error)."""
    seen: set[tuple[str, str]] = set()
    for index, filter_ in enumerate(filters):
        for field in fields(filter_):
            seen.add(field.key)
            if len(seen) > MAX_FIELDS_PER_DATASET_GROUP:
                error = FilterExpressionError(
                    f"more than {MAX_FIELDS_PER_DATASET_GROUP} distinct fields across the dataset group's filters "
                    f"({_shown(field)} is the {MAX_FIELDS_PER_DATASET_GROUP + 1}st)", filter_.source, field.column)
                return index, error
    return None


def fields(filter_: Filter) -> Iterator[Field]:
    """The dataset fields a filter tests (left of the operator), in order."""
    for expression in filter_.expressions:
        for condition in expression.conditions + expression.if_conditions:
            yield condition.field


def values(filter_: Filter) -> Iterator[Value]:
    for expression in filter_.expressions:
        for condition in expression.conditions + expression.if_conditions:
            yield from condition.values


def uses_current_item(filter_: Filter) -> bool:
    return any(v.reference is not None and v.reference.dataset.upper() == "CURRENTITEM" for v in values(filter_))


def _check_expression(source: str, expression: Expression, warnings: list[FilterWarning]) -> None:
    allowed = WHERE_DATASETS[expression.target]
    first = None
    for condition in expression.conditions:
        dataset = condition.field.dataset.upper()
        _check_dataset(source, condition.field)
        if dataset == "CURRENTUSER":
            _fail("CurrentUser fields go in the IF clause: ... IF CurrentUser.<field> <operator> <value>",
                  source, condition.field.column)
        if dataset == "CURRENTITEM":
            _fail("CurrentItem goes after the operator, e.g. Items.CATEGORY IN CurrentItem.CATEGORY",
                  source, condition.field.column)
        if dataset not in allowed:
            target = "ItemID" if expression.target == "ITEMID" else "UserID"
            names = " and ".join(DATASETS[d] for d in allowed)
            _fail(f"{DATASETS[dataset]} fields cannot filter {target}: use {names} fields"
                  + (", or IF CurrentUser.<field> for the current user" if dataset == "USERS" else ""),
                  source, condition.field.column)
        if first is None:
            first = dataset
        elif dataset != first:
            _fail(f"conditions joined by AND/OR must use one dataset: this is {DATASETS[dataset]}, the first is "
                  f"{DATASETS[first]} (chain them with '|' instead)", source, condition.field.column)
        if dataset == "INTERACTIONS" and condition.field.name.upper() != "EVENT_TYPE":
            _fail(f"Interactions can be filtered by EVENT_TYPE only, not {condition.field.name}",
                  source, condition.field.column + len(condition.field.dataset) + 1)
        _check_values(source, condition, warnings)
    for condition in expression.if_conditions:
        _check_dataset(source, condition.field)
        if condition.field.dataset.upper() != "CURRENTUSER":
            _fail("the IF clause takes CurrentUser.<field> conditions", source, condition.field.column)
        _check_values(source, condition, warnings)


def _check_dataset(source: str, field: Field) -> None:
    if field.dataset.upper() not in DATASETS:
        _fail(f"unknown dataset '{field.dataset}' (expected {', '.join(DATASETS.values())})", source, field.column)


def _check_values(source: str, condition: Condition, warnings: list[FilterWarning]) -> None:
    operator = condition.operator
    if operator in COMPARISONS and condition.is_list:
        _fail(f"{operator} takes one value, not a list", source, condition.list_column)
    if operator in ("IN", "NOT IN") and not condition.is_list and condition.values[0].kind != "reference":
        _fail(f"{operator} takes a list in parentheses, e.g. ({_quoted(condition.values[0])})", source, condition.list_column)
    if not condition.values:
        _fail(f"empty list: {operator} needs at least one value", source, condition.list_column)
    placeholders = 0
    for value in condition.values:
        if value.kind == "word":
            _fail(f"string values must be in double quotes: \"{value.text}\"", source, value.column)
        if value.kind == "placeholder":
            if operator == "NOT IN":
                _fail("placeholders are not allowed with NOT IN", source, value.column)
            placeholders += 1
            if placeholders > 1:
                _fail("only one placeholder per list: pass several values in that one placeholder", source, value.column)
        if value.kind == "string" and operator in COMPARISONS:
            _fail(f"{operator} compares numbers: give a number or a $PLACEHOLDER, not a string", source, value.column)
        if value.kind == "reference":
            _check_reference(source, value, warnings)


def _check_reference(source: str, value: Value, warnings: list[FilterWarning]) -> None:
    reference = value.reference
    assert reference is not None
    dataset = reference.dataset.upper()
    if dataset == "CURRENTITEM":
        warnings.append(FilterWarning(CURRENT_ITEM_WARNING, value.column))
    elif dataset in DATASETS:
        _fail(f"a value may refer to CurrentItem.<field> only, not {DATASETS[dataset]}", source, value.column)
    else:
        _fail(f"unknown dataset '{reference.dataset}' (expected CurrentItem)", source, value.column)


def _check_count(source: str, found: list[Field], limit: int, message: str) -> None:
    seen: set[tuple[str, str]] = set()
    for field in found:
        seen.add(field.key)
        if len(seen) > limit:
            _fail(message.format(limit=limit, field=_shown(field), nth=f"{limit + 1}th"), source, field.column)


def _shown(field: Field) -> str:
    return f"{DATASETS.get(field.dataset.upper(), field.dataset)}.{field.name}"


def _quoted(value: Value) -> str:
    return value.text if value.kind in ("number", "placeholder") else f'"{value.text}"'


def _fail(message: str, source: str, column: int) -> None:
    raise FilterExpressionError(message, source, column)
