"""Values Argo computes while a workflow runs: references, conditions and loop helpers.

Every such value is an ``ArgoVar`` holding an expression in Argo's expression language
(``expr``). ``str(var)`` gives the ``{{...}}`` tag that Argo substitutes; comparisons build
conditions usable as ``when``, ``if_expression`` builds conditional outputs.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Union

__all__ = [
    "ArgoVar",
    "ArgoSequence",
    "argo_range",
    "argo_sequence",
    "argo_len",
    "argo_sum",
    "argo_concat",
    "if_expression",
    "IfExpression",
    "ArgoItem",
    "to_expr",
    "argo_enumerate",
    "ArgoRange",
    "ArgoLen",
    "ArgoSum",
    "ArgoConcat",
    "ArgoEnumerate",
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
    """An operand of arithmetic or ordering: references (even numeric ones) through ``asFloat``,
    as the original writes them; a numeric string literal as its number."""
    if isinstance(value, ArgoVar):
        return f"asFloat({value.expr})"
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return _quote(value)
        return value.strip()
    return to_expr(value)


def _wire_literal(value: Any) -> str:
    """A Python value as the quoted string a parameter carries on the wire (``True`` is 'true')."""
    from .wire import encode_value

    return _quote(encode_value(value))


class ArgoVar:
    """A value known only when the workflow runs, written as an Argo expression.

    Operators build expressions as the original dflow writes them: ``+ - * /`` and ``< <= > >=``
    go through ``asFloat``; ``==``/``!=`` against a Python value compare with the string form
    the parameter carries (``p == True`` is ``p == 'true'``); ``p["key"]`` / ``p[0]`` read a JSON
    parameter with ``jsonpath``. ``&``, ``|`` and ``~`` combine conditions.
    """

    is_numeric = False
    is_str = True

    def __init__(
        self, expr: Optional[str] = None, is_str: bool = True, *, is_numeric: bool = False
    ) -> None:
        self._expr: Any = expr  # None for an empty ArgoVar(), as in the original
        #: False for a JSON value (a member of a JSON parameter): passed as a parameter it is the
        #: value itself when a string, else its JSON text (checked against 1.8.134)
        self.is_str = is_str
        self.is_numeric = is_numeric

    @property
    def expr(self) -> str:
        """The expression in Argo's expression language."""
        return self._expr

    def __str__(self) -> str:
        if not self.is_str:
            x = self.expr
            return "{{=string(%s) == %s ? %s : toJson(%s)}}" % (x, x, x, x)
        return "{{=" + self.expr + "}}"

    def __repr__(self) -> str:
        return str(self)

    __hash__ = object.__hash__

    def __iter__(self) -> Any:
        # without this, __getitem__ would make every reference an endless iterable
        raise TypeError(f"{type(self).__name__} {self} is known only at run time: not iterable")

    def _order(self, op: str, other: Any) -> ArgoVar:
        return ArgoVar(f"{_numeric(self)} {op} {_numeric(other)}")

    def _equals(self, op: str, other: Any) -> ArgoVar:
        if isinstance(other, ArgoVar):
            return ArgoVar(f"{self.expr} {op} {other.expr}")
        if self.is_numeric and isinstance(other, (int, float)) and not isinstance(other, bool):
            return ArgoVar(f"{self.expr} {op} {to_expr(other)}")  # a number, e.g. argo_len(p)
        return ArgoVar(f"{self.expr} {op} {_wire_literal(other)}")

    def __lt__(self, other: Any) -> ArgoVar:
        return self._order("<", other)

    def __le__(self, other: Any) -> ArgoVar:
        return self._order("<=", other)

    def __gt__(self, other: Any) -> ArgoVar:
        return self._order(">", other)

    def __ge__(self, other: Any) -> ArgoVar:
        return self._order(">=", other)

    def __eq__(self, other: Any) -> ArgoVar:  # type: ignore[override]
        return self._equals("==", other)

    def __ne__(self, other: Any) -> ArgoVar:  # type: ignore[override]
        return self._equals("!=", other)

    def _arith(self, op: str, other: Any, reverse: bool = False) -> Any:
        if op == "+" and isinstance(other, str):  # text around a tag, as in the original
            return other + str(self) if reverse else str(self) + other
        if not isinstance(other, (int, float, ArgoVar)) or isinstance(other, bool):
            return NotImplemented
        left, right = (other, self) if reverse else (self, other)
        return ArgoVar(f"{_numeric(left)} {op} {_numeric(right)}")

    def __add__(self, other: Any) -> Any:
        return self._arith("+", other)

    def __sub__(self, other: Any) -> Any:
        return self._arith("-", other)

    def __mul__(self, other: Any) -> Any:
        return self._arith("*", other)

    def __truediv__(self, other: Any) -> Any:
        return self._arith("/", other)

    def __radd__(self, other: Any) -> Any:
        return self._arith("+", other, reverse=True)

    def __rsub__(self, other: Any) -> Any:
        return self._arith("-", other, reverse=True)

    def __rmul__(self, other: Any) -> Any:
        return self._arith("*", other, reverse=True)

    def __rtruediv__(self, other: Any) -> Any:
        return self._arith("/", other, reverse=True)

    def __getitem__(self, key: Any) -> ArgoItem:
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            raise TypeError(f"{self}: a key must be a str or an int, got {key!r}")
        return ArgoItem(f"jsonpath({self.expr}, '$')[{to_expr(key)}]")

    def __and__(self, other: Any) -> ArgoVar:
        return ArgoVar(f"({to_expr(self)}) && ({to_expr(other)})")

    def __or__(self, other: Any) -> ArgoVar:
        return ArgoVar(f"({to_expr(self)}) || ({to_expr(other)})")

    def __invert__(self) -> ArgoVar:
        return ArgoVar(f"!({to_expr(self)})")


