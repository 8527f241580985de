"""Type checks of OP inputs and outputs against their signs.

Plain classes and the common generics (``List[int]``, ``Dict[str, float]``, ``Optional[X]``) are
checked here directly, which keeps the runtime's start-up short; anything else goes to typeguard,
imported only then.
"""

from __future__ import annotations

import os
import typing
from typing import Any, Optional

from .errors import TypeCheckError
from .signs import Artifact, type_name

__all__ = ["check_value", "check_artifact"]

_UNKNOWN = object()


def _fast(value: Any, expected: Any) -> Any:
    """True/False when the answer is easy, ``_UNKNOWN`` when typeguard must decide."""
    if expected is Any or expected is object:
        return True
    if expected is None or expected is type(None):
        return value is None
    if isinstance(expected, type) and not typing.get_args(expected):
        if expected is float:
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if expected is complex:
            return isinstance(value, (int, float, complex)) and not isinstance(value, bool)
        return isinstance(value, expected)
    origin = typing.get_origin(expected)
    args = typing.get_args(expected)
    if origin is typing.Union:
        answers = [_fast(value, a) for a in args]
        if True in answers:
            return True
        return _UNKNOWN if _UNKNOWN in answers else False
    if origin in (list, set, frozenset):
        if not isinstance(value, origin):
            return False
        if not args:
            return True
        found = {_fast(v, args[0]) for v in value}
        return False if False in found else (_UNKNOWN if _UNKNOWN in found else True)
    if origin is dict:
        if not isinstance(value, dict):
            return False
        if not args:
            return True
        found = {_fast(k, args[0]) for k in value} | {_fast(v, args[1]) for v in value.values()}
        return False if False in found else (_UNKNOWN if _UNKNOWN in found else True)
    return _UNKNOWN


def check_value(op: str, key: str, value: Any, expected: Any, what: str = "input") -> None:
    """Raise ``TypeCheckError`` naming the OP and key when ``value`` is not an ``expected``."""
    answer = _fast(value, expected)
    if answer is _UNKNOWN:
        import typeguard

        try:
            typeguard.check_type(value, expected)
            answer = True
        except typeguard.TypeCheckError:
            answer = False
    if not answer:
        raise TypeCheckError(
            f"OP {op}: {what} {key!r} should be {type_name(expected)}, "
            f"got {type(value).__name__} {_short(value)}"
        )


def check_artifact(op: str, key: str, value: Any, sign: Artifact, what: str = "input") -> None:
    """An artifact value: a path (str or Path), a list/set/dict of paths, or None (no artifact;
    the next step gets None, as in the original)."""
    expected = type_name(sign.type)
    if value is None:
        return
    ok = _shaped(value, sign.shape) or (sign.may_be_hdf5 and isinstance(value, (dict, list)))
    if not ok:
        raise TypeCheckError(
            f"OP {op}: {what} artifact {key!r} should be {expected}, "
            f"got {type(value).__name__} {_short(value)}"
        )


def _shaped(value: Any, shape: str) -> bool:
    """Whether ``value`` is paths in the ``shape`` of an artifact sign."""
    if shape == "single":
        return _is_path(value)
    if shape in ("list", "set"):
        container = list if shape == "list" else (set, frozenset)
        return isinstance(value, container) and all(v is None or _is_path(v) for v in value)
    if shape == "dict":
        return isinstance(value, dict) and all(v is None or _is_path(v) for v in value.values())
    if shape == "nested":
        from .artifact_types import flatten_paths

        return isinstance(value, (dict, list)) and all(
            v is None or _is_path(v) for v in flatten_paths(value).values()
        )
    return False


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def _short(value: Any, limit: Optional[int] = 60) -> str:
    text = repr(value)
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."
