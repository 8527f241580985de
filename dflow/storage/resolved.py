"""A file tree read through its symbolic links, as dflow stores it: links become what they name.

An artifact holds the content its paths show, as the original dflow stores it: a link to a file
is stored as that file, a link to a directory as that directory. So nothing dflow packs holds a
link, and extraction (which refuses links out of the destination) never meets one of ours. A link
that names nothing has no content and is left out (with a warning); a directory that contains
itself through a link is an error naming it.
"""

from __future__ import annotations

import logging
import os
import stat
from typing import Iterator, NamedTuple, Optional, Set

from ..errors import StorageError

__all__ = ["Entry", "resolved_tree"]

_log = logging.getLogger("dflow")


class Entry(NamedTuple):
    """One entry of a resolved tree: its ``/``-separated name under the top (``""`` for the top
    itself), the real path holding its content, and whether that is a directory."""

    name: str
    real: str
    is_dir: bool


def resolved_tree(path: str) -> Iterator[Entry]:
    """Every entry of ``path`` (a file or a directory, maybe a link), parents before children,
    names sorted, each link replaced by what it names; nothing when ``path`` names nothing."""
    top = _resolve(path, path)
    if top is not None:
        yield from _walk(path, top, "", set())


def _resolve(shown: str, path: str) -> Optional[str]:
    """The real path of ``path`` (``shown`` names it in messages); None when it names nothing."""
    real = os.path.realpath(path)
    if os.path.exists(real):
        return real
    target = os.readlink(path) if os.path.islink(path) else path
    _log.warning("not stored: %r links to %r, which does not exist", shown, target)
    return None


def _walk(shown: str, real: str, name: str, ancestors: Set[str]) -> Iterator[Entry]:
    if not stat.S_ISDIR(os.stat(real).st_mode):
        yield Entry(name, real, False)
        return
    if real in ancestors:
        raise StorageError(
            f"cannot store {shown!r}: it links to {real!r}, a directory that contains it"
        )
    yield Entry(name, real, True)
    inner = ancestors | {real}
    for child in sorted(os.listdir(real)):
        child_shown, child_path = os.path.join(shown, child), os.path.join(real, child)
        child_real = _resolve(child_shown, child_path) if os.path.islink(child_path) else child_path
        if child_real is not None:
            yield from _walk(child_shown, child_real, f"{name}/{child}" if name else child, inner)
