"""Argo's template tags and expressions, evaluated without ``eval`` for the local engine.

``substitute`` replaces ``{{name}}`` and ``{{=expr}}`` tags in a text, ``evaluate`` runs an
expr-lang expression (``valueFrom.expression``, ``fromExpression``, ``retryStrategy.expression``),
``evaluate_condition`` decides a substituted ``when``. The scope is flat, as Argo keeps it:
``{"steps.s1.outputs.parameters.msg": "hi", "item": {...}, "workflow.name": "wf-x"}``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, List, Mapping, Tuple, Union

from .expr_condition import evaluate_condition
from .expr_errors import ExpressionError, UnresolvedReference, ValueProblem
from .expr_nodes import Env
from .expr_parser import parse
from .expr_values import resolve_path, to_text

__all__ = [
    "substitute",
    "evaluate",
    "evaluate_condition",
    "render_value",
    "ExpressionError",
    "UnresolvedReference",
]

# a parsed template: literal text, or (is_expression, tag body, tag text, offset)
_Tag = Tuple[bool, str, str, int]
_Segment = Union[str, _Tag]


def evaluate(expr: str, scope: Mapping[str, Any], artifacts: bool = False) -> Any:
    """The value of an expr-lang expression over a flat scope (parsed once, then cached);
    with ``artifacts``, a big parameter's artifact stays an artifact (``fromExpression``)."""
    try:
        return parse(expr).ev(Env(scope, artifacts=artifacts))
    except ExpressionError as exc:
        raise exc.located(expr) from None
    except RecursionError:
        raise ExpressionError("expression nested too deeply", expr) from None


def render_value(value: Any) -> str:
    """A value as a tag inserts it: strings as-is, integral numbers without ``.0``,
    bools as ``true``/``false``, nil as ``null``, arrays and maps as compact JSON."""
    try:
        return to_text(value)
    except ValueProblem as exc:
        raise ExpressionError(str(exc)) from None


def substitute(text: str, scope: Mapping[str, Any], strict: bool = True) -> str:
    """Replace every ``{{name}}`` and ``{{=expr}}`` tag of ``text`` with its value.

    Inserted values are never scanned again, so a value holding ``{{`` stays as it is. An unknown
    name raises ``UnresolvedReference``, or with ``strict=False`` leaves its tag untouched.
    """
    if "{{" not in text:
        return text
    out: List[str] = []
    for segment in _segments(text):
        if isinstance(segment, str):
            out.append(segment)
            continue
        is_expression, body, tag, offset = segment
        try:
            if is_expression:
                if "{{" in body:  # simple tags inside an expression: all known, or none
                    body = substitute(body, scope)
                out.append(render_value(evaluate(body, scope)))
            else:
                out.append(render_value(_lookup(body, scope, tag, offset)))
        except UnresolvedReference:
            if strict:
                raise
            out.append(tag)
    return "".join(out)


def _lookup(name: str, scope: Mapping[str, Any], tag: str, offset: int) -> Any:
    value = scope.get(name, _MISSING)
    if value is not _MISSING:
        return value
    try:
        return resolve_path(name.split("."), scope, subtrees=False)
    except (UnresolvedReference, ValueProblem):
        raise UnresolvedReference(name, tag, offset) from None


_MISSING = object()


@lru_cache(maxsize=2048)
def _segments(text: str) -> Tuple[_Segment, ...]:
    """Split a template into literal text and tags (cached: templates repeat across steps)."""
    segments: List[_Segment] = []
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            break
        if start > pos:
            segments.append(text[pos:start])
        if text.startswith("=", start + 2):
            end = _expression_end(text, start + 3)
            if end < 0:
                raise ExpressionError(
                    "unclosed expression tag: '{{=' without '}}' (or an unterminated string)",
                    text[start : start + 80],
                    0,
                )
            body = text[start + 3 : end]
            if not body.strip():
                raise ExpressionError("empty expression tag", text[start : end + 2], 0)
            segments.append((True, body, text[start : end + 2], start))
        else:
            end = text.find("}}", start + 2)
            if end < 0:
                raise ExpressionError(
                    "unclosed tag: '{{' without '}}'", text[start : start + 80], 0
                )
            segments.append((False, text[start + 2 : end].strip(), text[start : end + 2], start))
        pos = end + 2
    if pos < len(text):
        segments.append(text[pos:])
    return tuple(segments)


def _expression_end(text: str, pos: int) -> int:
    """Where an expression tag's closing ``}}`` is (-1 when missing): braces of maps and
    closures, and quoted strings, inside the expression do not end it."""
    depth = 0
    n = len(text)
    while pos < n:
        char = text[pos]
        if char in "'\"`":
            pos = _string_end(text, pos)
            if pos < 0:
                return -1
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0 and text.startswith("}}", pos):
                return pos
            depth = max(depth - 1, 0)
        pos += 1
    return -1


def _string_end(text: str, pos: int) -> int:
    quote = text[pos]
    pos += 1
    while pos < len(text):
        if text[pos] == "\\" and quote != "`":
            pos += 2
            continue
        if text[pos] == quote:
            return pos
        pos += 1
    return -1
