"""Nested dicts and their flat form (``{"a.b": 1}``), as step keys and OP results use them."""

from __future__ import annotations

from typing import Any, Dict

__all__ = ["flatten", "expand", "dict2list"]


def flatten(d: Dict[str, Any]) -> Dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists stay values, empty dicts vanish."""
    flat: Dict[str, Any] = {}
    for key, value in d.items():
        if isinstance(value, dict):
            for sub, leaf in flatten(value).items():
                flat[f"{key}.{sub}"] = leaf
        else:
            flat[key] = value
    return flat


def expand(d: Dict[str, Any]) -> Any:
    """The inverse of ``flatten``: dotted keys become nested dicts, and a dict whose keys are all
    indices (``"0"``, ``"1"``, ...) becomes a list in index order, with None for a gap."""
    nested: Dict[str, Any] = {}
    for key, value in d.items():
        node = nested
        parts = str(key).split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = expand(value) if isinstance(value, dict) else value
    for key, value in list(nested.items()):
        if isinstance(value, dict):
            nested[key] = dict2list(value)
    return dict2list(nested)


def dict2list(d: Any) -> Any:
    """A dict keyed by indices (``0``/``"0"``, ``1``, ...) as a list, recursively; other dicts keep
    their keys (their values converted)."""
    if not isinstance(d, dict):
        return d
    converted = {key: dict2list(value) for key, value in d.items()}
    if converted and all(str(key).isdigit() for key in converted):
        size = max(int(key) for key in converted) + 1
        items: list = [None] * size
        for key, value in converted.items():
            items[int(key)] = value
        return items
    return converted
