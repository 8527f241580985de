"""A precedence-climbing parser for expr-lang, the language of Argo's ``{{=...}}`` tags."""

from __future__ import annotations

from functools import lru_cache
from typing import List, Optional, Tuple

from . import expr_sprig  # noqa: F401  (registers the sprig.* functions)
from .expr_errors import ExpressionError
from .expr_functions import FUNCTIONS, PREDICATES
from .expr_lexer import Token, tokenize
from .expr_nodes import (
    Binary,
    Call,
    Closure,
    Coalesce,
    Const,
    Index,
    ListLit,
    Logic,
    MapLit,
    Member,
    Node,
    Path,
    Pointer,
    Slice,
    Ternary,
    Unary,
)

__all__ = ["parse"]

# binary operator -> (precedence, right associative); as in expr-lang
_BINARY = {
    "||": (10, False),
    "or": (10, False),
    "&&": (15, False),
    "and": (15, False),
    "==": (20, False),
    "!=": (20, False),
    "<": (20, False),
    ">": (20, False),
    "<=": (20, False),
    ">=": (20, False),
    "in": (20, False),
    "matches": (20, False),
    "contains": (20, False),
    "startsWith": (20, False),
    "endsWith": (20, False),
    "..": (25, False),
    "+": (30, False),
    "-": (30, False),
    "*": (60, False),
    "/": (60, False),
    "%": (60, False),
    "**": (100, True),
    "^": (100, True),
    "??": (500, False),
}
_NEGATABLE = ("in", "matches", "contains", "startsWith", "endsWith")
_UNARY = {"!": 50, "not": 50, "-": 90, "+": 90}
_WORDS = {"true": True, "false": False, "nil": None}


@lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """The syntax tree of an expression (cached: the same text parses once)."""
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.at = 0
        self.closures = 0

    # --- token helpers ---

    @property
    def tok(self) -> Token:
        return self.tokens[self.at]

    def error(self, reason: str, tok: Optional[Token] = None) -> ExpressionError:
        return ExpressionError(reason, self.text, (tok or self.tok).pos)

    def is_op(self, *values: str) -> bool:
        tok = self.tok
        return tok.kind in ("op", "name") and tok.value in values

    def expect(self, value: str, alternative: str = "") -> Token:
        tok = self.tok
        if tok.kind != "op" or tok.value != value:
            found = "end of expression" if tok.kind == "eof" else repr(tok.value)
            wanted = f"{value!r} or {alternative!r}" if alternative else repr(value)
            raise self.error(f"expected {wanted}, found {found}")
        self.at += 1
        return tok

    # --- grammar ---

    def parse(self) -> Node:
        if self.tok.kind == "eof":
            raise self.error("empty expression")
        node = self.expression(0)
        if self.tok.kind != "eof":
            raise self.error(f"unexpected {self.tok.value!r}")
        return node

    def expression(self, min_prec: int) -> Node:
        left = self.unary()
        while True:
            tok = self.tok
            op, negate = tok.value, False
            if tok.kind == "name" and op == "not":
                nxt = self.tokens[self.at + 1]
                if nxt.kind == "name" and nxt.value in _NEGATABLE:
                    op, negate = nxt.value, True
            if tok.kind not in ("op", "name") or op not in _BINARY:
                break
            prec, right_assoc = _BINARY[str(op)]
            if prec < min_prec:
                break
            self.at += 2 if negate else 1
            right = self.expression(prec if right_assoc else prec + 1)
            left = self.binary(tok, str(op), left, right, negate)
        if min_prec == 0 and self.is_op("?") and self.tok.kind == "op":
            tok = self.tok
            self.at += 1
            then = self.expression(0)
            self.expect(":")
            other = self.expression(0)
            left = Ternary(tok.pos, left, then, other)
        return left

    @staticmethod
    def binary(tok: Token, op: str, left: Node, right: Node, negate: bool) -> Node:
        if op in ("&&", "and", "||", "or"):
            return Logic(tok.pos, op, left, right)
        if op == "??":
            return Coalesce(tok.pos, left, right)
        return Binary(tok.pos, op, left, right, negate)

    def unary(self) -> Node:
        tok = self.tok
        if tok.kind in ("op", "name") and tok.value in _UNARY:
            self.at += 1
            operand = self.expression(_UNARY[str(tok.value)])
            return Unary(tok.pos, str(tok.value), operand)
        return self.postfix(self.primary())

    def primary(self) -> Node:
        tok = self.tok
        self.at += 1
        if tok.kind in ("num", "str"):
            return Const(tok.pos, tok.value)
        if tok.kind == "name":
            if tok.value in _WORDS:
                return Const(tok.pos, _WORDS[str(tok.value)])
            return Path(tok.pos, (str(tok.value),))
        if tok.kind == "op":
            if tok.value == "(":
                node = self.expression(0)
                self.expect(")")
                return node
            if tok.value == "[":
                return ListLit(tok.pos, self.sequence("]"))
            if tok.value == "{":
                return MapLit(tok.pos, self.pairs())
            if tok.value == "#" and self.closures:
                return Pointer(tok.pos)
            if tok.value == "." and self.closures and self.tok.kind == "name":
                return self.field(Pointer(tok.pos), tok, optional=False)
        self.at -= 1
        if tok.kind == "eof":
            raise self.error("unexpected end of expression")
        if tok.value == "#":
            raise self.error("'#' is only allowed inside a closure such as filter(xs, {# > 1})")
        raise self.error(f"unexpected {tok.value!r}")

    def postfix(self, node: Node) -> Node:
        while self.tok.kind == "op":
            tok = self.tok
            if tok.value in (".", "?."):
                self.at += 1
                if self.tok.kind != "name":
                    raise self.error("expected a field name after '.'")
                node = self.field(node, tok, optional=tok.value == "?.")
            elif tok.value == "[":
                self.at += 1
                node = self.subscript(node, tok)
            elif tok.value == "(":
                node = self.call(node, tok)
            else:
                break
        return node

    def field(self, node: Node, tok: Token, optional: bool) -> Node:
        name = str(self.tok.value)
        self.at += 1
        if isinstance(node, Path) and not optional:
            return Path(node.pos, node.parts + (name,))
        return Member(tok.pos, node, name, optional)

    def subscript(self, node: Node, tok: Token) -> Node:
        low: Optional[Node] = None
        if not self.is_op(":"):
            low = self.expression(0)
        if self.is_op(":"):
            self.at += 1
            high = None if self.is_op("]") else self.expression(0)
            self.expect("]")
            return Slice(tok.pos, node, low, high)
        self.expect("]")
        assert low is not None
        if isinstance(node, Path) and isinstance(low, Const) and isinstance(low.value, str):
            return Path(node.pos, node.parts + (low.value,))
        return Index(tok.pos, node, low)

    def call(self, node: Node, tok: Token) -> Node:
        if not isinstance(node, Path):
            raise self.error("only named functions can be called", tok)
        name = ".".join(node.parts)
        function = FUNCTIONS.get(name)
        if function is None:
            raise ExpressionError(f"unknown function {name}()", self.text, node.pos)
        self.at += 1
        args: List[Node] = []
        while not self.is_op(")"):
            if args:
                self.expect(",", ")")
            if len(args) == 1 and name in PREDICATES:
                args.append(self.closure())
            else:
                args.append(self.expression(0))
        self.expect(")")
        top = function.max_args
        if len(args) < function.min_args or (top is not None and len(args) > top):
            wanted = (
                str(function.min_args)
                if top == function.min_args
                else (
                    f"{function.min_args} to {top}"
                    if top is not None
                    else f"at least {function.min_args}"
                )
            )
            raise ExpressionError(
                f"{name}() takes {wanted} argument(s), got {len(args)}", self.text, node.pos
            )
        return Call(node.pos, function, args)

    def closure(self) -> Node:
        """A predicate: ``{ ... }`` or a bare expression, both over ``#``."""
        tok = self.tok
        braced = self.is_op("{") and tok.kind == "op"
        self.at += 1 if braced else 0
        self.closures += 1
        body = self.expression(0)
        self.closures -= 1
        if braced:
            self.expect("}")
        return Closure(tok.pos, body)

    def sequence(self, close: str) -> List[Node]:
        items: List[Node] = []
        while not self.is_op(close):
            if items:
                self.expect(",", close)
                if self.is_op(close):  # trailing comma
                    break
            items.append(self.expression(0))
        self.expect(close)
        return items

    def pairs(self) -> List[Tuple[Node, Node]]:
        pairs: List[Tuple[Node, Node]] = []
        while not self.is_op("}"):
            if pairs:
                self.expect(",", "}")
                if self.is_op("}"):
                    break
            tok = self.tok
            if tok.kind in ("name", "str", "num"):
                self.at += 1
                key: Node = Const(tok.pos, tok.value)
            elif self.is_op("("):
                self.at += 1
                key = self.expression(0)
                self.expect(")")
            else:
                raise self.error("expected a map key")
            self.expect(":")
            pairs.append((key, self.expression(0)))
        self.expect("}")
        return pairs
