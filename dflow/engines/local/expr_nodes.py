"""The syntax tree of an expression; each node evaluates itself against an ``Env``."""

from __future__ import annotations

import re
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple

from .expr_errors import ExpressionError, UnresolvedReference, ValueProblem
from .expr_functions import Function
from .expr_values import (
    ReadableArtifact,
    arithmetic,
    compare,
    describe,
    equal,
    index,
    is_number,
    member,
    resolve_path,
)

__all__ = ["Env", "Node", "BINARY"]


class Env:
    """What an evaluation reads: the flat scope and, inside a closure, the current item ``#``."""

    __slots__ = ("scope", "pointer", "artifacts")

    def __init__(
        self, scope: Mapping[str, Any], pointer: Any = None, artifacts: bool = False
    ) -> None:
        self.scope = scope
        self.pointer = pointer
        # a ``fromExpression`` wants artifacts themselves, even a big parameter's
        self.artifacts = artifacts


class Node:
    """An expression node at offset ``pos`` of the expression text."""

    __slots__ = ("pos",)
    pos: int

    def ev(self, env: Env) -> Any:
        raise NotImplementedError

    def fail(self, reason: str) -> ExpressionError:
        return ExpressionError(reason, None, self.pos)


class Const(Node):
    __slots__ = ("value",)

    def __init__(self, pos: int, value: Any) -> None:
        self.pos, self.value = pos, value

    def ev(self, env: Env) -> Any:
        return self.value


class Path(Node):
    """A name and its static member/index chain (``steps['s'].outputs.result``), read from the
    flat scope as one dotted key."""

    __slots__ = ("parts",)

    def __init__(self, pos: int, parts: Tuple[str, ...]) -> None:
        self.pos, self.parts = pos, parts

    def ev(self, env: Env) -> Any:
        try:
            value = resolve_path(self.parts, env.scope)
            if isinstance(value, ReadableArtifact) and not env.artifacts:
                return value.text()
            return value
        except UnresolvedReference as exc:
            raise UnresolvedReference(exc.name, None, self.pos) from None
        except ValueProblem as exc:
            raise self.fail(str(exc)) from None


class Pointer(Node):
    """``#``: the current item inside a closure."""

    __slots__ = ()

    def __init__(self, pos: int) -> None:
        self.pos = pos

    def ev(self, env: Env) -> Any:
        return env.pointer


class Member(Node):
    __slots__ = ("obj", "name", "optional")

    def __init__(self, pos: int, obj: Node, name: str, optional: bool) -> None:
        self.pos, self.obj, self.name, self.optional = pos, obj, name, optional

    def ev(self, env: Env) -> Any:
        try:
            return member(self.obj.ev(env), self.name, self.optional)
        except ValueProblem as exc:
            raise self.fail(str(exc)) from None


class Index(Node):
    __slots__ = ("obj", "key")

    def __init__(self, pos: int, obj: Node, key: Node) -> None:
        self.pos, self.obj, self.key = pos, obj, key

    def ev(self, env: Env) -> Any:
        try:
            return index(self.obj.ev(env), self.key.ev(env))
        except ValueProblem as exc:
            raise self.fail(str(exc)) from None


class Slice(Node):
    __slots__ = ("obj", "low", "high")

    def __init__(self, pos: int, obj: Node, low: Optional[Node], high: Optional[Node]) -> None:
        self.pos, self.obj, self.low, self.high = pos, obj, low, high

    def ev(self, env: Env) -> Any:
        value = self.obj.ev(env)
        if not isinstance(value, (list, str)):
            raise self.fail(f"cannot slice {describe(value)}")
        bounds = []
        for node, default in ((self.low, 0), (self.high, len(value))):
            bound = default if node is None else node.ev(env)
            if not isinstance(bound, int) or isinstance(bound, bool):
                raise self.fail(f"slice bound must be an int, not {describe(bound)}")
            bounds.append(bound)
        return value[bounds[0] : bounds[1]]


class Unary(Node):
    __slots__ = ("op", "operand")

    def __init__(self, pos: int, op: str, operand: Node) -> None:
        self.pos, self.op, self.operand = pos, op, operand

    def ev(self, env: Env) -> Any:
        value = self.operand.ev(env)
        if self.op in ("!", "not"):
            if not isinstance(value, bool):
                raise self.fail(f"invalid operation {self.op} {describe(value)}: needs a bool")
            return not value
        if not is_number(value):
            raise self.fail(f"invalid operation {self.op} {describe(value)}: needs a number")
        return -value if self.op == "-" else value


def _member_of(item: Any, container: Any) -> bool:
    if isinstance(container, dict):
        return item in container if isinstance(item, (str, int, float)) else False
    if isinstance(container, (list, tuple)):
        return any(equal(item, v) for v in container)
    raise ValueProblem(f"invalid operation {describe(item)} in {describe(container)}")


