"""dflow 1.x spellings of functions that live elsewhere under our names."""

from __future__ import annotations

from .wire import encode_value as convert_value_to_str
from .wire import type_label as type_to_str

__all__ = ["convert_value_to_str", "type_to_str"]
