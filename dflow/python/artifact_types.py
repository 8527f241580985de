"""The path types an ``Artifact`` may have beyond ``str``/``Path``/lists/sets.

``Dict[str, str|Path]`` and ``NestedDict[str|Path]`` are dicts of paths (nested dicts and lists for
``NestedDict``), stored with each path under its (dotted) key in the artifact's catalog, so they
come back as they went in. ``HDF5Datasets`` is a dict or list of values (data, files,
directories, None) stored in one HDF5 file per output; an OP reading it gets ``HDF5Dataset``
objects. ``h5py`` is imported only when such an artifact is read or written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Union

__all__ = [
    "NestedDict",
    "NestedDictBase",
    "NestedDictStr",
    "NestedDictPath",
    "HDF5Datasets",
    "HDF5Dataset",
    "flatten_paths",
]


class NestedDictBase:
    """The common base of the ``NestedDict`` types."""


class NestedDictStr(NestedDictBase):
    """``NestedDict[str]``: nested dicts/lists whose leaves are paths given as ``str``."""


class NestedDictPath(NestedDictBase):
    """``NestedDict[Path]``: nested dicts/lists whose leaves are ``Path`` objects."""


NestedDict: Dict[Any, type] = {str: NestedDictStr, Path: NestedDictPath}
"""``NestedDict[str]`` / ``NestedDict[Path]``, written as in the original."""


class HDF5Datasets:
    """An artifact type: a dict or list of values kept as datasets of an HDF5 file."""


class HDF5Dataset:
    """One dataset of an HDF5 artifact: ``get_data()`` gives its value, ``recover()`` its file."""

    def __init__(self, file: Any, key: str) -> None:
        self.file = file
        self.key = key

    @property
    def dataset(self) -> Any:
        return self.file[self.key]

    def __deepcopy__(self, memo: Any = None) -> HDF5Dataset:
        return self

    def is_none(self) -> bool:
        return bool(self.dataset.attrs.get("type") == "null")

    def get_data(self) -> Any:
        """The stored value (``str`` for text, ``bytes`` for binary files, else as stored)."""
        if self.is_none():
            return None
        data = self.dataset[()]
        dtype = self.dataset.attrs.get("dtype")
        if dtype == "utf-8" and isinstance(data, bytes):
            return data.decode("utf-8")
        if dtype == "binary":
            return data.tobytes()
        return data

    def recover(self) -> Any:
        """A stored file or directory written back under the working directory (its path),
        or the stored value."""
        kind = self.dataset.attrs.get("type")
        if kind not in ("file", "dir"):
            return self.get_data()
        path = Path(str(self.dataset.attrs["path"]))
        if path.is_absolute():
            path = path.relative_to(path.anchor)
        if ".." in path.parts:
            raise ValueError(f"HDF5 dataset {self.key!r}: path {path} leaves the working directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.get_data()
        if kind == "file":
            if isinstance(data, str):
                path.write_text(data)
            else:
                path.write_bytes(data)
            return path
        import tarfile

        archive = path.parent / f"{path.name}.tgz"
        archive.write_bytes(data)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(".", filter="data")
        return path


def flatten_paths(value: Union[list, dict]) -> Dict[str, Any]:
    """Nested dicts and lists as one dict with dotted keys (``{"a": [x]}`` -> ``{"a.0": x}``),
    the catalog keys of a dict artifact (``expand`` in ``dflow.nested`` reverses it)."""
    flat: Dict[str, Any] = {}

    def walk(obj: Any, prefix: str) -> None:
        items = obj.items() if isinstance(obj, dict) else enumerate(obj)
        for k, v in items:
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, (dict, list)):
                walk(v, key)
            else:
                flat[key] = v

    walk(value, "")
    return flat
