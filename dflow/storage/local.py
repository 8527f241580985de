"""A store in a local directory, each key a file under ``root_dir`` (the local engine's default)."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from contextlib import AbstractContextManager
from typing import Any, BinaryIO, Callable, List

from ..errors import ArtifactNotFoundError, StorageError
from .base import StorageClient

__all__ = ["LocalClient"]

_PART = ".dflow-part-"
_MARKER = ".dflow-dir-marker"  # a directory key ("a/b/") is this file inside a/b
_BUFFER = 1 << 20


class LocalClient(StorageClient):
    """Keys are files under ``root_dir``; writes go to a hidden temporary file, then are renamed.

    Stored files are readable by this user only (0600, folders 0700), like the engine's state.
    """

    def __init__(self, root_dir: str, prefix: str = "") -> None:
        self.root_dir = os.path.abspath(root_dir)
        self.prefix = prefix
        os.makedirs(self.root_dir, mode=0o700, exist_ok=True)

    def __repr__(self) -> str:
        return f"LocalClient({self.root_dir!r})"

    def describe(self, key: str) -> str:
        return f"key {key!r} in local store {self.root_dir!r}"

    def _path(self, key: str) -> str:
        parts = [p for p in key.split("/") if p]
        if not parts or key.startswith("/") or any(p in (".", "..") for p in parts):
            raise StorageError(f"invalid storage key {key!r}: it must be a relative path")
        if parts[-1].startswith(_PART) or parts[-1] == _MARKER:
            raise StorageError(f"invalid storage key {key!r}: {parts[-1]!r} is a reserved name")
        return os.path.join(self.root_dir, *parts)

    def _write(self, key: str, fill: object) -> None:
        target = self._path(key)
        if key.endswith("/"):
            os.makedirs(target, mode=0o700, exist_ok=True)
            open(os.path.join(target, _MARKER), "wb").close()
            return
        directory = os.path.dirname(target)
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise StorageError(f"cannot store {self.describe(key)}: a parent is a file") from exc
        if os.path.isdir(target):
            raise StorageError(f"cannot store {self.describe(key)}: it is a directory of keys")
        partial = os.path.join(directory, f"{_PART}{uuid.uuid4().hex}")
        try:
            fill(partial)  # type: ignore[operator]
            os.chmod(partial, 0o600)
            os.replace(partial, target)
        except OSError as exc:
            raise StorageError(f"cannot store {self.describe(key)}: {exc}") from exc
        finally:
            if os.path.exists(partial):
                os.remove(partial)

    def place_with(self, key: str, local_file: str, func: Callable[[str, str], Any]) -> None:
        """Put ``local_file`` at ``key`` by ``func(source, target)`` (e.g. ``os.symlink``), so a
        debug run can link big inputs into the store instead of copying them."""
        target = self._path(key)
        if os.path.lexists(target):
            raise StorageError(f"cannot store {self.describe(key)}: it exists already")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        func(os.path.abspath(local_file), target)

    def upload(self, key: str, path: str) -> None:
        if not os.path.isfile(path):
            raise StorageError(f"cannot upload {path!r}: not a file")
        self._write(key, lambda partial: shutil.copyfile(path, partial))

    def upload_stream(self, key: str, stream: BinaryIO) -> None:
        def fill(partial: str) -> None:
            with open(partial, "wb") as handle:
                shutil.copyfileobj(stream, handle, _BUFFER)

        self._write(key, fill)

    def download(self, key: str, path: str) -> None:
        source = self._path(key)
        if not os.path.isfile(source):
            raise ArtifactNotFoundError(f"no object at {self.describe(key)}")
        directory = os.path.dirname(os.path.abspath(path))
        try:
            fd, partial = tempfile.mkstemp(dir=directory, prefix=_PART)
            os.close(fd)
        except OSError as exc:
            raise StorageError(f"cannot download {self.describe(key)}: {exc}") from exc
        try:
            shutil.copyfile(source, partial)
            os.replace(partial, path)
        except OSError as exc:
            raise StorageError(f"cannot write {self.describe(key)} to {path!r}: {exc}") from exc
        finally:
            if os.path.exists(partial):
                os.remove(partial)

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        source = self._path(key)
        if not os.path.isfile(source):
            raise ArtifactNotFoundError(f"no object at {self.describe(key)}")
        return open(source, "rb")

    def list(self, prefix: str, recursive: bool = True) -> List[str]:
        start_key = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = os.path.join(self.root_dir, *[p for p in start_key.split("/") if p])
        keys: List[str] = []
        for dirpath, _, filenames in os.walk(start):
            rel = os.path.relpath(dirpath, self.root_dir).replace(os.sep, "/")
            base = "" if rel == "." else rel + "/"
            keys.extend(base + f for f in filenames if not f.startswith(_PART) and f != _MARKER)
            if _MARKER in filenames and base:
                keys.append(base)
        keys = sorted(k for k in keys if k.startswith(prefix))
        if recursive:
            return keys
        collapsed: List[str] = []
        for key in keys:
            rest = key[len(prefix) :]
            head, slash, _ = rest.partition("/")
            item = prefix + head + slash
            if not collapsed or collapsed[-1] != item:
                collapsed.append(item)
        return collapsed

    def copy(self, src: str, dst: str) -> None:
        source = self._path(src)
        if src.endswith("/") and self.exists(src):
            self._write(dst.rstrip("/") + "/", None)
            return
        if not os.path.isfile(source):
            raise ArtifactNotFoundError(f"no object at {self.describe(src)}")
        self._write(dst, lambda partial: shutil.copyfile(source, partial))

    def exists(self, key: str) -> bool:
        path = self._path(key)
        if key.endswith("/"):
            return os.path.isfile(os.path.join(path, _MARKER))
        return os.path.isfile(path)

    def delete(self, key: str) -> None:
        path = self._path(key)
        if key.endswith("/"):
            if os.path.isfile(os.path.join(path, _MARKER)):
                os.remove(os.path.join(path, _MARKER))
        elif os.path.isfile(path):
            os.remove(path)
