"""Small file-system tools OPs and scripts need: links, moves, merges, scratch directories, md5."""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import string
import tempfile
from pathlib import Path
from typing import Callable, Iterator, Union

__all__ = [
    "TempDir",
    "copy_file",
    "force_link",
    "force_move",
    "get_md5",
    "link",
    "linktree",
    "merge_dir",
    "randstr",
    "set_directory",
    "try_link",
]

PathLike = Union[str, "os.PathLike[str]"]


def randstr(length: int = 5) -> str:
    """A random string of lower-case letters and digits (e.g. a unique suffix for a name)."""
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=length))


@contextlib.contextmanager
def set_directory(dirname: PathLike, mkdir: bool = False) -> Iterator[Path]:
    """Run the ``with`` body in ``dirname`` (created first when ``mkdir``), then go back; the
    block gets the directory's absolute path (``with set_directory(d) as path:``)."""
    previous = os.getcwd()
    path = Path(dirname).resolve()
    if mkdir:
        path.mkdir(parents=True, exist_ok=True)
    os.chdir(path)
    try:
        yield path
    finally:
        os.chdir(previous)


def get_md5(f: Union[PathLike, "os.PathLike[str]"]) -> str:
    """The md5 hex digest of the file ``f``, read in chunks."""
    digest = hashlib.md5()
    with open(f, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _remove(path: PathLike) -> None:
    if os.path.islink(path) or os.path.isfile(path):
        os.remove(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def force_move(src: PathLike, dst: PathLike) -> None:
    """Move ``src`` to ``dst``, replacing whatever is at ``dst`` (a file or a whole directory)."""
    _remove(dst)
    parent = os.path.dirname(os.path.abspath(dst))
    os.makedirs(parent, exist_ok=True)
    shutil.move(os.fspath(src), os.fspath(dst))


def merge_dir(src: PathLike, dst: PathLike, func: Callable[..., object] = force_move) -> None:
    """Merge the tree ``src`` into ``dst``: sub-directories merge, other entries are replaced by
    ``func(src_entry, dst_entry)`` (moved by default, so ``src`` is emptied)."""
    os.makedirs(dst, exist_ok=True)
    for name in os.listdir(src):
        source, target = os.path.join(src, name), os.path.join(dst, name)
        if os.path.isdir(source) and not os.path.islink(source) and os.path.isdir(target):
            merge_dir(source, target, func)
        else:
            func(source, target)
    if func is force_move:
        shutil.rmtree(src, ignore_errors=True)


def copy_file(src: PathLike, dst: PathLike, func: Callable[..., object] = shutil.copy2) -> None:
    """Copy a file or a directory tree to ``dst``, creating the parents of ``dst`` first;
    ``func(src_file, dst_file)`` does the copying of each file (e.g. ``os.link``)."""
    parent = os.path.dirname(os.path.abspath(dst))
    os.makedirs(parent, exist_ok=True)
    if os.path.isdir(src):
        shutil.copytree(src, dst, copy_function=func, dirs_exist_ok=True, symlinks=True)
    else:
        func(os.fspath(src), os.fspath(dst))


def link(src: PathLike, dst: PathLike) -> None:
    """A hard link ``dst`` to the file ``src``."""
    os.link(src, dst)


def try_link(src: PathLike, dst: PathLike) -> None:
    """A hard link when the file system allows it (same device), else a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def force_link(src: PathLike, dst: PathLike, func: Callable[..., object] = os.symlink) -> None:
    """Make ``dst`` a link to ``src`` (``func``: symbolic by default), replacing what is there."""
    _remove(dst)
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    func(os.fspath(src), os.fspath(dst))


def linktree(src: PathLike, dst: PathLike, func: Callable[..., object] = os.symlink) -> None:
    """Mirror the directories of ``src`` under ``dst`` and link every file (absolute targets)."""
    root = os.path.abspath(src)
    for dirpath, _, filenames in os.walk(root):
        target_dir = os.path.join(dst, os.path.relpath(dirpath, root))
        os.makedirs(target_dir, exist_ok=True)
        for name in filenames:
            force_link(os.path.join(dirpath, name), os.path.join(target_dir, name), func)


class TempDir(tempfile.TemporaryDirectory):  # type: ignore[type-arg]
    """A scratch directory removed when the ``with`` block (or ``cleanup()``) ends."""

    @property
    def path(self) -> Path:
        """The directory as a ``Path``."""
        return Path(self.name)
