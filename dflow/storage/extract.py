"""Extracting a tar(.gz) stream member by member, each member checked against the real destination.

``tarfile``'s ``data`` filter is not relied on: the Python releases many users run resolve links
with ``os.path.realpath``, which gives up past PATH_MAX, so a crafted chain of links can point out
of the destination. Here nothing is ever written through a link:

* names are relative, without ``..``; every parent of a member is a real directory (``lstat``);
* a symbolic link is relative, may climb (``..``) only at its start and not above the destination,
  so whatever links it passes through, it resolves inside;
* a hard link names a regular file extracted before it; devices, FIFOs and other types are refused;
* a member never replaces a directory; a file or link it replaces is unlinked, never followed.

``ArchiveLimits`` bounds the number of entries, the bytes written and the expansion ratio. On an
error the destination holds partial output: callers extract into a temporary directory and remove
it, so nothing is half-written where the user looks.
"""

from __future__ import annotations

import gzip
import os
import stat
import tarfile
import zlib
from dataclasses import dataclass
from typing import Any, BinaryIO, List, Mapping, Optional, Set, Tuple

from ..errors import StorageError

__all__ = ["ArchiveLimits", "extract_tar", "gunzip_to"]

_CHUNK = 256 << 10  # big enough to amortize Python, small enough to stay in cache
_RAW_CHUNK = 256 << 10


@dataclass(frozen=True)
class ArchiveLimits:
    """How large an archive may grow when unpacked; ``config`` keys of the same names set them."""

    #: Most members (files, directories, links) one archive may hold: ``archive_max_entries``.
    max_entries: int = 50_000
    #: Most bytes all its files may hold together once unpacked: ``archive_max_bytes``.
    max_bytes: int = 64 << 30
    #: Most unpacked bytes per stored byte: ``archive_max_ratio``; checked past ``ratio_floor``.
    max_ratio: float = 200.0
    #: Unpacked bytes below which the ratio is not checked (small, very regular archives are fine).
    ratio_floor: int = 64 << 20

    @classmethod
    def from_config(cls, settings: Mapping[str, Any]) -> ArchiveLimits:
        """The limits set in ``settings`` (``dflow.config.config``), defaults for the rest."""
        given = {
            "max_entries": settings.get("archive_max_entries"),
            "max_bytes": settings.get("archive_max_bytes"),
            "max_ratio": settings.get("archive_max_ratio"),
        }
        return cls(**{k: v for k, v in given.items() if v is not None})


