"""Recursive-descent parser for Personalize filter expressions: syntax only, no dataset knowledge.

    filter        = expression ('|' expression)* END
    expression    = ACTION TARGET 'WHERE' conditions ['IF' if_conditions]
    conditions    = condition (('AND' | 'OR') condition)*
    if_conditions = condition ('AND' condition)*
    condition     = field operator values
    field         = IDENT '.' IDENT
    operator      = 'NOT IN' | 'IN' | '=' | '!=' | '<' | '<=' | '>' | '>='
    values        = '(' [value (',' value)*] ')' | value
    value         = STRING | NUMBER | PLACEHOLDER | field | IDENT
"""
from __future__ import annotations

from .nodes import Condition, Expression, Field, Filter, Value
from .tokenizer import Tokenizer

OPERATORS = "IN, NOT IN, =, !=, <, <=, >, >="


def parse(source: str) -> Filter:
    """filter = expression ('|' expression)* END"""
    tokens = Tokenizer(source)
    tokens.consume("WS")
    if tokens.check("END"):
        tokens.raise_syntax_error("the expression is empty")
    expressions = [_parse_expression(tokens)]
    while tokens.check("PIPE"):
        tokens.read()
        tokens.consume("WS")
        expressions.append(_parse_expression(tokens))
    if not tokens.check("END"):
        expected = "AND, OR, IF, '|' or the end" if not expressions[-1].if_conditions else "AND, '|' or the end"
        tokens.raise_syntax_error(f"expected {expected}, found {tokens.found()}")
    return Filter(source, tuple(expressions))


def _parse_expression(tokens: Tokenizer) -> Expression:
    """expression = ACTION TARGET 'WHERE' conditions ['IF' if_conditions]"""
    column = tokens.position
    if not tokens.check("ACTION"):
        word = tokens.found()
        what = f"unknown keyword {word}" if word[:1] == "'" and word[1:2].isalpha() else f"found {word}"
        tokens.raise_syntax_error(f"expected EXCLUDE or INCLUDE, {what}")
    action = tokens.read().text.upper()
    _space(tokens)
    target = tokens.expect("TARGET", expected="ItemID or UserID").text.upper()
    _space(tokens)
    tokens.expect("WHERE", expected="WHERE")
    _space(tokens)
    conditions, joiners = _parse_conditions(tokens)
    if_conditions: tuple[Condition, ...] = ()
    if tokens.check("IF"):
        tokens.read()
        _space(tokens)
        if_conditions = _parse_if_conditions(tokens)
    return Expression(action, target, conditions, joiners, if_conditions, column)


def _parse_conditions(tokens: Tokenizer) -> tuple[tuple[Condition, ...], tuple[str, ...]]:
    """conditions = condition (('AND' | 'OR') condition)*"""
    conditions, joiners = [_parse_condition(tokens)], []
    while tokens.check("AND") or tokens.check("OR"):
        joiners.append(tokens.read().text.upper())
        _space(tokens)
        conditions.append(_parse_condition(tokens))
    return tuple(conditions), tuple(joiners)


def _parse_if_conditions(tokens: Tokenizer) -> tuple[Condition, ...]:
    """if_conditions = condition ('AND' condition)*"""
    conditions = [_parse_condition(tokens)]
    while tokens.check("AND"):
        tokens.read()
        _space(tokens)
        conditions.append(_parse_condition(tokens))
    if tokens.check("OR"):
        tokens.raise_syntax_error("the IF clause joins its conditions with AND only")
    return tuple(conditions)


def _parse_condition(tokens: Tokenizer) -> Condition:
    """condition = field operator values"""
    field = _parse_field(tokens)
    tokens.consume("WS")
    operator_column = tokens.position
    operator = _parse_operator(tokens)
    tokens.consume("WS")
    values, is_list, list_column = _parse_values(tokens)
    tokens.consume("WS")
    return Condition(field, operator, values, is_list, operator_column, list_column)


def _parse_field(tokens: Tokenizer) -> Field:
    """field = IDENT '.' IDENT"""
    column = tokens.position
    dataset = tokens.expect("IDENT", expected="a field such as Items.CATEGORY").text
    tokens.expect("DOT", expected=f"'.' and a field name after {dataset}")
    name = tokens.expect("IDENT", expected=f"a field name after {dataset}.").text
    return Field(dataset, name, column)


def _parse_operator(tokens: Tokenizer) -> str:
    """operator = 'NOT IN' | 'IN' | '=' | '!=' | '<' | '<=' | '>' | '>='"""
    if tokens.check("NOT_IN"):
        tokens.read()
        return "NOT IN"
    if tokens.check("IN"):
        tokens.read()
        return "IN"
    return tokens.expect("OPERATOR", expected=f"an operator ({OPERATORS})").text


def _parse_values(tokens: Tokenizer) -> tuple[tuple[Value, ...], bool, int]:
    """values = '(' [value (',' value)*] ')' | value"""
    opened = tokens.position
    if not tokens.check("LEFT_PARENTHESIS"):
        return (_parse_value(tokens),), False, opened
    tokens.read()
    tokens.consume("WS")
    values: list[Value] = []
    if tokens.check("RIGHT_PARENTHESIS"):
        tokens.read()
        return (), True, opened
    while True:
        values.append(_parse_value(tokens))
        tokens.consume("WS")
        if tokens.check("RIGHT_PARENTHESIS"):
            tokens.read()
            return tuple(values), True, opened
        if tokens.check("END"):
            tokens.raise_syntax_error("this '(' is never closed", opened)
        tokens.expect("COMMA", expected="',' or ')'")
        tokens.consume("WS")


def _parse_value(tokens: Tokenizer) -> Value:
    """value = STRING | NUMBER | PLACEHOLDER | field | IDENT"""
    column = tokens.position
    if tokens.check("STRING"):
        return Value("string", tokens.read().text[1:-1], column)
    if tokens.check("QUOTE"):
        tokens.raise_syntax_error("this string is never closed (missing '\"')")
    if tokens.check("NUMBER"):
        return Value("number", tokens.read().text, column)
    if tokens.check("PLACEHOLDER"):
        return Value("placeholder", tokens.read().text, column)
    if tokens.check("IDENT"):
        word = tokens.read().text
        if tokens.check("DOT"):
            tokens.read()
            name = tokens.expect("IDENT", expected=f"a field name after {word}.").text
            return Value("reference", f"{word}.{name}", column, Field(word, name, column))
        return Value("word", word, column)
    tokens.raise_syntax_error(f"expected a value (a \"quoted string\", a number or a $PLACEHOLDER), found {tokens.found()}")
    raise AssertionError("unreachable")


def _space(tokens: Tokenizer) -> None:
    """Keywords are separated by white space; `EXCLUDE ItemIDWHERE` is not an expression."""
    if not tokens.check("WS"):
        tokens.raise_syntax_error(f"expected white space, found {tokens.found()}")
    tokens.read()
