"""The catalog of an artifact that holds a list of paths (pure functions, no storage access).

A list artifact is a directory in which every path keeps its relative location, plus one or more
catalog files in its ``.dflow/`` directory. Each catalog file is JSON::

    {"path_list": [{"dflow_list_item": "a/b.txt", "order": 0},
                   {"dflow_list_item": null, "order": 1}]}

``order`` is the position in the list; ``null`` marks a missing path. A stacked artifact (the
outputs of several slices in one place) holds one catalog file per slice; ``merge`` reads them
together. See ``docs/storage.md``.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any, Dict, Iterable, List, Optional, Sequence

from ..errors import StorageError

__all__ = [
    "CATALOG_DIR",
    "catalog_entries",
    "write_catalog",
    "read_catalog",
    "load_catalogs",
    "merge",
    "keyed",
    "has_catalog",
    "MAX_ITEMS",
]

CATALOG_DIR = ".dflow"
#: Most positions a list artifact may have (``config["catalog_max_items"]`` at the user's edge):
#: an ``order`` beyond it would make a list that fills memory.
MAX_ITEMS = 1_000_000

Entry = Dict[str, Any]


def catalog_entries(
    paths: Sequence[Optional[str]],
    start: int = 0,
    item: Optional[int] = None,
    keys: Optional[Sequence[str]] = None,
) -> List[Entry]:
    """Catalog entries for ``paths`` (relative, ``/``-separated, or None) from order ``start``;
    with ``item`` every entry has that order (the paths one slice of a stacked artifact gave);
    with ``keys`` each entry's order is its key (a dict of paths, dotted keys when nested)."""
    entries = []
    for index, path in enumerate(paths):
        if path is not None:
            path = path.replace(os.sep, "/")
            if path.startswith("/") or ".." in path.split("/"):
                raise StorageError(f"catalog path {path!r} must be relative and stay inside")
        order: Any = start + index if item is None else item
        if keys is not None:
            order = keys[index]
        entries.append({"dflow_list_item": path, "order": order})
    return entries


def write_catalog(
    root_dir: str,
    paths: Sequence[Optional[str]],
    start: int = 0,
    name: Optional[str] = None,
    item: Optional[int] = None,
    keys: Optional[Sequence[str]] = None,
) -> str:
    """Write a catalog of ``paths`` (relative to ``root_dir``) into ``root_dir/.dflow/``.

    Returns the catalog file's path. ``start`` offsets the orders; ``item`` gives every entry the
    order of one slice instead (see ``catalog_entries``).
    """
    entries = catalog_entries(paths, start, item, keys)
    directory = os.path.join(root_dir, CATALOG_DIR)
    os.makedirs(directory, exist_ok=True)
    target = os.path.join(directory, name or uuid.uuid4().hex)
    partial = target + ".part"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump({"path_list": entries}, handle)
    os.replace(partial, target)
    return target


def has_catalog(root_dir: str) -> bool:
    """Whether ``root_dir`` holds at least one catalog file."""
    directory = os.path.join(root_dir, CATALOG_DIR)
    return os.path.isdir(directory) and any(not n.endswith(".part") for n in os.listdir(directory))


def _order(value: Any, max_items: int) -> Any:
    """A catalog entry's ``order``: an integer within ``max_items`` of zero, or the key of a
    dict of paths (a string that is not an integer, dotted when nested)."""
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            if not value:
                raise ValueError("order is an empty key") from None
            return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ValueError(f"order {value!r} is not an integer")
    if abs(value) >= max_items:
        raise ValueError(
            f"order {value!r} is beyond the {max_items} positions a list may have "
            "(config['catalog_max_items'])"
        )
    return int(value)


def load_catalogs(root_dir: str, max_items: Optional[int] = None) -> List[List[Entry]]:
    """The entries of every catalog file under ``root_dir/.dflow/``, files in name order.

    Every ``order`` must be an integer below ``max_items`` (default ``MAX_ITEMS``) in size, or
    the key of a dict of paths.
    """
    limit = max_items or MAX_ITEMS
    directory = os.path.join(root_dir, CATALOG_DIR)
    if not os.path.isdir(directory):
        return []
    catalogs = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(".part"):
            continue
        file = os.path.join(directory, name)
        try:
            with open(file, encoding="utf-8") as handle:
                data = json.load(handle)
            entries = data["path_list"]
            for entry in entries:
                entry["order"] = _order(entry["order"], limit)
                entry.setdefault("dflow_list_item", None)
                item = entry["dflow_list_item"]
                if item is not None and (item.startswith("/") or ".." in item.split("/")):
                    raise ValueError(f"path {item!r} leaves the artifact")
        except (OSError, ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
            where = f"{CATALOG_DIR}/{name}"
            raise StorageError(f"catalog file {where!r} is not a valid catalog: {exc}") from exc
        catalogs.append(entries)
    return catalogs


def keyed(catalogs: Iterable[Sequence[Entry]]) -> Optional[Dict[str, Optional[str]]]:
    """Key -> relative path when the catalogs hold a dict of paths (any order is a key)."""
    entries = [entry for catalog in catalogs for entry in catalog]
    if not any(isinstance(entry["order"], str) for entry in entries):
        return None
    return {str(entry["order"]): entry["dflow_list_item"] for entry in entries}


def merge(
    catalogs: Iterable[Sequence[Entry]], max_items: Optional[int] = None
) -> List[Optional[str]]:
    """One list of relative paths from several catalogs.

    The entries sorted by order, ties kept in catalog order. A slice that produced nothing (a
    failed item of a fan-out that continued) leaves no hole, as in dflow 1.x: the list holds the
    items that were stacked; an entry listed with no path is None in its place. A list longer
    than ``max_items`` (default ``MAX_ITEMS``) is refused.
    """
    entries = [entry for catalog in catalogs for entry in catalog]
    if not entries:
        return []
    if any(isinstance(entry["order"], str) for entry in entries):
        return [entry["dflow_list_item"] for entry in entries]  # a dict's paths, as stored
    orders = [entry["order"] for entry in entries]
    limit = max_items or MAX_ITEMS
    if max(orders) >= limit or len(entries) > limit:
        raise StorageError(
            f"a list artifact of {max(len(entries), max(orders) + 1)} positions is longer than "
            f"the {limit} allowed (config['catalog_max_items'])"
        )
    ranked = sorted(enumerate(entries), key=lambda pair: (pair[1]["order"], pair[0]))
    return [entry["dflow_list_item"] for _, entry in ranked]


def read_catalog(
    root_dir: str, check_exists: bool = True, max_items: Optional[int] = None
) -> List[Optional[str]]:
    """The list of paths an artifact directory holds, as absolute paths under ``root_dir``.

    A path recorded as missing, or (with ``check_exists``) absent on disk, comes back as None.
    """
    paths: List[Optional[str]] = []
    for item in merge(load_catalogs(root_dir, max_items), max_items):
        if item is None:
            paths.append(None)
            continue
        full = os.path.join(root_dir, *item.split("/"))
        paths.append(full if not check_exists or os.path.lexists(full) else None)
    return paths
