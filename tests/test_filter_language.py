"""The filter-language parser: syntax, Personalize's rules with a caret under the column, the
canonical form, and evaluation (what the emulator needs to apply filters)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from filter_language import (
    FilterEvaluationError, FilterExpressionError, canonical, check_dataset_group, evaluate, parse,
    parse_filter_values, validate,
)

CSTORE = '("cold dispensed", "hot dispensed", "salty snacks", "food service")'
LAB = {  # config/default.toml, as the notebook writes them
    "exclude-purchased": 'EXCLUDE itemId WHERE INTERACTIONS.event_type in ("Purchase")',
    "cstore": f"EXCLUDE ItemID WHERE ITEMS.CATEGORY_L1 NOT IN {CSTORE}",
    "purchased-cstore": f'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | EXCLUDE ItemID WHERE ITEMS.CATEGORY_L1 IN {CSTORE}',
    "include-categories": 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | INCLUDE ItemID WHERE ITEMS.CATEGORY_L1 IN ($CATEGORIES)',
    "promoted": 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | INCLUDE ItemID WHERE ITEMS.PROMOTED IN ("Y")',
    "promoted-no-cstore": 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | INCLUDE ItemID WHERE ITEMS.PROMOTED IN ("Y") '
                          f"AND ITEMS.CATEGORY_L1 NOT IN {CSTORE}",
}
STOREFRONT = {  # the newer storefront's CurrentItem filters
    "same-categories": "INCLUDE ItemID WHERE ITEMS.CATEGORY_L1 IN CurrentItem.CATEGORY_L1",
    "exclude-purchased-include-categories": 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | '
                                            "INCLUDE ItemID WHERE ITEMS.CATEGORY_L1 IN CurrentItem.CATEGORY_L1",
}
CURRENT_ITEM = "uses CurrentItem, which only works with related-items recipes such as aws-similar-items"


def error_of(expression: str) -> str:
    with pytest.raises(FilterExpressionError) as caught:
        validate(expression)
    return str(caught.value)


def shown(message: str, expression: str, under: str, occurrence: int = 0) -> str:
    """The full error text with the caret under the `occurrence`-th `under` in `expression`."""
    column = -1
    for _ in range(occurrence + 1):
        column = expression.index(under, column + 1)
    return f"{message}\n    {expression}\n    {' ' * column}^"


# ---- accepted ------------------------------------------------------------------------------
@pytest.mark.parametrize("expression", LAB.values(), ids=LAB.keys())
def test_the_labs_six_filters_are_accepted_without_warnings(expression):
    assert validate(expression)[1] == []


@pytest.mark.parametrize("expression", STOREFRONT.values(), ids=STOREFRONT.keys())
def test_the_storefronts_current_item_filters_are_accepted_with_a_warning(expression):
    _, warnings = validate(expression)
    assert [w.message for w in warnings] == [CURRENT_ITEM]
    assert expression[warnings[0].column:].startswith("CurrentItem.CATEGORY_L1")


@pytest.mark.parametrize("expression", [
    'include itemid where items.category_l1 in ("a") and items.price > 10',
    'EXCLUDE ItemID WHERE Items.PRICE >= $MIN OR Items.PRICE < 2.5',
    'EXCLUDE ItemID WHERE Items.PRICE != -1',
    'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")',
    'INCLUDE ItemID WHERE Items.GENRE IN ($GENRES) IF CurrentUser.AGE >= 18 AND CurrentUser.TIER IN ("gold")',
    'INCLUDE UserID WHERE Users.AGE > 18 | EXCLUDE UserID WHERE Interactions.EVENT_TYPE IN ("Purchase")',
    'EXCLUDE ItemID\n  WHERE Items.A IN ("x, y", "z")\n| EXCLUDE ItemID WHERE Items.B NOT IN ("q")',
])
def test_accepted(expression):
    validate(expression)


# ---- refused: every rule, full text with the caret ---------------------------------------
def test_placeholder_with_not_in_full_text():
    assert error_of('EXCLUDE ItemID WHERE Items.CATEGORY_L1 NOT IN ($CATEGORIES)') == (
        "placeholders are not allowed with NOT IN\n"
        "    EXCLUDE ItemID WHERE Items.CATEGORY_L1 NOT IN ($CATEGORIES)\n"
        "                                                   ^"
    )


def test_unclosed_parenthesis_is_shown_where_it_opened():
    assert error_of('EXCLUDE ItemID WHERE Items.A IN ("a", "b"') == (
        "this '(' is never closed\n"
        '    EXCLUDE ItemID WHERE Items.A IN ("a", "b"\n'
        "                                    ^"
    )


def test_a_multi_line_expression_shows_the_line_with_the_problem():
    assert error_of('EXCLUDE ItemID WHERE Items.A IN ("a")\n| EXCLUDE ItemID WHERE Item.B IN ("b")') == (
        "unknown dataset 'Item' (expected Items, Interactions, Users, CurrentItem, CurrentUser)\n"
        '    | EXCLUDE ItemID WHERE Item.B IN ("b")\n'
        "                           ^"
    )


REFUSED = [
    # (expression, message, text the caret is under[, which occurrence]; "" = after the end)
    ('REMOVE ItemID WHERE Items.A IN ("a")', "expected EXCLUDE or INCLUDE, unknown keyword 'REMOVE'", "REMOVE"),
    ('EXCLUDE Item WHERE Items.A IN ("a")', "expected ItemID or UserID, found 'Item'", "Item "),
    ('EXCLUDE ItemID Items.A IN ("a")', "expected WHERE, found 'Items'", "Items"),
    ('EXCLUDE ItemID WHERE Items.A INN ("a")', "expected an operator (IN, NOT IN, =, !=, <, <=, >, >=), found 'INN'", "INN"),
    ('EXCLUDE ItemID WHERE Items IN ("a")', "expected '.' and a field name after Items, found 'IN'", "IN"),
    ('EXCLUDE ItemID WHERE Items.A IN ("a") EXCLUDE', "expected AND, OR, IF, '|' or the end, found 'EXCLUDE'", "EXCLUDE", 1),
    ('EXCLUDE ItemID WHERE Items.A IN ("a") |', "expected EXCLUDE or INCLUDE, found the end of the expression", ""),
    ('EXCLUDE ItemID WHERE Items.A IN ("a" "b")', "expected ',' or ')', found '\"b\"'", '"b"'),
    ('EXCLUDE ItemID WHERE Items.A IN ("a)', "this string is never closed (missing '\"')", '"a)'),
    ('EXCLUDE ItemID WHERE Products.A IN ("a")', "unknown dataset 'Products' (expected Items, Interactions, Users, CurrentItem, CurrentUser)", "Products"),
    ('EXCLUDE ItemID WHERE Items.A IN ("a") AND Interactions.EVENT_TYPE IN ("View")',
     "conditions joined by AND/OR must use one dataset: this is Interactions, the first is Items (chain them with '|' instead)", "Interactions"),
    ('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("View") OR Items.A IN ("a")',
     "conditions joined by AND/OR must use one dataset: this is Items, the first is Interactions (chain them with '|' instead)", "Items"),
    ('EXCLUDE ItemID WHERE Items.A NOT IN ($X)', "placeholders are not allowed with NOT IN", "$X"),
    ('INCLUDE ItemID WHERE Items.A IN ($X, $Y)', "only one placeholder per list: pass several values in that one placeholder", "$Y"),
    ('EXCLUDE ItemID WHERE Items.A IN ("a", footwear)', 'string values must be in double quotes: "footwear"', "footwear"),
    ('EXCLUDE ItemID WHERE Interactions.EVENT_VALUE IN ("1")', "Interactions can be filtered by EVENT_TYPE only, not EVENT_VALUE", "EVENT_VALUE"),
    ('EXCLUDE ItemID WHERE Items.A IN ()', "empty list: IN needs at least one value", "("),
    ('EXCLUDE ItemID WHERE Items.A IN "a"', 'IN takes a list in parentheses, e.g. ("a")', '"a"'),
    ('EXCLUDE ItemID WHERE Items.PRICE > "10"', "> compares numbers: give a number or a $PLACEHOLDER, not a string", '"10"'),
    ('EXCLUDE ItemID WHERE Items.PRICE > (10)', "> takes one value, not a list", "("),
    ('EXCLUDE ItemID WHERE Users.AGE > 10',
     "Users fields cannot filter ItemID: use Items and Interactions fields, or IF CurrentUser.<field> for the current user", "Users"),
    ('INCLUDE UserID WHERE Items.A IN ("a")', "Items fields cannot filter UserID: use Users and Interactions fields", "Items"),
    ('EXCLUDE ItemID WHERE Items.A IN ("a") IF Items.B IN ("b")', "the IF clause takes CurrentUser.<field> conditions", "Items", 1),
    ('EXCLUDE ItemID WHERE Items.A IN ("a") IF CurrentUser.B IN ("b") OR CurrentUser.C IN ("c")',
     "the IF clause joins its conditions with AND only", "OR"),
    ('EXCLUDE ItemID WHERE CurrentUser.A IN ("a")',
     "CurrentUser fields go in the IF clause: ... IF CurrentUser.<field> <operator> <value>", "CurrentUser"),
    ('EXCLUDE ItemID WHERE CurrentItem.A IN ("a")',
     "CurrentItem goes after the operator, e.g. Items.CATEGORY IN CurrentItem.CATEGORY", "CurrentItem"),
    ('EXCLUDE ItemID WHERE Items.A IN Items.B', "a value may refer to CurrentItem.<field> only, not Items", "Items", 1),
    ('EXCLUDE ItemID WHERE Items.A IN CurrentThing.B', "unknown dataset 'CurrentThing' (expected CurrentItem)", "CurrentThing"),
    ("   ", "the expression is empty", ""),
]


@pytest.mark.parametrize("case", REFUSED, ids=[c[1][:40] for c in REFUSED])
def test_refused(case):
    expression, message, under, *occurrence = case
    if under == "":  # caret after the end
        assert error_of(expression) == f"{message}\n    {expression}\n    {' ' * len(expression)}^"
    else:
        assert error_of(expression) == shown(message, expression, under, *occurrence)


def test_more_than_2500_characters():
    expression = 'EXCLUDE ItemID WHERE Items.A IN (' + ", ".join(f'"v{i:04}"' for i in range(400)) + ")"
    message = error_of(expression)
    assert message.startswith(f"is {len(expression)} characters; Personalize allows 2500\n    EXCLUDE ItemID")
    assert message.splitlines()[2] == " " * (4 + 2500) + "^"


def test_more_than_10_distinct_fields_in_one_filter():
    ten = " AND ".join(f'Items.F{i} IN ("a")' for i in range(10))
    validate(f'EXCLUDE ItemID WHERE {ten} AND items.f0 IN ("b")')  # the same field again is not new
    expression = f'EXCLUDE ItemID WHERE {ten} AND Items.F10 IN ("a")'
    assert error_of(expression) == shown("more than 10 distinct fields in one filter (Items.F10 is the 11th)", expression, "Items.F10")


def test_more_than_25_placeholders():
    expression = " | ".join(f"EXCLUDE ItemID WHERE Items.F{i % 5} IN ($P{i})" for i in range(26))
    assert error_of(expression) == shown(
        "more than 25 placeholders: a request passes at most 25 filterValues", expression, "$P25")


def test_more_than_20_distinct_fields_across_the_dataset_group():
    filters = [parse(" AND ".join(["EXCLUDE ItemID WHERE " + f'Items.F{i}{j} IN ("a")' for j in range(1)]
                                  + [f'Items.F{i}{j} IN ("a")' for j in range(1, 7)])) for i in range(3)]
    assert check_dataset_group(filters[:2]) is None  # 14 fields
    later = parse('EXCLUDE ItemID WHERE Items.F00 IN ("b") AND Items.X1 IN ("a") AND Items.X2 IN ("a")')
    assert check_dataset_group(filters[:2] + [later]) is None  # F00 again: 16
    index, error = check_dataset_group(filters)
    assert index == 2
    assert str(error) == shown("more than 20 distinct fields across the dataset group's filters (Items.F26 is the 21st)",
                               filters[2].source, "Items.F26")


# ---- canonical form ------------------------------------------------------------------------
def test_canonical_form_of_the_lab_filters():
    assert canonical(parse(LAB["include-categories"])) == (
        'EXCLUDE ITEMID WHERE INTERACTIONS.EVENT_TYPE IN ("Purchase") | INCLUDE ITEMID WHERE ITEMS.CATEGORY_L1 IN ($CATEGORIES)')
    assert canonical(parse(STOREFRONT["same-categories"])) == "INCLUDE ITEMID WHERE ITEMS.CATEGORY_L1 IN CURRENTITEM.CATEGORY_L1"


@pytest.mark.parametrize("expression", [*LAB.values(), *STOREFRONT.values()])
def test_canonical_form_is_the_one_replacement_names_were_hashed_with(expression):
    from lifecycle.expression import token_canonical

    assert canonical(parse(expression)) == token_canonical(expression)


def test_lifecycle_falls_back_to_tokens_for_syntax_it_does_not_know():
    from lifecycle.expression import canonical as lifecycle_canonical, same_expression

    unknown = 'EXCLUDE ItemID WHERE (Items.A IN ("a") OR Items.B IN ("b"))'
    assert lifecycle_canonical(unknown) == 'EXCLUDE ITEMID WHERE (ITEMS.A IN ("a") OR ITEMS.B IN ("b"))'
    assert same_expression(unknown, unknown.lower().replace('("a")', '( "a" )').replace('("b")', '("b")'))


WS = st.sampled_from([" ", "  ", "\n", "\t ", "\n  "])
VALUE = st.text(alphabet="abcXYZ 019-_", min_size=1, max_size=6).map(lambda v: f'"{v}"')


@st.composite
def condition(draw, dataset: str) -> list[str]:
    if dataset == "Interactions":
        field, operator = "Interactions.EVENT_TYPE", draw(st.sampled_from(["IN", "NOT IN"]))
    else:
        field = f"{dataset}.{draw(st.sampled_from(['CATEGORY_L1', 'PRICE', 'GENDER']))}"
        operator = draw(st.sampled_from(["IN", "NOT IN", "<", ">=", "="]))
    if operator in ("IN", "NOT IN"):
        values = draw(st.lists(VALUE, min_size=1, max_size=3))
        if operator == "IN" and draw(st.booleans()):
            values = ["$" + draw(st.sampled_from(["CATEGORIES", "X1"]))]
        return [field, *operator.split(), "(", *sum(([v, ","] for v in values), [])[:-1], ")"]
    return [field, operator, draw(st.sampled_from(["10", "2.5", "$PRICE"]))]


@st.composite
def expression_tokens(draw) -> list[str]:
    tokens: list[str] = []
    for index in range(draw(st.integers(1, 3))):
        dataset = draw(st.sampled_from(["Items", "Interactions"]))
        tokens += (["|"] if index else []) + [draw(st.sampled_from(["EXCLUDE", "INCLUDE"])), "ItemID", "WHERE"]
        tokens += draw(condition(dataset))
        for _ in range(draw(st.integers(0, 2))):
            tokens += [draw(st.sampled_from(["AND", "OR"])), *draw(condition(dataset))]
        if draw(st.booleans()):
            tokens += ["IF", "CurrentUser.AGE", draw(st.sampled_from(["<", ">"])), "18"]
    return tokens


@st.composite
def layout(draw, tokens: list[str]) -> str:
    """The tokens with any white space and any case for keywords and names; values untouched."""
    out = []
    for token in tokens:
        if token[0] not in '"$' and any(c.isalpha() for c in token):
            token = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in token)
        out.append(token)
    return "".join(t + ("" if t == "(" else draw(WS)) for t in out)


@given(st.data())
def test_canonical_form_ignores_layout_and_keyword_case(data):
    tokens = data.draw(expression_tokens())
    a, b = data.draw(layout(tokens)), data.draw(layout(tokens))
    assert canonical(parse(a)) == canonical(parse(b))
    once = canonical(parse(a))
    assert canonical(parse(once)) == once


@given(st.one_of(st.text(max_size=120), expression_tokens().map(" ".join).map(lambda t: t[: len(t) // 2])))
def test_the_parser_never_crashes(text):
    try:
        parsed, _ = validate(text)
    except FilterExpressionError as error:
        assert error.render().count("\n") == 1
    else:
        assert canonical(parse(canonical(parsed))) == canonical(parsed)


# ---- evaluation ----------------------------------------------------------------------------
SHOES = {"ITEM_ID": "1", "CATEGORY_L1": "footwear", "PROMOTED": "Y", "PRICE": "80"}
CHIPS = {"ITEM_ID": "2", "CATEGORY_L1": "salty snacks", "PROMOTED": "Y", "PRICE": "3"}
LAMP = {"ITEM_ID": "3", "CATEGORY_L1": "furniture|lighting", "PROMOTED": "True", "PRICE": "40"}
BOUGHT_SHOES = [{"ITEM_ID": "1", "EVENT_TYPE": "Purchase"}, {"ITEM_ID": "2", "EVENT_TYPE": "View"}]


def passing(expression: str, items=(SHOES, CHIPS, LAMP), **kwargs) -> list[str]:
    return [item["ITEM_ID"] for item in items if evaluate(expression, item, **kwargs)]


def test_exclude_purchased_products():
    assert passing(LAB["exclude-purchased"], interactions=BOUGHT_SHOES) == ["2", "3"]
    assert passing(LAB["exclude-purchased"], interactions=[{"ITEM_ID": "1", "EVENT_TYPE": "purchase"}]) == ["2", "3"]


def test_cstore_products_only():
    assert passing(LAB["cstore"]) == ["2"]


def test_an_all_exclude_chain_is_a_union():
    assert passing(LAB["purchased-cstore"], interactions=BOUGHT_SHOES) == ["3"]


def test_include_categories_is_include_minus_exclude():
    values = {"CATEGORIES": '"footwear","furniture"'}
    assert passing(LAB["include-categories"], filter_values=values) == ["1", "3"]
    assert passing(LAB["include-categories"], filter_values=values, interactions=BOUGHT_SHOES) == ["3"]


def test_include_needs_every_placeholder():
    with pytest.raises(FilterEvaluationError, match=r"no filterValues for \$CATEGORIES"):
        evaluate(LAB["include-categories"], SHOES)


def test_exclude_without_its_placeholder_value_is_dropped():
    expression = 'EXCLUDE ItemID WHERE Items.CATEGORY_L1 IN ($CATEGORIES) | EXCLUDE ItemID WHERE Items.PRICE > 50'
    assert passing(expression) == ["2", "3"]
    assert passing(expression, filter_values={"CATEGORIES": '"salty snacks"'}) == ["3"]


def test_promoted_items_and_the_promoted_data_trap():
    assert passing(LAB["promoted"]) == ["1", "2"]  # "True" is not "Y": the generator's data trap
    assert passing(LAB["promoted-no-cstore"], interactions=BOUGHT_SHOES) == []
    assert passing(LAB["promoted-no-cstore"]) == ["1"]


def test_an_all_include_chain_is_a_union():
    expression = 'INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("footwear") | INCLUDE ItemID WHERE Items.PRICE < 10'
    assert passing(expression) == ["1", "2"]


def test_multi_valued_metadata_and_not_in():
    assert passing('INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("lighting")') == ["3"]
    assert passing('INCLUDE ItemID WHERE Items.CATEGORY_L1 NOT IN ("lighting")') == ["1", "2"]


def test_comparisons_with_a_placeholder():
    assert passing("INCLUDE ItemID WHERE Items.PRICE <= $MAX", filter_values={"MAX": '"40"'}) == ["2", "3"]


def test_and_binds_tighter_than_or():
    expression = 'INCLUDE ItemID WHERE Items.PRICE > 50 OR Items.PROMOTED IN ("True") AND Items.PRICE < 10'
    assert passing(expression) == ["1"]


def test_same_categories_uses_the_current_item():
    assert passing(STOREFRONT["same-categories"], current_item={"ITEM_ID": "9", "CATEGORY_L1": "lighting"}) == ["3"]
    with pytest.raises(FilterEvaluationError, match="needs the current item"):
        evaluate(STOREFRONT["same-categories"], SHOES)


def test_the_if_clause_applies_the_expression_only_to_matching_users():
    expression = 'EXCLUDE ItemID WHERE Items.PRICE > 50 IF CurrentUser.AGE < 18'
    assert passing(expression, current_user={"AGE": "15"}) == ["2", "3"]
    assert passing(expression, current_user={"AGE": "30"}) == ["1", "2", "3"]


def test_any_event_type_and_the_last_100_per_type():
    assert passing('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")', interactions=BOUGHT_SHOES) == ["3"]
    views = [{"ITEM_ID": "3", "EVENT_TYPE": "View", "TIMESTAMP": 1}] + [
        {"ITEM_ID": "2", "EVENT_TYPE": "View", "TIMESTAMP": t} for t in range(2, 102)]
    assert passing('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("View")', interactions=views) == ["1", "3"]


def test_filter_values_are_one_string_of_quoted_values():
    assert parse_filter_values('"footwear","jewelry"') == ["footwear", "jewelry"]
    assert parse_filter_values("40") == ["40"]


# ---- the emulator refuses what the parser refuses -------------------------------------------
def test_the_emulator_refuses_a_bad_expression(personalize, dataset_group_arn):
    with pytest.raises(personalize.exceptions.InvalidInputException) as caught:
        personalize.create_filter(name="retaildemostore-bad", datasetGroupArn=dataset_group_arn,
                                  filterExpression='EXCLUDE ItemID WHERE Items.A NOT IN ($X)')
    assert caught.value.response["Error"]["Message"] == (
        "Invalid filter expression: placeholders are not allowed with NOT IN (at character 38)")
