"""Canonical form of a filter expression, used to decide whether an existing filter matches.

Personalize matches keywords, dataset and field names case-insensitively and values
case-sensitively, so the canonical form upper-cases every bare word, keeps quoted strings and
placeholders exactly, and normalises white space. Two expressions that differ only in layout or
keyword case have the same canonical form.

The form comes from the filter-language parser; an expression it cannot parse (a filter Personalize
accepted may use syntax the parser does not know) falls back to the token-based form below, which
renders parseable expressions identically.
"""
from __future__ import annotations

import re

from filter_language import FilterExpressionError, parse
from filter_language import canonical as parsed_canonical

_TOKEN = re.compile(
    r"""
    (?P<string>"(?:[^"\\]|\\.)*")      # quoted value: case-sensitive, kept verbatim
  | (?P<placeholder>\$[A-Za-z0-9_]+)   # $PLACEHOLDER: kept verbatim
  | (?P<op><=|>=|!=|=|<|>)
  | (?P<punct>[(),|])
  | (?P<word>[A-Za-z0-9_.\-*]+)        # keywords, Dataset.field, numbers
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE,
)


def tokens(expression: str) -> list[str]:
    out: list[str] = []
    for match in _TOKEN.finditer(expression):
        kind = match.lastgroup
        text = match.group()
        if kind == "space":
            continue
        out.append(text.upper() if kind == "word" else text)
    return out


def canonical(expression: str) -> str:
    try:
        return parsed_canonical(parse(expression))
    except FilterExpressionError:
        return token_canonical(expression)


def token_canonical(expression: str) -> str:
    text = ""
    for token in tokens(expression):
        if token in (",", ")"):
            text = text.rstrip() + token + " "
        elif token == "(":
            text += token
        else:
            text += token + " "
    return text.strip()


def same_expression(a: str, b: str) -> bool:
    return canonical(a) == canonical(b)
