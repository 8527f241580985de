"""``HDF5Datasets`` artifacts: values, files and directories kept as datasets of one HDF5 file.

The layout is the original dflow's, so artifacts are read by either: one dataset per leaf of the
flattened value (dotted keys), with the attributes ``type`` (``data``, ``file``, ``dir``,
``null``), ``path`` (files and directories) and ``dtype`` (``utf-8`` or ``binary``). ``h5py``
(and ``numpy``, which it brings) is imported only here.
"""

from __future__ import annotations

import io
import os
import tarfile
import uuid
from pathlib import Path
from typing import Any, Dict, List

from ...nested import expand
from ..artifact_types import HDF5Dataset, flatten_paths

__all__ = ["read_hdf5", "write_hdf5"]


def write_hdf5(value: Any, directory: str) -> str:
    """Write ``value`` (a dict or list, nested) as a new ``.h5`` file in ``directory``; its name."""
    import h5py
    import numpy as np

    if not isinstance(value, (dict, list)):
        raise TypeError(f"HDF5Datasets takes a dict or a list, got {type(value).__name__}")
    name = f"{uuid.uuid4()}.h5"
    with h5py.File(os.path.join(directory, name), "w") as f:
        for key, v in flatten_paths(value).items():
            if isinstance(v, HDF5Dataset):
                d = f.create_dataset(key, data=v.dataset[()])
                d.attrs.update(v.dataset.attrs)
            elif isinstance(v, Path) and v.is_dir():
                buffer = io.BytesIO()
                with tarfile.open(fileobj=buffer, mode="w:gz", dereference=True) as tar:
                    tar.add(v, arcname=str(v).lstrip("/"))
                d = f.create_dataset(key, data=np.void(buffer.getvalue()))
                d.attrs.update(type="dir", path=str(v), dtype="binary")
            elif isinstance(v, Path):
                raw = v.read_bytes()
                try:
                    d = f.create_dataset(key, data=raw.decode("utf-8"))
                    d.attrs.update(type="file", path=str(v), dtype="utf-8")
                except UnicodeDecodeError:
                    d = f.create_dataset(key, data=np.void(raw))
                    d.attrs.update(type="file", path=str(v), dtype="binary")
            elif v is None:
                d = f.create_dataset(key, data="")
                d.attrs["type"] = "null"
            else:
                d = f.create_dataset(key, data=v)
                d.attrs["type"] = "data"
                if isinstance(v, str):
                    d.attrs["dtype"] = "utf-8"
    return name


def read_hdf5(files: List[str]) -> Any:
    """The datasets of ``files`` as ``HDF5Dataset`` objects (None for a stored None), shaped as
    written; several files of list values are concatenated, of dict values merged."""
    import h5py

    lists: List[Any] = []
    merged: Dict[str, Any] = {}
    for path in files:
        f = h5py.File(path, "r")  # kept open: the datasets read from it lazily
        datasets = {k: _dataset(f, k) for k in f.keys()}
        if not merged and set(datasets) == {str(i) for i in range(len(datasets))}:
            lists += [datasets[str(i)] for i in range(len(datasets))]
        else:
            merged.update({str(i): v for i, v in enumerate(lists)} if lists else {})
            lists = []
            merged.update(datasets)
    return expand(merged) if merged else lists


def _dataset(f: Any, key: str) -> Any:
    d = HDF5Dataset(f, key)
    return None if d.is_none() else d
