"""Value semantics of expr-lang as Argo runs it: types, operators, and rendering values as text."""

from __future__ import annotations

import json
import math
from typing import Any, Callable, Dict, List, Mapping, Sequence

from .expr_errors import UnresolvedReference, ValueProblem

__all__ = [
    "ReadableArtifact",
    "type_name",
    "describe",
    "is_number",
    "equal",
    "compare",
    "arithmetic",
    "to_text",
    "to_json",
    "go_string",
    "format_float",
    "resolve_path",
    "member",
    "index",
    "flatten",
]


class ReadableArtifact(dict):  # type: ignore[type-arg]
    """An artifact map whose content an expression reads as text: a big parameter's value."""

    def __init__(self, artifact: Mapping[str, Any], read: Callable[[], str]) -> None:
        super().__init__(artifact)
        self._read = read
        self._text: Any = None

    def text(self) -> str:
        """The artifact's content, read once on first use."""
        if self._text is None:
            self._text = self._read()
        return str(self._text)


def type_name(value: Any) -> str:
    """The expr-lang name of a value's type, for error messages."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "map"
    return type(value).__name__


def describe(value: Any) -> str:
    """An operand as an error message shows it: value and type."""
    text = repr(value) if not isinstance(value, (list, dict)) else to_json(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type_name(value)})"


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def equal(left: Any, right: Any) -> bool:
    """``==``: numbers compare by value (1 == 1.0), other values only equal their own type."""
    if is_number(left) and is_number(right):
        return bool(left == right)
    if type_name(left) != type_name(right):
        return False
    if isinstance(left, (list, tuple)):
        return len(left) == len(right) and all(equal(a, b) for a, b in zip(left, right))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(equal(v, right[k]) for k, v in left.items())
    return bool(left == right)


_ORDER: Dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def compare(op: str, left: Any, right: Any) -> bool:
    """``< <= > >=`` on two numbers or two strings; anything else is a type error."""
    if (is_number(left) and is_number(right)) or (isinstance(left, str) and isinstance(right, str)):
        return _ORDER[op](left, right)
    raise ValueProblem(f"cannot compare {describe(left)} {op} {describe(right)}")


def _numbers(op: str, left: Any, right: Any) -> None:
    if not (is_number(left) and is_number(right)):
        raise ValueProblem(f"invalid operation {describe(left)} {op} {describe(right)}")


def arithmetic(op: str, left: Any, right: Any) -> Any:
    """``+ - * / % **`` with expr-lang's typing: int op int stays int, ``/`` and ``**`` give
    floats, ``+`` also joins two strings or two arrays."""
    if op == "+":
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        if isinstance(left, list) and isinstance(right, list):
            return left + right
    _numbers(op, left, right)
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        if right == 0:
            if isinstance(left, int) and isinstance(right, int):
                raise ValueProblem(f"integer divide by zero: {left} / {right}")
            return math.copysign(math.inf, left) if left else math.nan
        return left / right
    if op == "%":
        if not (isinstance(left, int) and isinstance(right, int)):
            raise ValueProblem(f"invalid operation {describe(left)} % {describe(right)}")
        if right == 0:
            raise ValueProblem(f"integer divide by zero: {left} % {right}")
        return int(math.fmod(left, right))  # Go's % keeps the sign of the dividend
    try:
        return float(left) ** float(right)
    except (OverflowError, ZeroDivisionError) as exc:
        raise ValueProblem(f"{left} ** {right}: {exc}") from None


def format_float(value: float) -> str:
    """A float as Go prints it: no ``.0`` when integral, exponent form for extremes."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def _integral(value: Any) -> Any:
    """Replace integral floats by ints, as Go's encoder writes them without ``.0``."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, (list, tuple)):
        return [_integral(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _integral(v) for k, v in value.items()}
    return value


def to_json(value: Any) -> str:
    """Compact JSON as Go's encoder writes it (``[0,1,2]``, ``{"a":1}``, ``3`` for 3.0)."""
    try:
        return json.dumps(
            _integral(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise ValueProblem(f"cannot encode {type_name(value)} as JSON: {exc}") from None


def to_text(value: Any) -> str:
    """A value inserted into a template: strings as-is, everything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return format_float(value)
    return to_json(value)


def go_string(value: Any) -> str:
    """``string(x)``: Go's ``%v`` formatting (``[1 2]``, ``map[a:1]``, ``<nil>``)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(go_string(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return "map[" + " ".join(f"{k}:{go_string(v)}" for k, v in items) + "]"
    return str(value)


def member(value: Any, name: Any, optional: bool = False) -> Any:
    """``value.name`` / ``value['name']`` on a map (a missing key is nil, as in expr-lang)."""
    if value is None:
        if optional:
            return None
        raise ValueProblem(f"cannot fetch {name!r} from nil")
    if isinstance(value, dict):
        return value.get(name)
    if isinstance(value, (list, str)) and is_number(name):
        return index(value, name)
    raise ValueProblem(f"cannot fetch {name!r} from {describe(value)}")


def index(value: Any, key: Any) -> Any:
    """``value[key]``: arrays and strings by (possibly negative) int, maps by key."""
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, (list, tuple, str)):
        if isinstance(key, float) and key.is_integer():
            key = int(key)
        if not isinstance(key, int) or isinstance(key, bool):
            raise ValueProblem(f"array index must be an int, not {describe(key)}")
        if not -len(value) <= key < len(value):
            raise ValueProblem(f"index out of range: {key} (length {len(value)})")
        return value[key]
    if value is None:
        raise ValueProblem(f"cannot fetch {key!r} from nil")
    raise ValueProblem(f"cannot index {describe(value)} with {key!r}")


def _subtree(prefix: str, scope: Mapping[str, Any]) -> Dict[str, Any]:
    """The flat keys under ``prefix.`` as nested maps (``steps`` -> ``{"s1": {...}}``)."""
    head = prefix + "."
    tree: Dict[str, Any] = {}
    for key, value in scope.items():
        if not key.startswith(head):
            continue
        node = tree
        parts = key[len(head) :].split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if not isinstance(node.get(parts[-1]), dict):  # a deeper key wins over a summary value
            node[parts[-1]] = value
    return tree


def resolve_path(parts: Sequence[str], scope: Mapping[str, Any], subtrees: bool = True) -> Any:
    """Read a dotted name from a flat scope.

    The whole name first; else the longest leading part that is a key, indexed by the rest
    (``item.a`` when ``item`` holds a map); else (``subtrees``) the keys below it as nested maps.
    """
    name = ".".join(parts)
    if name in scope:
        return scope[name]
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if head in scope:
            value = scope[head]
            for part in parts[cut:]:
                if isinstance(value, dict) and part in value:
                    value = value[part]
                elif isinstance(value, list) and part.lstrip("-").isdigit():
                    value = index(value, int(part))
                else:
                    raise UnresolvedReference(name)
            return value
    if subtrees:
        tree = _subtree(name, scope)
        if tree:
            return tree
    raise UnresolvedReference(name)


def flatten(values: Sequence[Any]) -> List[Any]:
    """Arrays nested at any depth as one array."""
    out: List[Any] = []
    for value in values:
        if isinstance(value, (list, tuple)):
            out.extend(flatten(value))
        else:
            out.append(value)
    return out
