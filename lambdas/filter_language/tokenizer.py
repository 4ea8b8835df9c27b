"""A context-sensitive tokenizer: the parser asks for the token it expects at the current position.

Keywords are grammar; dataset and field names are tokenized generically as IDENT and checked
against what Personalize knows in a separate pass (rules.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import FilterExpressionError

RULES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "LEFT_PARENTHESIS": r"\(",
        "RIGHT_PARENTHESIS": r"\)",
        "COMMA": r",",
        "PIPE": r"\|",
        "DOT": r"\.",
        "OPERATOR": r"<=|>=|!=|=|<|>",
        "NOT_IN": r"NOT\s+IN\b",
        "IN": r"IN\b",
        "AND": r"AND\b",
        "OR": r"OR\b",
        "WHERE": r"WHERE\b",
        "IF": r"IF\b",
        "ACTION": r"(?:EXCLUDE|INCLUDE)\b",
        "TARGET": r"(?:ItemID|UserID)\b",
        "STRING": r'"(?:[^"\\]|\\.)*"',
        "QUOTE": r'"',
        "NUMBER": r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?![A-Za-z0-9_.])",
        "PLACEHOLDER": r"\$[A-Za-z0-9_]+",
        "IDENT": r"[A-Za-z_][A-Za-z0-9_]*",
        "WS": r"\s+",
        "END": r"$",
    }.items()
}
_SOMETHING = re.compile(r'[A-Za-z0-9_$]+|"[^"]*"?|\S')


@dataclass(frozen=True)
class Token:
    name: str
    text: str
    position: int


class Tokenizer:
    def __init__(self, source: str):
        self.source = source
        self.position = 0
        self.next_token: Token | None = None

    def consume(self, name: str) -> None:
        """Skip a token of that kind if there is one (white space)."""
        if self.check(name):
            self.read()

    def check(self, name: str) -> bool:
        """Is the next token of that kind? Remembers it for read()."""
        assert self.next_token is None, f"check({name!r}) before reading {self.next_token}"
        match = RULES[name].match(self.source, self.position)
        if match is None:
            return False
        self.next_token = Token(name, match[0], self.position)
        return True

    def expect(self, name: str, *, expected: str) -> Token:
        """The next token, which must be of that kind."""
        if not self.check(name):
            self.raise_syntax_error(f"expected {expected}, found {self.found()}")
        return self.read()

    def read(self) -> Token:
        token = self.next_token
        assert token is not None
        self.position += len(token.text)
        self.next_token = None
        return token

    def found(self) -> str:
        """What is at the current position, for messages."""
        match = _SOMETHING.search(self.source, self.position)
        return f"'{match[0]}'" if match else "the end of the expression"

    def raise_syntax_error(self, message: str, position: int | None = None) -> None:
        if position is None:
            match = _SOMETHING.search(self.source, self.position)
            position = match.start() if match else len(self.source)
        raise FilterExpressionError(message, self.source, position)
