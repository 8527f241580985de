"""Small path helpers of an OP's container: absolute paths, slice lookups, empty directories."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NoReturn

__all__ = [
    "absolutize",
    "absolutize_hdf5",
    "get_slices",
    "handle_empty_dir",
    "path_or_none",
    "sigalrm_handler",
    "slice_to_dir",
]

EMPTY_DIR_MARK = ".empty_dir"


def absolutize(path: Any) -> Any:
    """``path`` made absolute (a str stays a str, a ``Path`` a ``Path``), in lists and dicts."""
    if isinstance(path, str):
        return os.path.abspath(path)
    if isinstance(path, Path):
        return path.absolute()
    if isinstance(path, list):
        return [absolutize(p) for p in path]
    if isinstance(path, dict):
        return {k: absolutize(p) for k, p in path.items()}
    return path


def absolutize_hdf5(obj: Any) -> Any:
    """An HDF5 output made absolute: a ``Path``, or the paths in a list or dict; a string stays."""
    return obj if isinstance(obj, str) else absolutize(obj)


def path_or_none(p: Any) -> Any:
    """``p`` as ``Path`` objects, through lists and dicts; ``None`` stays ``None``."""
    if p is None:
        return None
    if isinstance(p, list):
        return [path_or_none(i) for i in p]
    if isinstance(p, dict):
        return {k: path_or_none(v) for k, v in p.items()}
    return Path(p)


def slice_to_dir(slice: Any) -> str:
    """The directory of a slice: ``"1.2"`` (item 2 of item 1) is ``"1/2"``."""
    return str(slice).replace(".", "/")


def get_slices(path_object: Any, slices: Any) -> Any:
    """The part of ``path_object`` a slice names: an index, a dotted path ``"a.0"`` or a list."""
    if slices is None:
        return path_object
    if isinstance(slices, list):
        return [get_slices(path_object, s) for s in slices]
    if isinstance(slices, int):
        return path_object[slices]
    part = path_object
    for key in str(slices).split("."):
        part = part[int(key)] if isinstance(part, list) else part[key]
    return part


def handle_empty_dir(path: str) -> None:
    """Put a ``.empty_dir`` file in each empty directory under ``path``: object stores keep no
    empty directories, so the marker keeps them."""
    for dirpath, dirs, files in os.walk(path, followlinks=True):
        if not dirs and not files:
            Path(dirpath, EMPTY_DIR_MARK).touch()


def sigalrm_handler(signum: int, frame: Any) -> NoReturn:
    """A ``SIGALRM`` handler that ends the running code with ``TimeoutError``."""
    raise TimeoutError("Timeout")
