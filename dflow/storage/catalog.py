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
    "has_catalog",
]

CATALOG_DIR = ".dflow"

Entry = Dict[str, Any]


def catalog_entries(
    paths: Sequence[Optional[str]], start: int = 0, item: Optional[int] = None
) -> List[Entry]:
    """Catalog entries for ``paths`` (relative, ``/``-separated, or None) from order ``start``;
    with ``item`` every entry has that order (the paths one slice of a stacked artifact gave)."""
    entries = []
    for index, path in enumerate(paths):
        if path is not None:
            path = path.replace(os.sep, "/")
            if path.startswith("/") or ".." in path.split("/"):
                raise StorageError(f"catalog path {path!r} must be relative and stay inside")
        entries.append({"dflow_list_item": path, "order": start + index if item is None else item})
    return entries


def write_catalog(
    root_dir: str,
    paths: Sequence[Optional[str]],
    start: int = 0,
    name: Optional[str] = None,
    item: Optional[int] = None,
) -> str:
    """Write a catalog of ``paths`` (relative to ``root_dir``) into ``root_dir/.dflow/``.

    Returns the catalog file's path. ``start`` offsets the orders; ``item`` gives every entry the
    order of one slice instead (see ``catalog_entries``).
    """
    entries = catalog_entries(paths, start, item)
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


def load_catalogs(root_dir: str) -> List[List[Entry]]:
    """The entries of every catalog file under ``root_dir/.dflow/``, files in name order."""
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
                entry["order"] = int(entry["order"])
                entry.setdefault("dflow_list_item", None)
                item = entry["dflow_list_item"]
                if item is not None and (item.startswith("/") or ".." in item.split("/")):
                    raise ValueError(f"path {item!r} leaves the artifact")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StorageError(f"catalog file {file!r} is not a valid catalog: {exc}") from exc
        catalogs.append(entries)
    return catalogs


def merge(catalogs: Iterable[Sequence[Entry]]) -> List[Optional[str]]:
    """One list of relative paths from several catalogs.

    When every order is distinct, the entry of order ``i`` lands at index ``i`` and positions no
    entry claims are None (a slice that produced nothing leaves a hole). When orders repeat, the
    entries are sorted by order, ties kept in catalog order, with no holes.
    """
    entries = [entry for catalog in catalogs for entry in catalog]
    if not entries:
        return []
    orders = [entry["order"] for entry in entries]
    if len(set(orders)) == len(orders) and min(orders) >= 0:
        result: List[Optional[str]] = [None] * (max(orders) + 1)
        for entry in entries:
            result[entry["order"]] = entry["dflow_list_item"]
        return result
    ranked = sorted(enumerate(entries), key=lambda pair: (pair[1]["order"], pair[0]))
    return [entry["dflow_list_item"] for _, entry in ranked]


def read_catalog(root_dir: str, check_exists: bool = True) -> List[Optional[str]]:
    """The list of paths an artifact directory holds, as absolute paths under ``root_dir``.

    A path recorded as missing, or (with ``check_exists``) absent on disk, comes back as None.
    """
    paths: List[Optional[str]] = []
    for item in merge(load_catalogs(root_dir)):
        if item is None:
            paths.append(None)
            continue
        full = os.path.join(root_dir, *item.split("/"))
        paths.append(full if not check_exists or os.path.lexists(full) else None)
    return paths
