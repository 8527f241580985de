"""Parameters on the wire: ``str`` as is, anything else JSON (jsonpickle beyond JSON)."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["encode", "decode"]

_PLAIN = (str, int, float, bool, type(None))


def _plain(value: Any) -> bool:
    if isinstance(value, _PLAIN):
        return True
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def encode(value: Any, signed: Any = None) -> str:
    """The wire text of ``value``; a ``str`` stays as it is."""
    if isinstance(value, str):
        return value
    if _plain(value):
        return json.dumps(value)
    import jsonpickle

    return str(jsonpickle.dumps(value))


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
