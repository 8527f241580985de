"""The ``sprig.*`` functions workflows call in expressions (loops, casts, arithmetic, digests).

Sprig's casts are lenient as in Go (``sprig.int('x')`` is 0); the list builders check their
arguments, since a wrong loop silently running zero times is worse than an error.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, List, Optional

from .expr_errors import ValueProblem
from .expr_functions import FUNCTIONS, Function
from .expr_values import describe, format_float, is_number

__all__: List[str] = []


def _register(name: str, min_args: int, max_args: Optional[int]) -> Any:
    def wrap(impl: Any) -> Any:
        FUNCTIONS["sprig." + name] = Function("sprig." + name, impl, min_args, max_args)
        return impl

    return wrap


def _lenient_int(value: Any) -> int:
    """Go's ``cast.ToInt``: numbers truncated, numeric strings parsed, anything else 0."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value and abs(value) != float("inf") else 0
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value.strip())
    return 0


def _lenient_float(value: Any) -> float:
    if isinstance(value, bool):
        return float(value)
    if is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return 0.0
    return 0.0


def _strict_int(fn: str, value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueProblem(f"sprig.{fn}() needs int arguments, got {describe(value)}")
    return value


@_register("untilStep", 3, 3)
def _until_step(start: Any, stop: Any, step: Any) -> List[int]:
    """Ints from start (inclusive) to stop (exclusive) by step; step 0 gives no items."""
    begin, end, by = (_strict_int("untilStep", v) for v in (start, stop, step))
    return list(range(begin, end, by)) if by else []


@_register("until", 1, 1)
def _until(count: Any) -> List[int]:
    end = _strict_int("until", count)
    return list(range(0, end, 1 if end >= 0 else -1))


@_register("seq", 1, 3)
def _seq(*args: Any) -> str:
    """Like the shell's ``seq``: ``seq(end)``, ``seq(start, end)``, ``seq(start, step, end)``,
    ends included, as one space-separated string."""
    values = [_strict_int("seq", v) for v in args]
    if len(values) == 1:
        start, end = 1, values[0]
        step = 1 if end >= start else -1
    elif len(values) == 2:
        start, end = values
        step = 1 if end >= start else -1
    else:
        start, step, end = values
        if step == 0 or (end - start) * step < 0:
            return ""
    return " ".join(str(i) for i in range(start, end + (1 if step > 0 else -1), step))


@_register("concat", 0, None)
def _concat(*lists: Any) -> List[Any]:
    out: List[Any] = []
    for value in lists:
        if isinstance(value, (list, tuple)):
            out.extend(value)
        else:
            raise ValueProblem(f"sprig.concat() takes arrays, got {describe(value)}")
    return out


_register("int", 1, 1)(_lenient_int)
_register("toInt", 1, 1)(_lenient_int)
_register("int64", 1, 1)(_lenient_int)
_register("float64", 1, 1)(_lenient_float)


@_register("atoi", 1, 1)
def _atoi(value: Any) -> int:
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    return 0


@_register("toString", 1, 1)
def _to_string(value: Any) -> str:
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@_register("add", 0, None)
def _add(*values: Any) -> int:
    return sum(_lenient_int(v) for v in values)


@_register("add1", 1, 1)
def _add1(value: Any) -> int:
    return _lenient_int(value) + 1


@_register("sub", 2, 2)
def _sub(left: Any, right: Any) -> int:
    return _lenient_int(left) - _lenient_int(right)


@_register("mul", 1, None)
def _mul(*values: Any) -> int:
    product = 1
    for value in values:
        product *= _lenient_int(value)
    return product


@_register("div", 2, 2)
def _div(left: Any, right: Any) -> int:
    a, b = _lenient_int(left), _lenient_int(right)
    if b == 0:
        raise ValueProblem(f"sprig.div(): integer divide by zero ({a} / {b})")
    return int(a / b)  # Go truncates toward zero


@_register("mod", 2, 2)
def _mod(left: Any, right: Any) -> int:
    a, b = _lenient_int(left), _lenient_int(right)
    if b == 0:
        raise ValueProblem(f"sprig.mod(): integer divide by zero ({a} % {b})")
    return a - b * int(a / b)


def _text(fn: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueProblem(f"sprig.{fn}() needs a string, got {describe(value)}")
    return value


@_register("trimPrefix", 2, 2)
def _trim_prefix(prefix: Any, s: Any) -> str:
    prefix, s = _text("trimPrefix", prefix), _text("trimPrefix", s)
    return s[len(prefix) :] if s.startswith(prefix) else s


@_register("trimSuffix", 2, 2)
def _trim_suffix(suffix: Any, s: Any) -> str:
    suffix, s = _text("trimSuffix", suffix), _text("trimSuffix", s)
    return s[: len(s) - len(suffix)] if suffix and s.endswith(suffix) else s


@_register("replace", 3, 3)
def _replace(old: Any, new: Any, s: Any) -> str:
    return _text("replace", s).replace(_text("replace", old), _text("replace", new))


_register("sha1sum", 1, 1)(
    lambda s: hashlib.sha1(_text("sha1sum", s).encode("utf-8")).hexdigest()  # noqa: S324
)
_register("sha256sum", 1, 1)(
    lambda s: hashlib.sha256(_text("sha256sum", s).encode("utf-8")).hexdigest()
)
_register("contains", 2, 2)(lambda sub, s: _text("contains", sub) in _text("contains", s))
_register("hasPrefix", 2, 2)(lambda p, s: _text("hasPrefix", s).startswith(_text("hasPrefix", p)))
_register("hasSuffix", 2, 2)(lambda p, s: _text("hasSuffix", s).endswith(_text("hasSuffix", p)))
_register("quote", 1, 1)(
    lambda s: '"' + _to_string(s).replace("\\", "\\\\").replace('"', '\\"') + '"'
)
_register("squote", 1, 1)(lambda s: "'" + _to_string(s) + "'")
_register("split", 2, 2)(
    lambda sep, s: {f"_{i}": part for i, part in enumerate(_text("split", s).split(sep))}
)
_register("splitList", 2, 2)(lambda sep, s: _text("splitList", s).split(_text("splitList", sep)))
_register("join", 2, 2)(
    lambda sep, values: _text("join", sep).join(_to_string(v) for v in _list("join", values))
)
_register("default", 2, 2)(lambda default, value: value if _truthy(value) else default)
_register("empty", 1, 1)(lambda value: not _truthy(value))


def _list(fn: str, value: Any) -> List[Any]:
    if not isinstance(value, (list, tuple)):
        raise ValueProblem(f"sprig.{fn}() needs an array, got {describe(value)}")
    return list(value)


def _truthy(value: Any) -> bool:
    """Sprig's notion of a non-empty value (0, "", [], {}, nil and false are empty)."""
    return bool(value)
