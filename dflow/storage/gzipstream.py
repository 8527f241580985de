"""A streaming gzip writer that stores incompressible chunks instead of compressing them.

The output is one ordinary gzip member (RFC 1952), readable by any gzip reader, Argo's executor
included. Input is taken in chunks of about 4 MiB; within a chunk, each run of writes is either
deflated by a fresh compressor ended with a sync flush or written as deflate's stored blocks, so
the runs concatenate into one valid deflate stream. A small probe of each write (tarfile writes a
file's content 4 MiB at a time) decides: data that does not shrink (already compressed, random,
binary floats) is stored, a 5-byte header per 64 KiB with the bytes passed on uncopied, while
text and sparse data get the requested level. This keeps uploading a large incompressible
file close to the speed of the network.

The header carries the comment ``dflow-archive`` (RFC 1952's FCOMMENT): the mark of an archive
dflow wrote, so that dflow never unpacks a user's own ``.tgz`` taken for one of its own. Gzip
readers skip comments (an extra field would do as well, but ``tarfile``'s stream mode misreads it).
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO, List, Tuple

__all__ = ["GzipStreamWriter", "DFLOW_MARK", "has_dflow_mark"]

_CHUNK = 4 << 20
_PROBE = 16 << 10
_ALONE = 1 << 20  # a write this large is judged by itself; smaller ones together with neighbours
_WORTH_IT = 0.95  # a probe must shrink below this ratio for its chunk to be compressed
_FCOMMENT = 0x10
_STORED_MAX = 0xFFFF  # the most bytes one stored deflate block holds
_LAST_STORED = b"\x01\x00\x00\xff\xff"  # an empty stored block marked final: the stream's end
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

    def tell(self) -> int:
        """Bytes written so far, before compression (what ``tarfile`` counts its offset in)."""
        return self._size

    def write(self, data: bytes) -> int:
        if self._closed:
            raise ValueError("write to a closed GzipStreamWriter")
        size = len(data)
        if not size:
            return 0
        data = bytes(data)  # held until its chunk is written: a caller may reuse its buffer
        self._crc = zlib.crc32(data, self._crc)
        self._size += size
        self._pending.append(data)
        self._pending_size += size
        if self._pending_size >= _CHUNK:
            self._emit(final=False)
        return size

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        """Write the last chunk and the gzip trailer; ``out`` itself stays open."""
        if self._closed:
            return
        self._emit(final=True)
        self._out.write(struct.pack("<II", self._crc & 0xFFFFFFFF, self._size & 0xFFFFFFFF))
        self._out.flush()
        self._closed = True

    def _emit(self, final: bool) -> None:
        """Write the pending pieces: runs of incompressible ones stored, the others deflated."""
        pieces, self._pending, self._pending_size = self._pending, [], 0
        runs: List[Tuple[bool, List[bytes]]] = []
        for piece in _coalesced(pieces):
            deflate = self._level > 0 and (not self._adaptive or _shrinks(piece[:_PROBE]))
            if runs and runs[-1][0] == deflate:
                runs[-1][1].append(piece)
            else:
                runs.append((deflate, [piece]))
        if final and not runs:
            self._out.write(_LAST_STORED)
        for index, (deflate, run) in enumerate(runs):
            last = final and index == len(runs) - 1
            if deflate:
                compressor = zlib.compressobj(self._level, zlib.DEFLATED, -zlib.MAX_WBITS)
                for piece in run:
                    self._out.write(compressor.compress(piece))
                self._out.write(compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH))
            else:
                for piece in run:
                    _write_stored(self._out, piece)
                if last:
                    self._out.write(_LAST_STORED)


def _coalesced(pieces: List[bytes]) -> List[bytes]:
    """The pieces with each run of those under 1 MiB (headers, small files) joined.

    A joined run is judged by one probe, as a big piece is: probing stays a small share of the work.
    """
    result: List[bytes] = []
    small: List[bytes] = []
    for piece in pieces:
        if len(piece) < _ALONE:
            small.append(piece)
            continue
        if small:
            result.append(b"".join(small))
            small = []
        result.append(piece)
    if small:
        result.append(b"".join(small))
    return result


def _write_stored(out: BinaryIO, data: bytes) -> None:
    """Write ``data`` as stored deflate blocks (RFC 1951 3.2.4): a 5-byte header, then the bytes.

    Each block starts on a byte boundary (every chunk ends with one), so its header is the byte
    0 (not final, stored) and the length with its complement; the data itself is passed on as views.
    """
    view = memoryview(data)
    for start in range(0, len(view), _STORED_MAX):
        block = view[start : start + _STORED_MAX]
        out.write(struct.pack("<BHH", 0, len(block), len(block) ^ 0xFFFF))
        out.write(block)


def _shrinks(sample: bytes) -> bool:
    """Whether a fast deflate of ``sample`` saves enough to be worth compressing its chunk."""
    if len(sample) < _PROBE:  # too little to judge (and cheap to compress anyway)
        return True
    compressed = zlib.compress(sample, 1)
    return len(compressed) < _WORTH_IT * len(sample)


def has_dflow_mark(head: bytes) -> bool:
    """Whether the gzip header at the start of ``head`` is the one dflow writes (its comment)."""
    return head[:4] == b"\x1f\x8b\x08" + bytes([_FCOMMENT]) and head[10:24] == DFLOW_MARK
