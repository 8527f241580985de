"""Tokens of expr-lang: numbers, quoted strings, names, operators, each with its position."""

from __future__ import annotations

import re
from typing import List, NamedTuple

from .expr_errors import ExpressionError

__all__ = ["Token", "tokenize", "unquote"]


class Token(NamedTuple):
    """One token: ``kind`` is num, str, name, op or eof; ``pos`` its offset in the text."""

    kind: str
    value: object
    pos: int


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<num>0[xX][0-9a-fA-F_]+|(?:\d[\d_]*)(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?(?![\w$]))
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<name>[A-Za-z_$][\w$]*)
  | (?P<op>\*\*|==|!=|<=|>=|&&|\|\||\?\?|\?\.|\.\.|[-+*/%^<>!()\[\]{},:.?\#|])
    """,
    re.VERBOSE,
)

_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "a": "\a",
    "0": "\0",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "/": "/",
}

_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|.)", re.DOTALL)


def unquote(literal: str, text: str, pos: int) -> str:
    """The value of a quoted string literal; backquoted strings are raw."""
    body = literal[1:-1]
    if literal[0] == "`" or "\\" not in body:
        return body

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uUx" and len(code) > 1:
            return chr(int(code[1:], 16))
        if code in _ESCAPES:
            return _ESCAPES[code]
        raise ExpressionError(
            f"invalid escape sequence '\\{code}' in string", text, pos + 1 + match.start()
        )

    return _ESCAPE.sub(one, body)


def tokenize(text: str) -> List[Token]:
    """Split an expression into tokens; an unknown character is an error at its position."""
    tokens: List[Token] = []
    pos, end = 0, len(text)
    while pos < end:
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos] in "\"'`":
                raise ExpressionError("unterminated string literal", text, pos)
            raise ExpressionError(f"unexpected character {text[pos]!r}", text, pos)
        kind = match.lastgroup or ""
        raw = match.group()
        if kind == "num":
            tokens.append(Token("num", _number(raw, text, pos), pos))
        elif kind == "str":
            tokens.append(Token("str", unquote(raw, text, pos), pos))
        elif kind != "space":
            tokens.append(Token(kind, raw, pos))
        pos = match.end()
    tokens.append(Token("eof", None, end))
    return tokens


def _number(raw: str, text: str, pos: int) -> object:
    digits = raw.replace("_", "")
    try:
        if digits[:2] in ("0x", "0X"):
            return int(digits, 16)
        if any(c in digits for c in ".eE"):
            return float(digits)
        return int(digits)
    except ValueError:
        raise ExpressionError(f"invalid number {raw!r}", text, pos) from None
