"""Parameters on the wire: a ``str`` travels as it is, anything else as JSON (jsonpickle for what
JSON cannot carry: tuples, sets, objects). Rendering encodes values with it, and so does the
runtime of a Python OP, so that both sides agree byte for byte."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["encode_value", "type_label", "type_description", "described_type"]

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


def type_label(t: Any) -> str:
    """How a parameter's type is named on the manifest: ``int``, ``typing.List``, ``pkg.Cls``."""
    module, name = getattr(t, "__module__", None), getattr(t, "__name__", None)
    if module is not None and name is not None:
        return name if module == "builtins" else f"{module}.{name}"
    return str(t)


def type_description(t: Any, description: Any = None) -> Any:
    """The ``description`` of a typed parameter: JSON recording its type (and the user's text)."""
    if t is None:
        return description
    recorded = {"type": type_label(t)}
    if description:
        recorded["description"] = str(description)
    return json.dumps(recorded)


def described_type(description: Any) -> Any:
    """The type name a parameter's ``description`` records, or None for an untyped one."""
    if not isinstance(description, str) or not description.startswith("{"):
        return None
    try:
        recorded = json.loads(description)
    except ValueError:
        return None
    return recorded.get("type") if isinstance(recorded, dict) else None