def _strings(op: str, test: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    def run(left: Any, right: Any) -> bool:
        if not (isinstance(left, str) and isinstance(right, str)):
            raise ValueProblem(f"invalid operation {describe(left)} {op} {describe(right)}")
        return test(left, right)

    return run


def _matches(text: str, pattern: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error as exc:
        raise ValueProblem(f"invalid regular expression {pattern!r}: {exc}") from None


def _range(left: Any, right: Any) -> List[int]:
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (left, right)):
        raise ValueProblem(f"invalid operation {describe(left)} .. {describe(right)}")
    return list(range(left, right + 1))


BINARY = {
    "+": lambda a, b: arithmetic("+", a, b),
    "-": lambda a, b: arithmetic("-", a, b),
    "*": lambda a, b: arithmetic("*", a, b),
    "/": lambda a, b: arithmetic("/", a, b),
    "%": lambda a, b: arithmetic("%", a, b),
    "**": lambda a, b: arithmetic("**", a, b),
    "^": lambda a, b: arithmetic("**", a, b),
    "==": equal,
    "!=": lambda a, b: not equal(a, b),
    "<": lambda a, b: compare("<", a, b),
    "<=": lambda a, b: compare("<=", a, b),
    ">": lambda a, b: compare(">", a, b),
    ">=": lambda a, b: compare(">=", a, b),
    "in": _member_of,
    "matches": _strings("matches", _matches),
    "contains": _strings("contains", lambda a, b: b in a),
    "startsWith": _strings("startsWith", lambda a, b: a.startswith(b)),
    "endsWith": _strings("endsWith", lambda a, b: a.endswith(b)),
    "..": _range,
}


class Binary(Node):
    __slots__ = ("op", "left", "right", "fn", "negate")

    def __init__(self, pos: int, op: str, left: Node, right: Node, negate: bool = False) -> None:
        self.pos, self.op, self.left, self.right = pos, op, left, right
        self.fn, self.negate = BINARY[op], negate

    def ev(self, env: Env) -> Any:
        left, right = self.left.ev(env), self.right.ev(env)
        try:
            result = self.fn(left, right)
        except ValueProblem as exc:
            raise self.fail(str(exc)) from None
        return (not result) if self.negate else result


class Logic(Node):
    """``&& and || or`` with short-circuit; both operands must be bools."""

    __slots__ = ("op", "left", "right", "is_and")

    def __init__(self, pos: int, op: str, left: Node, right: Node) -> None:
        self.pos, self.op, self.left, self.right = pos, op, left, right
        self.is_and = op in ("&&", "and")

    def ev(self, env: Env) -> Any:
        left = self.left.ev(env)
        if not isinstance(left, bool):
            raise self.fail(f"invalid operation {describe(left)} {self.op} ...: needs a bool")
        if left is not self.is_and:
            return left
        right = self.right.ev(env)
        if not isinstance(right, bool):
            raise self.fail(f"invalid operation {left} {self.op} {describe(right)}: needs a bool")
        return right


class Coalesce(Node):
    """``a ?? b``: ``b`` when ``a`` is nil or not (yet) in the scope."""

    __slots__ = ("left", "right")

    def __init__(self, pos: int, left: Node, right: Node) -> None:
        self.pos, self.left, self.right = pos, left, right

    def ev(self, env: Env) -> Any:
        try:
            value = self.left.ev(env)
        except UnresolvedReference:
            value = None
        return self.right.ev(env) if value is None else value


class Ternary(Node):
    __slots__ = ("cond", "then", "other")

    def __init__(self, pos: int, cond: Node, then: Node, other: Node) -> None:
        self.pos, self.cond, self.then, self.other = pos, cond, then, other

    def ev(self, env: Env) -> Any:
        cond = self.cond.ev(env)
        if not isinstance(cond, bool):
            raise self.fail(f"condition of ?: is {describe(cond)}, not a bool")
        return self.then.ev(env) if cond else self.other.ev(env)


class ListLit(Node):
    __slots__ = ("items",)

    def __init__(self, pos: int, items: Sequence[Node]) -> None:
        self.pos, self.items = pos, tuple(items)

    def ev(self, env: Env) -> Any:
        return [item.ev(env) for item in self.items]


class MapLit(Node):
    __slots__ = ("pairs",)

    def __init__(self, pos: int, pairs: Sequence[Tuple[Node, Node]]) -> None:
        self.pos, self.pairs = pos, tuple(pairs)

    def ev(self, env: Env) -> Any:
        out = {}
        for key_node, value_node in self.pairs:
            key = key_node.ev(env)
            if not isinstance(key, (str, int, float, bool)):
                raise key_node.fail(f"map key must be a string or number, not {describe(key)}")
            out[key] = value_node.ev(env)
        return out


class Closure(Node):
    """``{ ... # ... }``: evaluates to a one-argument function over the item ``#``."""

    __slots__ = ("body",)

    def __init__(self, pos: int, body: Node) -> None:
        self.pos, self.body = pos, body

    def ev(self, env: Env) -> Any:
        body, scope = self.body, env.scope
        return lambda item: body.ev(Env(scope, item))


class Call(Node):
    __slots__ = ("function", "args")

    def __init__(self, pos: int, function: Function, args: Sequence[Node]) -> None:
        self.pos, self.function, self.args = pos, function, tuple(args)

    def ev(self, env: Env) -> Any:
        values = [arg.ev(env) for arg in self.args]
        try:
            return self.function.impl(*values)
        except (ValueProblem, TypeError) as exc:
            reason = str(exc)
            if not reason.startswith(self.function.name.rpartition(".")[2]):
                reason = f"{self.function.name}(): {reason}"
            raise self.fail(reason) from None
