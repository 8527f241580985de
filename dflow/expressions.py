"""Values Argo computes while a workflow runs: references, conditions and loop helpers.

Every such value is an ``ArgoVar`` holding an expression in Argo's expression language
(``expr``). ``str(var)`` gives the ``{{...}}`` tag that Argo substitutes; comparisons build
conditions usable as ``when``, ``if_expression`` builds conditional outputs.
"""

from __future__ import annotations

import json
from typing import Any, Optional, Union

__all__ = [
    "ArgoVar",
    "ArgoSequence",
    "argo_range",
    "argo_sequence",
    "argo_len",
    "argo_sum",
    "argo_concat",
    "if_expression",
    "to_expr",
]


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def to_expr(value: Any) -> str:
    """Write a Python value or an ``ArgoVar`` as an operand of an Argo expression."""
    if isinstance(value, ArgoVar):
        return value.expr
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _quote(value)
    if value is None:
        return "nil"
    return _quote(json.dumps(value))


def _numeric(value: Any) -> str:
    """An operand that must be a number: references travel as strings, so convert them."""
    if isinstance(value, ArgoVar) and not value.is_numeric:
        return f"asFloat({value.expr})"
    return to_expr(value)


class ArgoVar:
    """A value known only when the workflow runs, written as an Argo expression."""

    is_numeric = False

    def __init__(self, expr: str, is_numeric: bool = False) -> None:
        self._expr = expr
        self.is_numeric = is_numeric

    @property
    def expr(self) -> str:
        """The expression in Argo's expression language."""
        return self._expr

    def __str__(self) -> str:
        return "{{=" + self.expr + "}}"

    def __repr__(self) -> str:
        return str(self)

    __hash__ = object.__hash__

    def _compare(self, op: str, other: Any) -> ArgoVar:
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return ArgoVar(f"{_numeric(self)} {op} {to_expr(other)}")
        if isinstance(other, ArgoVar) and (other.is_numeric or self.is_numeric):
            return ArgoVar(f"{_numeric(self)} {op} {_numeric(other)}")
        return ArgoVar(f"{to_expr(self)} {op} {to_expr(other)}")

    def __lt__(self, other: Any) -> ArgoVar:
        return self._compare("<", other)

    def __le__(self, other: Any) -> ArgoVar:
        return self._compare("<=", other)

    def __gt__(self, other: Any) -> ArgoVar:
        return self._compare(">", other)

    def __ge__(self, other: Any) -> ArgoVar:
        return self._compare(">=", other)

    def __eq__(self, other: Any) -> ArgoVar:  # type: ignore[override]
        return self._compare("==", other)

    def __ne__(self, other: Any) -> ArgoVar:  # type: ignore[override]
        return self._compare("!=", other)

    def __and__(self, other: Any) -> ArgoVar:
        return ArgoVar(f"({to_expr(self)}) && ({to_expr(other)})")

    def __or__(self, other: Any) -> ArgoVar:
        return ArgoVar(f"({to_expr(self)}) || ({to_expr(other)})")

    def __invert__(self) -> ArgoVar:
        return ArgoVar(f"!({to_expr(self)})")


def if_expression(_if: Any, _then: Any, _else: Any) -> ArgoVar:
    """A conditional value, for ``value_from_expression`` and ``from_expression``."""
    return ArgoVar(f"{to_expr(_if)} ? {to_expr(_then)} : {to_expr(_else)}")


def argo_range(*args: Any) -> ArgoVar:
    """A JSON list like Python's ``range(*args)``, for ``with_param``."""
    if not 1 <= len(args) <= 3:
        raise TypeError(f"argo_range takes 1 to 3 arguments, got {len(args)}")
    start, stop, step = (0, args[0], 1) if len(args) == 1 else (args[0], args[1], 1)
    if len(args) == 3:
        step = args[2]
    operands = ", ".join(_integer(v) for v in (start, stop, step))
    return ArgoVar(f"toJson(sprig.untilStep({operands}))")


def _integer(value: Any) -> str:
    if isinstance(value, ArgoVar) and not value.is_numeric:
        return f"asInt({value.expr})"
    if isinstance(value, ArgoVar):
        return f"int({value.expr})"
    return to_expr(value)


def argo_len(param: Any) -> ArgoVar:
    """The length of a JSON list parameter."""
    return ArgoVar(f"len(sprig.fromJson({to_expr(param)}))", is_numeric=True)


def argo_sum(param: Any) -> ArgoVar:
    """The sum of a JSON list of numbers."""
    return ArgoVar(f"sum(sprig.fromJson({to_expr(param)}))", is_numeric=True)


def argo_concat(param: Any) -> ArgoVar:
    """A JSON list of lists flattened into one list (e.g. the stacked outputs of a fan-out)."""
    return ArgoVar(f"toJson(flatten(sprig.fromJson({to_expr(param)})))")


class ArgoSequence:
    """A ``withSequence`` loop: ``count`` items or ``start`` to ``end``, printed with ``format``."""

    def __init__(
        self,
        count: Union[int, ArgoVar, None] = None,
        start: Union[int, ArgoVar, None] = None,
        end: Union[int, ArgoVar, None] = None,
        format: Optional[str] = None,
    ) -> None:
        if count is not None and end is not None:
            raise ValueError("argo_sequence takes either count or end, not both")
        if count is None and end is None:
            raise ValueError("argo_sequence needs count or end")
        self.count = count
        self.start = start
        self.end = end
        self.format = format


def argo_sequence(
    count: Union[int, ArgoVar, None] = None,
    start: Union[int, ArgoVar, None] = None,
    end: Union[int, ArgoVar, None] = None,
    format: Optional[str] = None,
) -> ArgoSequence:
    """A numeric sequence for ``with_sequence``; each item gets ``{{item}}``."""
    return ArgoSequence(count, start, end, format)