class ArgoItem(ArgoVar):
    """A member of a JSON parameter (``param["key"]``): a JSON value, not a string.

    Passed as a parameter it is the member itself when a string, else its JSON text; compared
    with ``==`` it is compared with the Python value as JSON reads it.
    """

    is_str = False

    def __init__(self, expr: Optional[str] = None, is_str: bool = False) -> None:
        super().__init__(expr, is_str)

    def _equals(self, op: str, other: Any) -> ArgoVar:
        if isinstance(other, ArgoVar):
            return super()._equals(op, other)
        return ArgoVar(f"{self.expr} {op} {to_expr(other)}")


def _is_parameter(value: Any) -> bool:
    """A reference to a parameter itself (not an expression computed from one)."""
    return isinstance(value, ArgoVar) and getattr(value, "kind", None) == "parameters"


def _branch(value: Any) -> str:
    """An ``if_expression`` operand: a string is an expression, as in the original."""
    if isinstance(value, str):
        return value
    return to_expr(value)


class IfExpression(ArgoVar):
    """``(cond ? then : else)``; keeps its branches so an output can take their type."""

    def __init__(self, _if: Any, _then: Any, _else: Any) -> None:
        if _is_parameter(_if):
            cond = f"{_if.expr} == 'true'"  # a bare parameter means "is true", as in the original
        else:
            cond = _branch(_if)
        super().__init__(cond)
        self.then = _then
        self.otherwise = _else

    @property
    def expr(self) -> str:
        # written when read: a branch turned big since reads its artifact
        return f"({self._expr} ? {_branch(self.then)} : {_branch(self.otherwise)})"


def if_expression(_if: Any, _then: Any, _else: Any) -> IfExpression:
    """A conditional value, for ``value_from_expression`` and ``from_expression``.

    ``_if`` is a condition (a comparison of references), a parameter (true when it reads
    ``true``) or an expression string; ``_then``/``_else`` are references, numbers or
    expression strings (quote a literal string yourself: ``"'done'"``).
    """
    return IfExpression(_if, _then, _else)


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

    def to_dict(self) -> Dict[str, Any]:
        """The four fields as a dict; an ``ArgoVar`` field becomes its ``{{=...}}`` text."""
        return {
            field: _sequence_field(getattr(self, field))
            for field in ("count", "start", "end", "format")
        }

    @classmethod
    def from_dict(cls, d: Optional[Dict[str, Any]]) -> Optional[ArgoSequence]:
        """The sequence a ``to_dict`` answer (or a manifest's ``withSequence``) describes."""
        if d is None:
            return None
        return cls(d.get("count"), d.get("start"), d.get("end"), d.get("format"))

    def evalable_repr(self, imports: Any) -> str:
        """Python source that makes this sequence again (``argo_sequence(...)``)."""
        from .pyrepr import evalable_repr

        given = {f: getattr(self, f) for f in ("count", "start", "end", "format")}
        imports.add(("dflow", "argo_sequence"))
        args = ", ".join(
            f"{k}={evalable_repr(v, imports)}" for k, v in given.items() if v is not None
        )
        return f"argo_sequence({args})"


def _sequence_field(value: Any) -> Any:
    return f"{{{{={value.expr}}}}}" if isinstance(value, ArgoVar) else value


def argo_sequence(
    count: Union[int, ArgoVar, None] = None,
    start: Union[int, ArgoVar, None] = None,
    end: Union[int, ArgoVar, None] = None,
    format: Optional[str] = None,
) -> ArgoSequence:
    """A numeric sequence for ``with_sequence``; each item gets ``{{item}}``."""
    return ArgoSequence(count, start, end, format)


def argo_enumerate(*args: Any, **kwargs: Any) -> ArgoVar:
    """A JSON list pairing the items of several lists by position, for ``with_param``.

    Item ``i`` is ``{"order": i, "value0": a[i], "value1": b[i], ...}`` for positional lists, or
    uses the keyword names (``argo_enumerate(x=a, y=b)`` gives ``{"order": i, "x": a[i], ...}``).
    The first list sets the length.
    """
    named = [(f"value{i}", v) for i, v in enumerate(args)] + list(kwargs.items())
    if not named:
        raise TypeError("argo_enumerate needs at least one list")
    fields = ", ".join(f"{_quote(k)}: jsonpath({to_expr(v)}, '$')[#]" for k, v in named)
    length = f"len(sprig.fromJson({to_expr(named[0][1])}))"
    return ArgoVar(f"toJson(map(sprig.untilStep(0, {length}, 1), {{ {{'order': #, {fields}}} }}))")


class ArgoRange(ArgoVar):
    """``argo_range`` as a class: ``ArgoRange(end, start=0, step=1)``."""

    def __init__(self, end: Any, start: Any = 0, step: Any = 1) -> None:
        super().__init__(argo_range(start, end, step).expr)


class ArgoLen(ArgoVar):
    """``argo_len`` as a class."""

    def __init__(self, param: Any) -> None:
        super().__init__(argo_len(param).expr, is_numeric=True)


class ArgoSum(ArgoVar):
    """``argo_sum`` as a class."""

    def __init__(self, param: Any) -> None:
        super().__init__(argo_sum(param).expr, is_numeric=True)


class ArgoConcat(ArgoVar):
    """``argo_concat`` as a class."""

    def __init__(self, param: Any) -> None:
        super().__init__(argo_concat(param).expr)


class ArgoEnumerate(ArgoVar):
    """``argo_enumerate`` as a class: ``ArgoEnumerate(x=a, y=b)``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(argo_enumerate(*args, **kwargs).expr)
