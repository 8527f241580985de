"""tar.gz archives of files and directories, written and told apart as streams.

Archives are the layout Argo's executor uses for ``s3`` artifacts: a gzip-compressed tar. Writing
streams into any binary sink (a pipe to the store, a temporary file), with dflow's mark in the gzip
header; reading streams from the object body. Extraction, checked member by member, is in
``extract``.
"""

from __future__ import annotations

import os
import tarfile
import zlib
from typing import BinaryIO, Iterable, Tuple

from ..errors import StorageError
from .gzipstream import GzipStreamWriter
from .resolved import resolved_tree

__all__ = ["write_tar_gz", "sniff", "Peekable", "TARBALL", "GZIP", "PLAIN"]

TARBALL, GZIP, PLAIN = "tarball", "gzip", "plain"
_COPY = 4 << 20  # bytes of a file read at once while archiving


def write_tar_gz(
    sink: BinaryIO, entries: Iterable[Tuple[str, str]], compresslevel: int = 6
) -> None:
    """Write a tar.gz of ``(local_path, name_in_archive)`` entries to ``sink``.

    Directories are added recursively, empty ones included; a symbolic link is stored as the
    file or directory it names (``resolved``), so the archive holds no links.
    """
    gz = GzipStreamWriter(sink, level=compresslevel)
    # "w", not the stream mode "w|": that one re-cuts every write into 10 KiB records. Plain "w"
    # never seeks (the writer's tell() is all it asks), and file contents go in 4 MiB reads.
    with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT, copybufsize=_COPY) as tar:  # type: ignore[call-overload]
        for local_path, arcname in entries:
            if not os.path.lexists(local_path):
                raise StorageError(f"cannot archive {local_path!r}: no such file or directory")
            for entry in resolved_tree(local_path):
                name = f"{arcname}/{entry.name}" if entry.name else arcname
                tar.add(entry.real, arcname=name, recursive=False)
    gz.close()


class Peekable:
    """A read-only stream wrapper that can look at the first bytes without consuming them."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._head = b""

    def peek(self, size: int) -> bytes:
        while len(self._head) < size:
            more = self._raw.read(size - len(self._head))
            if not more:
                break
            self._head += more
        return self._head[:size]

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                data = self._head + self._raw.read()
                self._head = b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            if len(data) < size:
                data += self._raw.read(size - len(data))
            return data
        return self._raw.read(size)

    def readable(self) -> bool:
        return True


def sniff(stream: Peekable) -> str:
    """Tell a tar.gz (``TARBALL``) from another gzip (``GZIP``) or anything else (``PLAIN``)."""
    head = stream.peek(64 << 10)
    if head[:2] != b"\x1f\x8b":
        return PLAIN
    try:
        plain = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 512)
    except zlib.error:
        return PLAIN
    if len(plain) >= 262 and plain[257:262] == b"ustar":
        return TARBALL
    return GZIP
