"""tar.gz archives of files and directories, written and read as streams, extracted safely.

Archives are the layout Argo's executor uses for ``s3`` artifacts: a gzip-compressed tar. Writing
streams into any binary sink (a pipe to the store, a temporary file); reading streams from the
object body. Extraction uses ``tarfile``'s ``data`` filter, so absolute names, ``..`` components,
links that leave the target and device files are refused with an error naming the member.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tarfile
import zlib
from typing import BinaryIO, Iterable, Tuple

from ..errors import StorageError
from .gzipstream import GzipStreamWriter

__all__ = ["write_tar_gz", "extract_tar", "sniff", "Peekable", "TARBALL", "GZIP", "PLAIN"]

TARBALL, GZIP, PLAIN = "tarball", "gzip", "plain"
_COPY_BUFFER = 1 << 20


def write_tar_gz(
    sink: BinaryIO, entries: Iterable[Tuple[str, str]], compresslevel: int = 6
) -> None:
    """Write a tar.gz of ``(local_path, name_in_archive)`` entries to ``sink``.

    Directories are added recursively, empty ones included; symlinks are kept as links.
    """
    gz = GzipStreamWriter(sink, level=compresslevel)
    with tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
        for local_path, arcname in entries:
            if not os.path.lexists(local_path):
                raise StorageError(f"cannot archive {local_path!r}: no such file or directory")
            tar.add(local_path, arcname=arcname, recursive=True)
    gz.close()


def extract_tar(stream: BinaryIO, dest_dir: str, what: str) -> None:
    """Extract the (optionally gzip-compressed) tar read from ``stream`` into ``dest_dir``.

    ``what`` names the archive in errors. On a refused member the caller's ``dest_dir`` may hold
    partial output: callers extract into a temporary directory and discard it on error.
    """
    if not hasattr(tarfile, "data_filter"):
        raise StorageError("safe extraction needs a Python with tarfile extraction filters")
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as tar:  # type: ignore[call-overload]
            tar.extractall(dest_dir, filter=_strict_filter)
    except tarfile.FilterError as exc:
        member = exc.tarinfo.name if exc.tarinfo is not None else "?"
        raise StorageError(f"refused to extract member {member!r} of {what}: {exc}") from None
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        if isinstance(exc, (PermissionError, FileNotFoundError)):
            raise
        raise StorageError(f"{what} is not a readable tar.gz archive: {exc}") from exc


def _strict_filter(member: tarfile.TarInfo, dest_path: str) -> tarfile.TarInfo | None:
    """``tarfile``'s data filter, refusing absolute names instead of stripping their ``/``."""
    if member.name.startswith(("/", "\\")) or os.path.isabs(member.name):
        raise tarfile.AbsolutePathError(member)
    return tarfile.data_filter(member, dest_path)


def gunzip_to(stream: BinaryIO, dest_file: str) -> None:
    """Decompress a plain gzip stream (not a tar) into ``dest_file``."""
    with gzip.GzipFile(fileobj=stream, mode="rb") as src, open(dest_file, "wb") as dst:
        shutil.copyfileobj(src, dst, _COPY_BUFFER)


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
