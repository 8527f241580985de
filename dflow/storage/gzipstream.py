"""A streaming gzip writer that stores incompressible chunks instead of compressing them.

The output is one ordinary gzip member (RFC 1952), readable by any gzip reader, Argo's executor
included. Input is cut into fixed-size chunks, each deflated by a fresh compressor and ended with a
sync flush, so the chunks concatenate into one valid deflate stream. A small probe of each chunk
decides its level: data that does not shrink (already compressed, random, binary floats) is stored
at level 0, which runs at memory speed, while text and sparse data get the requested level. This
keeps uploading a large incompressible file close to the speed of the network.

The header carries the comment ``dflow-archive`` (RFC 1952's FCOMMENT): the mark of an archive
dflow wrote, so that dflow never unpacks a user's own ``.tgz`` taken for one of its own. Gzip
readers skip comments (an extra field would do as well, but ``tarfile``'s stream mode misreads it).
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO, List

__all__ = ["GzipStreamWriter", "DFLOW_MARK", "has_dflow_mark"]

_CHUNK = 4 << 20
_PROBE = 64 << 10
_WORTH_IT = 0.95  # a probe must shrink below this ratio for its chunk to be compressed
_FCOMMENT = 0x10
#: The gzip header comment of dflow's archives, with its terminating NUL.
DFLOW_MARK = b"dflow-archive\x00"


class GzipStreamWriter:
    """File-like sink: bytes written here go gzip-compressed to ``out`` (never seeked)."""

    def __init__(self, out: BinaryIO, level: int = 6, adaptive: bool = True) -> None:
        if not 0 <= level <= 9:
            raise ValueError(f"gzip compression level must be 0-9, got {level}")
        self._out = out
        self._level = level
        self._adaptive = adaptive
        self._pending: List[bytes] = []
        self._pending_size = 0
        self._crc = 0
        self._size = 0
        self._closed = False
        # magic, deflate, a comment, mtime 0, no extra flags, OS unknown, the comment
        header = b"\x1f\x8b\x08" + bytes([_FCOMMENT]) + struct.pack("<I", 0) + b"\x00\xff"
        out.write(header + DFLOW_MARK)

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        if self._closed:
            raise ValueError("write to a closed GzipStreamWriter")
        size = len(data)
        if not size:
            return 0
        data = bytes(data)
        self._crc = zlib.crc32(data, self._crc)
        self._size += size
        self._pending.append(data)
        self._pending_size += size
        if self._pending_size >= _CHUNK:
            joined = b"".join(self._pending)
            cut = len(joined) - len(joined) % _CHUNK
            for start in range(0, cut, _CHUNK):
                self._emit(joined[start : start + _CHUNK], final=False)
            rest = joined[cut:]
            self._pending = [rest] if rest else []
            self._pending_size = len(rest)
        return size

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        """Write the last chunk and the gzip trailer; ``out`` itself stays open."""
        if self._closed:
            return
        self._emit(b"".join(self._pending), final=True)
        self._pending = []
        self._out.write(struct.pack("<II", self._crc & 0xFFFFFFFF, self._size & 0xFFFFFFFF))
        self._out.flush()
        self._closed = True

    def _emit(self, chunk: bytes, final: bool) -> None:
        level = self._level
        if self._adaptive and level and len(chunk) >= _PROBE and not _shrinks(chunk[:_PROBE]):
            level = 0
        compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
        self._out.write(compressor.compress(chunk))
        self._out.write(compressor.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH))


def _shrinks(sample: bytes) -> bool:
    """Whether a fast deflate of ``sample`` saves enough to be worth compressing its chunk."""
    compressed = zlib.compress(sample, 1)
    return len(compressed) < _WORTH_IT * len(sample)


def has_dflow_mark(head: bytes) -> bool:
    """Whether the gzip header at the start of ``head`` is the one dflow writes (its comment)."""
    return head[:4] == b"\x1f\x8b\x08" + bytes([_FCOMMENT]) and head[10:24] == DFLOW_MARK
