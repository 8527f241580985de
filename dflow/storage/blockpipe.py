"""A pipe between two threads that hands over whole blocks of bytes, not copies through the OS.

The archiving thread writes its output here and the uploader reads it. Writes are gathered into
blocks of a fixed size (one copy, when a block is joined); a read of exactly that size gets the
block object itself, so a block sized like an upload part travels to the server with no further
copy. At most ``depth`` finished blocks wait, so the writer is held back when the reader is slower.
The writer ends the pipe with ``finish``, giving the error it failed with, if any: the reader gets
that error instead of the end of the data, so a truncated stream is never taken for a whole one.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Deque, List, Optional, Union

__all__ = ["BlockPipe"]

_Buffer = Union[bytes, memoryview]


class BlockPipe:
    """Bytes written by one thread and read, in order, by another; bounded memory in between."""

    def __init__(self, block: int, depth: int = 1) -> None:
        self._block = block
        self._depth = depth
        self._pieces: Deque[_Buffer] = deque()  # written, not yet a block
        self._pieces_size = 0
        self._ready: Deque[bytes] = deque()  # finished blocks
        self._changed = threading.Condition()
        self._ended = False
        self._error: Optional[BaseException] = None
        self._reader_gone = False
        self._current = b""
        self._offset = 0

    # -- the writer's side -----------------------------------------------------------------------

    def write(self, data: _Buffer) -> int:
        """Take ``data``, kept by reference (it must not change); BrokenPipeError if unread."""
        size = len(data)
        if size:
            self._pieces.append(data)
            self._pieces_size += size
            while self._pieces_size >= self._block:
                self._hand_over(self._take(self._block))
        return size

    def flush(self) -> None:
        pass

    def finish(self, error: Optional[BaseException] = None) -> None:
        """End the stream: hand over what is left, or, given the writer's ``error``, drop it."""
        if error is None and self._pieces_size:
            self._hand_over(self._take(self._pieces_size))
        self._pieces.clear()
        with self._changed:
            self._ended, self._error = True, error
            self._changed.notify_all()

    def _take(self, size: int) -> bytes:
        """The first ``size`` written bytes as one object (the tail of a split piece stays)."""
        taken: List[_Buffer] = []
        wanted = size
        while wanted:
            piece = self._pieces[0]
            if len(piece) <= wanted:
                taken.append(self._pieces.popleft())
                wanted -= len(piece)
            else:
                view = memoryview(piece)
                taken.append(view[:wanted])
                self._pieces[0] = view[wanted:]
                wanted = 0
        self._pieces_size -= size
        first = taken[0]
        if len(taken) == 1 and isinstance(first, bytes):
            return first
        return b"".join(taken)

    def _hand_over(self, block: bytes) -> None:
        with self._changed:
            while len(self._ready) >= self._depth and not self._reader_gone:
                self._changed.wait()
            if self._reader_gone:
                raise BrokenPipeError("the reader of the pipe has gone")
            self._ready.append(block)
            self._changed.notify_all()

    # -- the reader's side -----------------------------------------------------------------------

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left when negative); b"" at the end."""
        if size is None or size < 0:
            chunks: List[bytes] = []
            while True:
                chunk = self.read(self._block)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
        if self._offset >= len(self._current):
            with self._changed:
                while not self._ready and not self._ended:
                    self._changed.wait()
                if not self._ready:  # the end, every time it is read
                    if self._error is not None:
                        raise self._error
                    return b""
                self._current, self._offset = self._ready.popleft(), 0
                self._changed.notify_all()
        if self._offset == 0 and len(self._current) <= size:
            data, self._current = self._current, b""
            return data
        data = self._current[self._offset : self._offset + size]
        self._offset += len(data)
        return data

    def close(self) -> None:
        """Stop reading: a writer still writing gets BrokenPipeError; blocks held are let go."""
        with self._changed:
            self._reader_gone = True
            self._ready.clear()
            self._changed.notify_all()
        self._current = b""
