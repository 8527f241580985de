"""Artifacts inside the container: what an OP gets for an input, how its outputs are laid out.

An output artifact is always a directory ``<root>/outputs/artifacts/<key>`` holding the returned
paths at their relative locations (relative to the working directory; an absolute path outside it
is kept whole) plus a catalog, so the next OP gets the same file names, lists and order back.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, List, Optional, Set

from ...storage.catalog import has_catalog, read_catalog, write_catalog
from ..errors import FatalError
from ..signs import Artifact

__all__ = ["load_input", "relative_location", "stage_output"]


def load_input(path: str, sign: Artifact) -> Any:
    """The value an OP gets for an input artifact downloaded to ``path``."""
    if not os.path.lexists(path):
        return None
    if os.path.isdir(path) and has_catalog(path):
        items: List[Optional[str]] = read_catalog(path)
    else:
        items = [path]
    as_path = sign.type in (Path, List[Path], Set[Path])
    values = [None if p is None else (Path(p) if as_path else p) for p in items]
    if sign.shape == "single":
        if len(values) == 1:
            return values[0]
        return Path(path) if as_path else path
    if sign.shape == "set":
        return {v for v in values if v is not None}
    return values


def relative_location(path: str) -> str:
    """Where a returned path goes inside the artifact: relative to the cwd, or kept whole."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if absolute == cwd:
        return os.path.basename(cwd) or "root"
    if absolute.startswith(cwd + os.sep):
        return os.path.relpath(absolute, cwd)
    return absolute.lstrip(os.sep)


def stage_output(
    op: str, key: str, value: Any, sign: Artifact, staging: str, item: Optional[int] = None
) -> Optional[str]:
    """Lay out an output artifact under ``staging`` (a fresh directory); None when absent."""
    if value is None:
        return None
    paths = [value] if sign.shape == "single" else list(value)
    os.makedirs(staging, exist_ok=True)
    prefix = "" if item is None else f"{item}/"
    recorded: List[str] = []
    for p in paths:
        if p is None:
            continue
        rel = prefix + relative_location(os.fspath(p))
        recorded.append(rel)
        if os.path.lexists(p):
            _place(os.fspath(p), os.path.join(staging, rel))
        elif sign.shape == "single":
            raise FatalError(
                f"OP {op}: output artifact {key!r}: path {os.fspath(p)!r} does not exist"
            )
    name = "catalog" if item is None else f"item-{item:06d}"
    write_catalog(staging, recorded, name=name, item=item)
    return staging


def _place(src: str, dst: str) -> None:
    """Hard-link (or copy, across file systems) ``src`` to ``dst``, keeping empty directories."""
    os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
    if os.path.isdir(src) and not os.path.islink(src):
        shutil.copytree(src, dst, copy_function=_link_or_copy, symlinks=True, dirs_exist_ok=True)
    else:
        _link_or_copy(src, dst)


def _link_or_copy(src: str, dst: str) -> None:
    if os.path.lexists(dst):
        os.remove(dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
