"""Parameters on the wire: ``str`` as is, anything else JSON (jsonpickle beyond JSON)."""

from __future__ import annotations

import json
from typing import Any

from ...wire import encode_value

__all__ = ["encode", "decode"]


def encode(value: Any, signed: Any = None) -> str:
    """The wire text of ``value``; a ``str`` stays as it is."""
    return encode_value(value)


def decode(text: str, signed: Any) -> Any:
    """The value of wire ``text`` for a parameter signed ``signed``."""
    if signed is str:
        return text
    if "py/" in text:
        import jsonpickle

        return jsonpickle.decode(text)
    try:
        return json.loads(text)
    except ValueError:
        return text  # a bare string for a loosely typed parameter; the type check decides
