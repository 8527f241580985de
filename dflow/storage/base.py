"""The storage interface: a flat namespace of keys holding bytes, as S3 has.

Keys use ``/`` as separator. A key ending in ``/`` is a directory marker (a zero-byte object that
keeps an empty directory alive when a directory is stored object by object).
"""

from __future__ import annotations

import abc
from contextlib import AbstractContextManager
from typing import BinaryIO, List

__all__ = ["StorageClient"]


class StorageClient(abc.ABC):
    """What artifact code needs from a store; every method raises ``StorageError`` on failure."""

    #: Prepended to the keys that dflow invents for new uploads (``upload/<uuid>/...``).
    prefix: str = ""

    @abc.abstractmethod
    def upload(self, key: str, path: str) -> None:
        """Store the file ``path`` at ``key``; the key is never visible half-written."""

    @abc.abstractmethod
    def upload_stream(self, key: str, stream: BinaryIO) -> None:
        """Store everything read from ``stream`` (until EOF) at ``key``, atomically."""

    @abc.abstractmethod
    def download(self, key: str, path: str) -> None:
        """Write the object at ``key`` to ``path``; a missing key is a ``StorageError``."""

    @abc.abstractmethod
    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """A readable stream of the object at ``key``, closed when the context ends."""

    @abc.abstractmethod
    def list(self, prefix: str, recursive: bool = True) -> List[str]:
        """Keys that start with ``prefix``, sorted.

        Non-recursive listing stops at the next ``/`` after the prefix and reports each such
        sub-directory once, with its trailing ``/``.
        """

    @abc.abstractmethod
    def copy(self, src: str, dst: str) -> None:
        """Copy one object inside the store, without passing its bytes through this process."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Whether an object is stored at exactly ``key``."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object at ``key`` (no error if it is absent)."""

    def get_md5(self, key: str) -> str:
        """The md5 hex digest of the object at ``key``, computed from its bytes."""
        import hashlib

        digest = hashlib.md5()
        with self.open(key) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def describe(self, key: str) -> str:
        """Human-readable location of ``key``, for error messages."""
        return repr(key)

    def new_key(self, tail: str) -> str:
        """A key for a new upload: ``prefix`` + ``tail``."""
        prefix = self.prefix
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        return prefix + tail
