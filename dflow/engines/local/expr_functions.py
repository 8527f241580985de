"""The functions expressions may call: Argo's (asInt, asFloat, jsonpath), expr-lang's builtins
(len, sum, filter, map, ...) and the ``sprig.*`` subset workflows use."""

from __future__ import annotations

import json
import math
import re
from typing import Any, Callable, Dict, List, NamedTuple, Optional

from .expr_errors import ValueProblem
from .expr_values import describe, flatten, go_string, is_number, to_json, type_name

__all__ = ["Function", "FUNCTIONS", "PREDICATES"]


class Function(NamedTuple):
    """A callable with its name and how many arguments it takes (``None``: any number)."""

    name: str
    impl: Callable[..., Any]
    min_args: int
    max_args: Optional[int]


FUNCTIONS: Dict[str, Function] = {}

# builtins whose second argument is a closure over ``#``
PREDICATES = frozenset(
    ["filter", "map", "all", "any", "none", "one", "count", "find", "findIndex", "sortBy"]
)


def _fn(name: str, min_args: int, max_args: Optional[int] = -1) -> Callable[[Any], Any]:
    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        top = min_args if max_args == -1 else max_args
        FUNCTIONS[name] = Function(name, impl, min_args, top)
        return impl

    return register


def _int_text(value: str) -> int:
    text = value.replace("_", "")
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueProblem(f"cannot convert {value!r} to int")
    return int(text)


def _float_text(value: str) -> float:
    if not re.fullmatch(
        r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)", value, re.IGNORECASE
    ):
        raise ValueProblem(f"cannot convert {value!r} to float")
    return float(value)


def _need_list(fn: str, value: Any) -> List[Any]:
    if not isinstance(value, (list, tuple)):
        raise ValueProblem(f"{fn}() needs an array, got {describe(value)}")
    return list(value)


# --- Argo's own functions and expr-lang's conversions ---------------------------------------


@_fn("asInt", 1)
@_fn("int", 1)
def _as_int(value: Any) -> int:
    """A number or numeric string as int (floats truncated, as Go converts them)."""
    if isinstance(value, bool) or value is None:
        raise ValueProblem(f"cannot convert {describe(value)} to int")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueProblem(f"cannot convert {value} to int")
        return int(value)
    if isinstance(value, str):
        return _int_text(value)
    raise ValueProblem(f"cannot convert {describe(value)} to int")


@_fn("asFloat", 1)
@_fn("float", 1)
def _as_float(value: Any) -> float:
    if is_number(value):
        return float(value)
    if isinstance(value, str):
        return _float_text(value)
    raise ValueProblem(f"cannot convert {describe(value)} to float")


@_fn("string", 1)
def _string(value: Any) -> str:
    return go_string(value)


@_fn("toJson", 1)
@_fn("sprig.toJson", 1)
def _to_json(value: Any) -> str:
    return to_json(value)


@_fn("fromJson", 1)
@_fn("sprig.fromJson", 1)
def _from_json(text: Any) -> Any:
    if not isinstance(text, str):
        raise ValueProblem(f"fromJson() needs a string, got {describe(text)}")
    try:
        return json.loads(text)
    except ValueError as exc:
        short = text if len(text) <= 60 else text[:57] + "..."
        raise ValueProblem(f"fromJson(): {short!r} is not JSON ({exc})") from None


