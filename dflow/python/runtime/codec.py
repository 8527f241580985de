"""Parameters on the wire: ``str`` as is, anything else JSON (jsonpickle beyond JSON)."""

from __future__ import annotations

import json
import typing
from typing import Any

from ...wire import encode_value

__all__ = ["encode", "decode"]


def encode(value: Any) -> str:
    """The wire text of ``value``; a ``str`` stays as it is."""
    return encode_value(value)


def _accepts_str(signed: Any) -> bool:
    """``str`` itself, or a ``Union``/``Optional`` with ``str`` among its members."""
    if signed is str:
        return True
    return typing.get_origin(signed) is typing.Union and str in typing.get_args(signed)


def decode(text: str, signed: Any) -> Any:
    """The value of wire ``text`` for a parameter signed ``signed``.

    A string travels as it is, so for a type that takes ``str`` the text is the value (``"123"``
    stays a string under ``Optional[str]``); only ``null`` reads as None where None is allowed.
    """
    if _accepts_str(signed):
        if text == "null" and type(None) in typing.get_args(signed):
            return None
        return text
    if text.lstrip().startswith(("{", "[")) and '"py/' in text:
        import jsonpickle

        return jsonpickle.decode(text)
    try:
        return json.loads(text)
    except ValueError:
        return text  # a bare string for a loosely typed parameter; the type check decides
