"""The catalog of a list-typed artifact: which relative paths it holds, in which order.

The format is the one ``dflow.storage.catalog`` reads and writes (see ``docs/storage.md``): an
artifact directory holds its files plus ``.dflow/<name>`` JSON files, each
``{"path_list": [{"dflow_list_item": "<relative path or null>", "order": <int>}, ...]}``.
Catalogs in one ``.dflow/`` merge: distinct orders are list positions; repeated orders (a stacked
artifact whose slices gave several paths each, ``order`` = slice) sort by order, then file order.
This module is the runtime's own copy of that reader/writer, free of the storage package's imports.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Sequence

__all__ = ["CATALOG_DIR", "write_catalog", "read_catalog", "has_catalog"]

CATALOG_DIR = ".dflow"


def write_catalog(
    root: str, paths: Sequence[Optional[str]], name: str = "catalog", item: Optional[int] = None
) -> str:
    """Write the catalog of ``paths`` (relative to ``root``); a slice tags entries with ``item``."""
    folder = os.path.join(root, CATALOG_DIR)
    os.makedirs(folder, exist_ok=True)
    entries = [
        {"dflow_list_item": rel, "order": position if item is None else item}
        for position, rel in enumerate(paths)
    ]
    target = os.path.join(folder, name)
    tmp = target + ".part"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"path_list": entries}, f)
    os.replace(tmp, target)
    return target


def has_catalog(root: str) -> bool:
    folder = os.path.join(root, CATALOG_DIR)
    return os.path.isdir(folder) and any(not n.endswith(".part") for n in os.listdir(folder))


def read_catalog(root: str) -> List[Optional[str]]:
    """Absolute paths of the catalog entries under ``root``, in order; None for a missing path."""
    folder = os.path.join(root, CATALOG_DIR)
    entries: List[Dict[str, Any]] = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".part"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                entries.extend(json.load(f)["path_list"])
    orders = [int(e["order"]) for e in entries]
    if entries and len(set(orders)) == len(orders) and min(orders) >= 0:
        rels: List[Optional[str]] = [None] * (max(orders) + 1)
        for order, entry in zip(orders, entries):
            rels[order] = entry.get("dflow_list_item")
    else:
        ranked = sorted(range(len(entries)), key=lambda i: (orders[i], i))
        rels = [entries[i].get("dflow_list_item") for i in ranked]
    out: List[Optional[str]] = []
    for rel in rels:
        path = None if rel is None else os.path.join(root, *rel.split("/"))
        out.append(path if path is not None and os.path.lexists(path) else None)
    return out
