"""Artifacts inside the container: what an OP gets for an input, how its outputs are laid out.

An output artifact is always a directory ``<root>/outputs/artifacts/<key>`` holding the returned
paths at their relative locations (relative to the working directory; an absolute path outside it
is kept whole) plus a catalog, so the next OP gets the same file names, lists and order back.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any, List, Optional

from ...errors import StorageError
from ...nested import expand
from ...storage.catalog import (
    CATALOG_DIR,
    has_catalog,
    keyed,
    load_catalogs,
    merge,
    write_catalog,
)
from ...storage.resolved import resolved_tree
from ..artifact_types import flatten_paths
from ..errors import FatalError
from ..signs import Artifact

__all__ = ["load_input", "relative_location", "stage_output"]


def load_input(path: str, sign: Artifact) -> Any:
    """The value an OP gets for an input artifact downloaded to ``path``."""
    if not os.path.lexists(path):
        return None
    catalogs = load_catalogs(path) if os.path.isdir(path) and has_catalog(path) else []
    if sign.may_be_hdf5:
        files = [path] if os.path.isfile(path) else [p for p in _listed(path, catalogs) if p]
        if sign.shape == "hdf5" or (files and all(f.endswith(".h5") for f in files)):
            from .hdf5 import read_hdf5

            return read_hdf5(files)
    as_path = sign.path_type is Path
    if sign.shape in ("dict", "nested"):
        by_key = keyed(catalogs) if catalogs else None
        if by_key is None and catalogs and sign.shape == "nested":
            # a list upload given to ``NestedDict``: a nested value may be a list, so it is one
            return [None if p is None else _typed(p, as_path) for p in _listed(path, catalogs)]
        if by_key is None:  # a plain upload (or a list): its entries by name
            names = sorted(os.listdir(path)) if os.path.isdir(path) else [os.path.basename(path)]
            root = path if os.path.isdir(path) else os.path.dirname(path)
            by_key = {n: n for n in names if n != CATALOG_DIR}
        else:
            root = path
        full = {
            k: None if rel is None else _typed(os.path.join(root, *rel.split("/")), as_path)
            for k, rel in by_key.items()
        }
        return expand(full)
    items: List[Optional[str]] = _listed(path, catalogs) if catalogs else [path]
    values = [None if p is None else (Path(p) if as_path else p) for p in items]
    if sign.shape == "single":
        if len(values) == 1:
            return values[0]
        return Path(path) if as_path else path
    if sign.shape == "set":
        return {v for v in values if v is not None}
    return values


def _listed(path: str, catalogs: List[Any]) -> List[Optional[str]]:
    """The catalog's paths under ``path``, in order (None for a missing one)."""
    out: List[Optional[str]] = []
    for item in merge(catalogs):
        full = None if item is None else os.path.join(path, *item.split("/"))
        out.append(full if full is not None and os.path.lexists(full) else None)
    return out


def _typed(path: str, as_path: bool) -> Any:
    return Path(path) if as_path else path


def relative_location(path: str, root: Optional[str] = None) -> str:
    """Where a returned path goes inside the artifact: a path inside an input artifact under
    ``root`` keeps its place in that artifact (``<root>/inputs/artifacts/d/a/b`` goes to ``a/b``,
    as in the original); else it is relative to the cwd, or kept whole."""
    absolute = os.path.abspath(path)
    if root is not None:
        inputs = os.path.join(os.path.abspath(root), "inputs", "artifacts") + os.sep
        if absolute.startswith(inputs):
            inside = absolute[len(inputs) :].split(os.sep, 1)
            return inside[1] if len(inside) == 2 and inside[1] else inside[0]
    cwd = os.getcwd()
    if absolute == cwd:
        return os.path.basename(cwd) or "root"
    if absolute.startswith(cwd + os.sep):
        return os.path.relpath(absolute, cwd)
    return absolute.lstrip(os.sep)


def _catalog_name(item: Optional[int]) -> str:
    """The catalog file of one output: per item in a stack, and one of its own when the stack is
    shared by every run of the step (``$DFLOW_SHARED_STACK``), so that none replaces another."""
    if item is None:
        return "catalog"
    if os.environ.get("DFLOW_SHARED_STACK"):
        return f"item-{item:06d}-{uuid.uuid4().hex[:12]}"
    return f"item-{item:06d}"


def stage_output(
    op: str,
    key: str,
    value: Any,
    sign: Artifact,
    staging: str,
    item: Optional[int] = None,
    slice_dir: bool = True,
    root: Optional[str] = None,
) -> str:
    """Lay out an output artifact under ``staging`` (a fresh directory) and return it.
    An ``item``'s files go under ``<item>/`` with ``slice_dir``, else at their own paths
    (see ``relative_location``; ``root`` is where the step's inputs are).
    A None value, or a single path that does not exist, is an artifact the next step reads as
    None (the step still succeeds, as in the original)."""
    name = _catalog_name(item)
    os.makedirs(staging, exist_ok=True)
    if value is None:
        write_catalog(staging, [None] if sign.shape == "single" else [], name=name, item=item)
        return staging
    if sign.may_be_hdf5 and (sign.shape == "hdf5" or not _paths_shaped(value, sign)):
        from .hdf5 import write_hdf5

        write_catalog(staging, [write_hdf5(value, staging)], name=name, item=item)
        return staging
    keys: Optional[List[str]] = None
    if sign.shape in ("dict", "nested"):
        flat = flatten_paths(value)
        keys, paths = list(flat), list(flat.values())
    else:
        paths = [value] if sign.shape == "single" else list(value)
    prefix = "" if item is None or not slice_dir else f"{item}/"
    recorded: List[Optional[str]] = []
    for p in paths:
        if p is None:
            recorded.append(None)  # a missing path keeps its place in a list or dict
            continue
        if not os.path.exists(p):  # a link that names nothing is a missing path too
            print(
                f"dflow: OP {op}: output artifact {key!r}: path {os.fspath(p)!r} does not "
                "exist; the next step gets None in its place",
                file=sys.stderr,
            )
            recorded.append(None)
            continue
        rel = prefix + relative_location(os.fspath(p), root)
        recorded.append(rel)
        try:
            _place(os.fspath(p), os.path.join(staging, rel))
        except StorageError as exc:
            raise FatalError(f"OP {op}: output artifact {key!r}: {exc}") from None
    if keys is not None:
        write_catalog(staging, recorded, name=name, keys=keys)
    else:
        write_catalog(staging, recorded, name=name, item=item)
    return staging


def _paths_shaped(value: Any, sign: Artifact) -> bool:
    """Whether an output of a ``Union[..., HDF5Datasets]`` sign is given as paths."""
    if sign.shape == "single":
        return isinstance(value, (str, os.PathLike))
    if sign.shape in ("dict", "nested"):
        if not isinstance(value, (dict, list)):
            return False
        leaves: List[Any] = list(flatten_paths(value).values())
    elif isinstance(value, (list, set, tuple, frozenset)):
        leaves = list(value)
    else:
        return False
    return all(v is None or isinstance(v, (str, os.PathLike)) for v in leaves)


def _place(src: str, dst: str) -> None:
    """Hard-link (or copy, across file systems) ``src`` to ``dst``, keeping empty directories.

    Links are followed (the output holds what they name), as the original lays outputs out."""
    for entry in resolved_tree(src):
        target = os.path.join(dst, *entry.name.split("/")) if entry.name else dst
        if entry.is_dir:
            os.makedirs(target, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
            _link_or_copy(entry.real, target)


def _link_or_copy(src: str, dst: str) -> None:
    if os.path.lexists(dst):
        os.remove(dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
