"""dflow 1.x spellings of functions that live elsewhere under our names."""

from __future__ import annotations

from typing import Any

from .expressions import to_expr as _to_expr
from .wire import encode_value as convert_value_to_str
from .wire import type_label

__all__ = ["convert_value_to_str", "type_to_str", "to_expr"]


def type_to_str(type: Any) -> str:
    """How a parameter's type is written on the manifest (``int``, ``typing.List``, ...)."""
    return type_label(type)


def to_expr(var: Any) -> str:
    """A Python value or a reference as an operand of an Argo expression."""
    return _to_expr(var)
