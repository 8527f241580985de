"""Parameters on the wire: a ``str`` travels as it is, anything else as JSON (jsonpickle for what
JSON cannot carry: tuples, sets, objects). Rendering encodes values with it, and so does the
runtime of a Python OP, so that both sides agree byte for byte."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["encode_value"]

_PLAIN = (str, int, float, bool, type(None))


def _plain(value: Any) -> bool:
    if isinstance(value, _PLAIN):
        return True
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def encode_value(value: Any) -> str:
    """The wire text of ``value``."""
    if isinstance(value, str):
        return value
    if _plain(value):
        return json.dumps(value)
    import warnings

    import jsonpickle

    with warnings.catch_warnings():  # jsonpickle warns that its default will change
        warnings.simplefilter("ignore", DeprecationWarning)
        return str(jsonpickle.dumps(value))