class _Counting:
    """A read-only stream that counts the bytes read from it (the stored, compressed size)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.count += len(data)
        return data


class _Gunzip:
    """A gzip stream decompressed as it is read, never more than asked for at a time.

    ``tarfile``'s own stream mode inflates a whole input buffer at once, a gigabyte for one
    megabyte of zeros; here every read is bounded, so the limits act before memory runs out.
    Concatenated gzip members are read one after the other, as ``gzip`` does.
    """

    def __init__(self, raw: _Counting, head: bytes = b"") -> None:
        self._raw = raw
        self._head = head
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._ended = False

    def _input(self) -> bytes:
        head, self._head = self._head, b""
        return head or self._raw.read(_RAW_CHUNK)

    def read(self, size: int = -1) -> bytes:
        want = size if size is not None and size > 0 else _CHUNK
        chunks: List[bytes] = []
        got = 0
        while got < want and not self._ended:
            data = self._inflate.unconsumed_tail
            if not data and self._inflate.eof:
                data = self._inflate.unused_data or self._input()
                if data[:2] != b"\x1f\x8b":  # the end, or padding after the last member
                    self._ended = True
                    break
                self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            elif not data:
                data = self._input()
                if not data:
                    raise EOFError("the compressed data ends before the archive does")
            out = self._inflate.decompress(data, want - got)
            chunks.append(out)
            got += len(out)
        return b"".join(chunks)


class _Prefixed:
    """A stream whose first bytes, already read to look at them, are given back first."""

    def __init__(self, head: bytes, raw: _Counting) -> None:
        self._head = head
        self._raw = raw

    def read(self, size: int = -1) -> bytes:
        head, self._head = self._head, b""
        if size is not None and 0 <= size <= len(head):
            head, self._head = head[:size], head[size:]
            return head
        return head + self._raw.read(size - len(head) if size is not None and size >= 0 else -1)


class _Refused(Exception):
    """A member that may not be extracted, and why."""


def extract_tar(
    stream: BinaryIO, dest_dir: str, what: str, limits: Optional[ArchiveLimits] = None
) -> None:
    """Extract the (optionally gzip-compressed) tar read from ``stream`` into ``dest_dir``.

    ``what`` names the archive in errors (its key and store). Raises ``StorageError`` naming the
    member at fault or the limit crossed; ``dest_dir`` may then hold partial output.
    """
    counted = _Counting(stream)
    extractor = _Extractor(os.path.abspath(dest_dir), what, limits or ArchiveLimits(), counted)
    member: Optional[tarfile.TarInfo] = None
    try:
        head = counted.read(2)
        source = _Gunzip(counted, head) if head == b"\x1f\x8b" else _Prefixed(head, counted)
        with tarfile.open(fileobj=source, mode="r|", bufsize=_CHUNK) as tar:  # type: ignore[call-overload]
            for member in tar:
                extractor.add(tar, member)
        extractor.finish()
    except _Refused as exc:
        name = _short(member.name) if member is not None else "?"
        raise StorageError(f"refused to extract member {name!r} of {what}: {exc}") from None
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise StorageError(f"{what} is not a readable tar.gz archive: {exc}") from exc
    except OSError as exc:
        name = f"member {_short(member.name)!r} of " if member is not None else ""
        reason = exc.strerror or str(exc)  # without the (maybe very long) path
        raise StorageError(f"cannot extract {name}{what} into {dest_dir!r}: {reason}") from exc


def _short(name: str) -> str:
    """A member name for a message: whole unless very long, then its two ends."""
    return name if len(name) <= 160 else f"{name[:100]}...{name[-50:]}"


def gunzip_to(
    stream: BinaryIO, dest_file: str, what: str, limits: Optional[ArchiveLimits] = None
) -> None:
    """Decompress a plain gzip stream (not a tar) into ``dest_file``, within the byte limits."""
    counted = _Counting(stream)
    extractor = _Extractor(os.path.dirname(dest_file), what, limits or ArchiveLimits(), counted)
    try:
        with gzip.GzipFile(fileobj=counted, mode="rb") as source:  # type: ignore[call-overload]
            with open(dest_file, "wb") as sink:
                extractor.copy(source, sink)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise StorageError(f"{what} is not a readable gzip file: {exc}") from exc
    except OSError as exc:
        raise StorageError(f"cannot decompress {what} into {dest_file!r}: {exc}") from exc


def _name_parts(name: str) -> List[str]:
    """The components of a member name, refusing absolute names and ``..``."""
    if "\x00" in name:
        raise _Refused("its name holds a NUL byte")
    if name.startswith(("/", "\\")) or os.path.isabs(name):
        raise _Refused("its name is absolute")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise _Refused("its name has a '..' component and would leave the target")
    return parts


def _check_symlink(parent: List[str], target: str) -> None:
    """Refuse a link target that is absolute, climbs after descending, or climbs out."""
    if not target or "\x00" in target:
        raise _Refused("its link target is empty or holds a NUL byte")
    if target.startswith(("/", "\\")) or os.path.isabs(target):
        raise _Refused(f"it links to the absolute path {target!r}")
    climbs, descended = 0, False
    for part in target.split("/"):
        if part in ("", "."):
            continue
        if part != "..":
            descended = True
        elif descended:
            raise _Refused(f"its link target {_short(target)!r} climbs ('..') after a name")
        else:
            climbs += 1
    if climbs > len(parent):
        raise _Refused(f"it links to {_short(target)!r}, outside the target")


def _set_time(path: str, mtime: float) -> None:
    """Give ``path`` the member's modification time, when it is one the system can hold."""
    try:
        os.utime(path, (mtime, mtime), follow_symlinks=False)
    except (OverflowError, ValueError):
        pass