_JSONPATH_STEP = re.compile(r"\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


@_fn("jsonpath", 2)
def _jsonpath(document: Any, path: Any) -> Any:
    """The value at a simple JSONPath (``$.a.b``, ``$.a[0]``, ``$['a-b']``) of a JSON text."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise ValueProblem(f"jsonpath(): path must be a string starting with '$', got {path!r}")
    value = _from_json(document) if isinstance(document, str) else document
    pos = 1
    while pos < len(path):
        match = _JSONPATH_STEP.match(path, pos)
        if match is None:
            raise ValueProblem(f"jsonpath(): unsupported path {path!r} at {path[pos:]!r}")
        key = match.group(1) or match.group(3) or match.group(4)
        if match.group(2) is not None:
            if not isinstance(value, list) or int(match.group(2)) >= len(value):
                raise ValueProblem(f"jsonpath(): {path!r} has no element {match.group()}")
            value = value[int(match.group(2))]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            raise ValueProblem(f"jsonpath(): {path!r} has no field {key!r}")
        pos = match.end()
    return value


# --- expr-lang builtins ---------------------------------------------------------------------


@_fn("len", 1)
def _len(value: Any) -> int:
    if isinstance(value, (str, list, tuple, dict)):
        return len(value)
    raise ValueProblem(f"len() of {describe(value)}")


@_fn("sum", 1)
def _sum(values: Any) -> Any:
    total: Any = 0
    for value in _need_list("sum", values):
        if not is_number(value):
            raise ValueProblem(f"sum() of an array holding {describe(value)}")
        total += value
    return total


def _extreme(fn: str, pick: Callable[..., Any], args: Any) -> Any:
    values = _need_list(fn, args[0]) if len(args) == 1 else list(args)
    if not values:
        raise ValueProblem(f"{fn}() of an empty array")
    if all(is_number(v) for v in values) or all(isinstance(v, str) for v in values):
        return pick(values)
    raise ValueProblem(f"{fn}() needs numbers, got {', '.join(describe(v) for v in values)}")


@_fn("min", 1, None)
def _min(*args: Any) -> Any:
    return _extreme("min", min, args)


@_fn("max", 1, None)
def _max(*args: Any) -> Any:
    return _extreme("max", max, args)


@_fn("abs", 1)
def _abs(value: Any) -> Any:
    if not is_number(value):
        raise ValueProblem(f"abs() of {describe(value)}")
    return abs(value)


@_fn("flatten", 1)
def _flatten(values: Any) -> List[Any]:
    return flatten(_need_list("flatten", values))


@_fn("keys", 1)
def _keys(value: Any) -> List[Any]:
    if not isinstance(value, dict):
        raise ValueProblem(f"keys() of {describe(value)}")
    return list(value)


@_fn("values", 1)
def _values(value: Any) -> List[Any]:
    if not isinstance(value, dict):
        raise ValueProblem(f"values() of {describe(value)}")
    return list(value.values())


@_fn("join", 1, 2)
def _join(values: Any, sep: Any = "") -> str:
    items = _need_list("join", values)
    if not all(isinstance(v, str) for v in items) or not isinstance(sep, str):
        raise ValueProblem("join() needs an array of strings and a string separator")
    return sep.join(items)


@_fn("split", 2)
def _split(text: Any, sep: Any) -> List[str]:
    return _text("split", text).split(_text("split", sep)) if sep else list(text)


def _text(fn: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueProblem(f"{fn}() needs a string, got {describe(value)}")
    return value


def _predicate(fn: str, values: Any, test: Callable[[Any], Any]) -> List[bool]:
    out = []
    for item in _need_list(fn, values):
        result = test(item)
        if not isinstance(result, bool):
            raise ValueProblem(f"{fn}() predicate gave {describe(result)}, not a bool")
        out.append(result)
    return out


@_fn("filter", 2)
def _filter(values: Any, test: Callable[[Any], Any]) -> List[Any]:
    keep = _predicate("filter", values, test)
    return [v for v, ok in zip(values, keep) if ok]


@_fn("map", 2)
def _map(values: Any, transform: Callable[[Any], Any]) -> List[Any]:
    return [transform(v) for v in _need_list("map", values)]


@_fn("sortBy", 2, 3)
def _sort_by(values: Any, key: Callable[[Any], Any], order: Any = "asc") -> List[Any]:
    """The array ordered by each element's key (stable), ``"asc"`` or ``"desc"``."""
    items = _need_list("sortBy", values)
    if order not in ("asc", "desc"):
        raise ValueProblem(f"sortBy() order must be 'asc' or 'desc', got {describe(order)}")
    keys = [key(v) for v in items]
    if not (all(is_number(k) for k in keys) or all(isinstance(k, str) for k in keys)):
        raise ValueProblem("sortBy() keys must be all numbers or all strings")
    ranked = sorted(range(len(items)), key=keys.__getitem__, reverse=order == "desc")
    return [items[i] for i in ranked]


FUNCTIONS["all"] = Function("all", lambda v, t: all(_predicate("all", v, t)), 2, 2)
FUNCTIONS["any"] = Function("any", lambda v, t: any(_predicate("any", v, t)), 2, 2)
FUNCTIONS["none"] = Function("none", lambda v, t: not any(_predicate("none", v, t)), 2, 2)
FUNCTIONS["one"] = Function("one", lambda v, t: sum(_predicate("one", v, t)) == 1, 2, 2)
FUNCTIONS["count"] = Function("count", lambda v, t: sum(_predicate("count", v, t)), 2, 2)


@_fn("find", 2)
def _find(values: Any, test: Callable[[Any], Any]) -> Any:
    hits = _predicate("find", values, test)
    return next((v for v, ok in zip(values, hits) if ok), None)


@_fn("findIndex", 2)
def _find_index(values: Any, test: Callable[[Any], Any]) -> int:
    hits = _predicate("findIndex", values, test)
    return next((i for i, ok in enumerate(hits) if ok), -1)


for _name, _impl in (("upper", str.upper), ("lower", str.lower), ("trim", str.strip)):
    for _full in (_name, "sprig." + _name):
        FUNCTIONS[_full] = Function(_full, lambda v, _f=_full, _i=_impl: _i(_text(_f, v)), 1, 1)

FUNCTIONS["type"] = Function("type", type_name, 1, 1)
