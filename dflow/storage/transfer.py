"""Moving trees between a store and this machine: object-by-object directories, streamed tarballs.

The building blocks of ``artifacts`` and the user-level functions. Everything that lands locally
is first written into a temporary directory next to its destination and moved into place only
when complete (``place``), so a failure leaves the destination as it was.
"""

from __future__ import annotations

import os
import shutil
import threading
from typing import Iterable, List, Optional, Tuple

from ..errors import StorageError
from .archive import write_tar_gz
from .base import StorageClient
from .blockpipe import BlockPipe
from .multipart import PART_SIZE
from .resolved import resolved_tree

__all__ = ["upload_tree", "download_tree", "upload_tar_gz", "place", "safe_relative"]


def safe_relative(rel: str, what: str) -> List[str]:
    """Split a store-relative ``/`` path, refusing absolute paths and ``..`` components."""
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if rel.startswith("/") or ".." in parts:
        raise StorageError(f"refused {what} {rel!r}: it would be written outside the target")
    return parts


def upload_tree(client: StorageClient, local_dir: str, key: str) -> None:
    """Store a directory as one object per file under ``key/``; empty directories get markers.

    Links are stored as what they name (``resolved``), as in a tar.gz artifact."""
    base = key.rstrip("/")
    entries = list(resolved_tree(local_dir))
    parents = {e.name.rpartition("/")[0] for e in entries if e.name}
    for entry in entries:
        head = f"{base}/{entry.name}" if entry.name else base
        if not entry.is_dir:
            client.upload(head, entry.real)
        elif entry.name not in parents:
            client.upload_stream(f"{head}/", _Empty())  # type: ignore[arg-type]


class _Empty:
    """An empty readable stream (the body of a directory marker)."""

    def read(self, size: int = -1) -> bytes:
        return b""


def download_tree(client: StorageClient, key: str, local_dir: str) -> bool:
    """Fetch every object under ``key/`` into ``local_dir``; False when there is none."""
    prefix = key.rstrip("/") + "/"
    keys = client.list(prefix, recursive=True)
    if not keys:
        return False
    os.makedirs(local_dir, exist_ok=True)
    for item in keys:
        parts = safe_relative(item[len(prefix) :], "object key")
        target = os.path.join(local_dir, *parts)
        if item.endswith("/"):
            os.makedirs(target, exist_ok=True)
            continue
        if not parts:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        client.download(item, target)
    return True


def upload_tar_gz(
    client: StorageClient, entries: Iterable[Tuple[str, str]], key: str, compresslevel: int = 6
) -> None:
    """Stream a tar.gz of ``(local_path, name)`` entries to ``key`` without a temporary file.

    A thread archives into a ``BlockPipe`` in blocks of one upload part while the client uploads;
    an archiving error reaches the uploader in place of the end of the stream, so it fails too.
    """
    entries = list(entries)
    pipe = BlockPipe(PART_SIZE)

    def produce() -> None:
        try:
            write_tar_gz(pipe, entries, compresslevel)  # type: ignore[arg-type]
            pipe.finish()
        except BrokenPipeError:
            pass  # the uploader gave up; its error is the one reported
        except BaseException as exc:
            error = StorageError(f"archiving for {client.describe(key)} failed: {exc}")
            error.__cause__ = exc
            pipe.finish(error)

    thread = threading.Thread(target=produce, name="dflow-tar", daemon=True)
    thread.start()
    try:
        client.upload_stream(key, pipe)  # type: ignore[arg-type]
    finally:
        pipe.close()
        thread.join()


def place(source: str, target: str) -> None:
    """Move ``source`` to ``target``, merging directories into an existing one, replacing files."""
    if os.path.isdir(source) and not os.path.islink(source) and os.path.isdir(target):
        for name in os.listdir(source):
            place(os.path.join(source, name), os.path.join(target, name))
        os.rmdir(source)
        return
    if os.path.lexists(target):
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        else:
            os.remove(target)
    parent = os.path.dirname(target)
    if parent:
        os.makedirs(parent, exist_ok=True)
    os.replace(source, target)


def single_top(directory: str) -> Optional[str]:
    """The only entry of ``directory`` if it has exactly one, else None."""
    names = os.listdir(directory)
    return os.path.join(directory, names[0]) if len(names) == 1 else None