class _Extractor:
    """The state of one extraction: verified directories, counters, directory times."""

    def __init__(self, dest: str, what: str, limits: ArchiveLimits, counted: _Counting) -> None:
        self.dest = dest
        self.what = what
        self.limits = limits
        self.counted = counted
        self.entries = 0
        self.written = 0
        self.real_dirs: Set[Tuple[str, ...]] = {()}
        self.dir_times: List[Tuple[str, float]] = []

    def add(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        self.entries += 1
        if self.entries > self.limits.max_entries:
            self._over(f"more than {self.limits.max_entries} entries", "archive_max_entries")
        parts = _name_parts(member.name)
        if not parts:  # "./": the destination itself
            if member.isdir():
                return
            raise _Refused("it would replace the target directory")
        if member.isdir():
            path = self._directory(parts, create=True)
            self.dir_times.append((path, member.mtime))
        elif member.isreg():
            if self.written + member.size > self.limits.max_bytes:
                self._over(f"more than {self.limits.max_bytes} bytes", "archive_max_bytes")
            path = self._replaceable(parts)
            self._write_file(tar, member, path)
        elif member.issym():
            _check_symlink(parts[:-1], member.linkname)
            os.symlink(member.linkname, self._replaceable(parts))
        elif member.islnk():
            source = self._existing_file(_name_parts(member.linkname), member.linkname)
            os.link(source, self._replaceable(parts), follow_symlinks=False)
        else:
            raise _Refused("it is a device, FIFO or other special file")

    def finish(self) -> None:
        """Set directory times last (extracting into a directory changes its time)."""
        for path, mtime in reversed(self.dir_times):
            _set_time(path, mtime)

    def _over(self, what: str, key: str) -> None:
        raise StorageError(
            f"{self.what} unpacks to {what}; refused (raise config[{key!r}] if it is expected)"
        )

    def _directory(self, parts: List[str], create: bool) -> str:
        """The real directory ``parts`` under the destination, made when missing and asked to."""
        path = self.dest
        for depth in range(1, len(parts) + 1):
            path = os.path.join(path, parts[depth - 1])
            key = tuple(parts[:depth])
            if key in self.real_dirs:
                continue
            try:
                mode = os.lstat(path).st_mode
            except FileNotFoundError:
                if not create:
                    raise _Refused(f"{'/'.join(key)!r} does not exist") from None
                os.mkdir(path)
                self.real_dirs.add(key)
                continue
            if not stat.S_ISDIR(mode):
                where = _short("/".join(key))
                raise _Refused(f"{where!r} in its path is a link or a file, not a directory")
            self.real_dirs.add(key)
        return path

    def _replaceable(self, parts: List[str]) -> str:
        """The path of a new file or link: parents real directories; an old file or link removed."""
        path = os.path.join(self._directory(parts[:-1], create=True), parts[-1])
        if tuple(parts) in self.real_dirs:
            raise _Refused("it would replace a directory")
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return path
        if stat.S_ISDIR(mode):
            raise _Refused("it would replace a directory")
        os.unlink(path)
        return path

    def _existing_file(self, parts: List[str], name: str) -> str:
        """The regular file a hard link names: extracted before, through real directories."""
        if not parts:
            raise _Refused("its hard link names the target directory")
        path = os.path.join(self._directory(parts[:-1], create=False), parts[-1])
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            raise _Refused(f"its hard link names {name!r}, which is not extracted") from None
        if not stat.S_ISREG(mode):
            raise _Refused(f"its hard link names {name!r}, which is not a regular file")
        return path

    def _write_file(self, tar: tarfile.TarFile, member: tarfile.TarInfo, path: str) -> None:
        source = tar.extractfile(member)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, 0o600)
        with os.fdopen(fd, "wb") as sink:
            if source is not None:
                self.copy(source, sink)
            mode = (member.mode & 0o755) | 0o600
            if not mode & 0o100:  # others may not run what its owner may not
                mode &= ~0o011
            os.fchmod(sink.fileno(), mode)
        _set_time(path, member.mtime)

    def copy(self, source: Any, sink: BinaryIO) -> None:
        """Copy ``source`` into ``sink`` while the bytes written stay within the limits."""
        while True:
            data = source.read(_CHUNK)
            if not data:
                return
            sink.write(data)
            self.written += len(data)
            self._check_ratio()

    def _check_ratio(self) -> None:
        limits = self.limits
        if self.written > limits.max_bytes:
            self._over(f"more than {limits.max_bytes} bytes", "archive_max_bytes")
        if self.written > limits.ratio_floor and self.written > limits.max_ratio * max(
            self.counted.count, 1
        ):
            self._over(
                f"{self.written} bytes from {self.counted.count} stored bytes, more than "
                f"{limits.max_ratio:g} times as many",
                "archive_max_ratio",
            )
