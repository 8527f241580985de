"""Argo's ``when`` conditions, evaluated after tag substitution with govaluate's semantics.

Bare words are strings (``heads == heads``), numbers are floats compared numerically, quoted
strings keep their text, ``=~``/``!~`` match a regular expression; the result must be a bool.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable, List, NamedTuple, Tuple

from .expr_errors import ExpressionError, ValueProblem
from .expr_lexer import unquote
from .expr_values import arithmetic, describe, is_number

__all__ = ["evaluate_condition"]

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w.]))
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<word>[A-Za-z_][\w.]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|=~|!~|\*\*|[-+*/%<>!()])
    """,
    re.VERBOSE,
)


class _Tok(NamedTuple):
    kind: str
    value: Any
    pos: int


# precedence of binary operators, loosest first
_LEVELS: Tuple[Tuple[str, ...], ...] = (
    ("||",),
    ("&&",),
    ("==", "!=", "<", "<=", ">", ">=", "=~", "!~"),
    ("+", "-"),
    ("*", "/", "%"),
    ("**",),
)


def _tokens(text: str) -> List[_Tok]:
    out: List[_Tok] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ExpressionError(
                f"invalid when condition: unexpected {text[pos]!r} (quote values that hold "
                "spaces or symbols)",
                text,
                pos,
            )
        kind, raw = match.lastgroup or "", match.group()
        if kind == "num":
            out.append(_Tok("value", float(raw), pos))
        elif kind == "str":
            out.append(_Tok("value", unquote(raw, text, pos), pos))
        elif kind == "word":
            word = {"true": True, "false": False}.get(raw, raw)
            out.append(_Tok("value", word, pos))
        elif kind == "op":
            out.append(_Tok("op", raw, pos))
        pos = match.end()
    out.append(_Tok("eof", None, len(text)))
    return out


Thunk = Callable[[], Any]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.at = 0

    def fail(self, reason: str, pos: int) -> ExpressionError:
        return ExpressionError(f"invalid when condition: {reason}", self.text, pos)

    def parse(self) -> Thunk:
        if self.toks[0].kind == "eof":
            raise self.fail("empty condition", 0)
        node = self.level(0)
        tok = self.toks[self.at]
        if tok.kind != "eof":
            raise self.fail(f"unexpected {tok.value!r}", tok.pos)
        return node

    def level(self, depth: int) -> Thunk:
        if depth == len(_LEVELS):
            return self.unary()
        left = self.level(depth + 1)
        while True:
            tok = self.toks[self.at]
            if tok.kind != "op" or tok.value not in _LEVELS[depth]:
                return left
            self.at += 1
            right = self.level(depth + (0 if tok.value == "**" else 1))
            left = self.binary(tok, left, right)

    def unary(self) -> Thunk:
        tok = self.toks[self.at]
        if tok.kind == "op" and tok.value in ("!", "-"):
            self.at += 1
            operand = self.unary()
            if tok.value == "!":
                return lambda: not self.need_bool(operand(), "!", tok.pos)
            return lambda: -self.need_number(operand(), "-", tok.pos)
        if tok.kind == "op" and tok.value == "(":
            self.at += 1
            inner = self.level(0)
            close = self.toks[self.at]
            if close.kind != "op" or close.value != ")":
                raise self.fail("expected ')'", close.pos)
            self.at += 1
            return inner
        if tok.kind == "value":
            self.at += 1
            value = tok.value
            return lambda: value
        what = "end of condition" if tok.kind == "eof" else repr(tok.value)
        raise self.fail(f"unexpected {what}", tok.pos)

    def need_bool(self, value: Any, op: str, pos: int) -> bool:
        if not isinstance(value, bool):
            raise self.fail(f"{describe(value)} cannot be used with {op!r}: not a bool", pos)
        return value

    def need_number(self, value: Any, op: str, pos: int) -> float:
        if not is_number(value):
            raise self.fail(f"{describe(value)} cannot be used with {op!r}: not a number", pos)
        return float(value)

    def binary(self, tok: _Tok, left: Thunk, right: Thunk) -> Thunk:
        op, pos = str(tok.value), tok.pos
        if op in ("&&", "||"):
            stop = op == "||"

            def logic() -> bool:
                if self.need_bool(left(), op, pos) is stop:
                    return stop
                return self.need_bool(right(), op, pos)

            return logic
        return lambda: self.apply(op, left(), right(), pos)

    def apply(self, op: str, a: Any, b: Any, pos: int) -> Any:
        if op in ("==", "!="):
            same = type(a) is type(b) and a == b
            return same if op == "==" else not same
        if op in ("=~", "!~"):
            if not (isinstance(a, str) and isinstance(b, str)):
                raise self.fail(f"{op} needs strings, got {describe(a)} and {describe(b)}", pos)
            try:
                found = re.search(b, a) is not None
            except re.error as exc:
                raise self.fail(f"invalid regular expression {b!r}: {exc}", pos) from None
            return found if op == "=~" else not found
        if op in ("<", "<=", ">", ">="):
            if not ((is_number(a) and is_number(b)) or (isinstance(a, str) and isinstance(b, str))):
                raise self.fail(f"cannot compare {describe(a)} {op} {describe(b)}", pos)
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        if op == "+" and isinstance(a, str) and isinstance(b, str):
            return a + b
        try:
            return arithmetic(op, self.need_number(a, op, pos), self.need_number(b, op, pos))
        except ValueProblem as exc:
            raise self.fail(str(exc), pos) from None


@lru_cache(maxsize=4096)
def _compile(text: str) -> Thunk:
    return _Parser(text).parse()


def evaluate_condition(text: str) -> bool:
    """Evaluate a substituted ``when`` condition; errors name the condition text."""
    result = _compile(text.strip())()
    if not isinstance(result, bool):
        raise ExpressionError(
            f"invalid when condition: it gives {describe(result)}, not a bool", text, 0
        )
    return result
