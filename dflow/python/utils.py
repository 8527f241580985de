"""dflow 1.x's ``dflow.python.utils``: the container's path helpers, which live in
``dflow.python.runtime.paths`` (its input/output plumbing is ``dflow.python.runtime``)."""

from __future__ import annotations

from .runtime.paths import (
    absolutize,
    absolutize_hdf5,
    get_slices,
    handle_empty_dir,
    path_or_none,
    sigalrm_handler,
    slice_to_dir,
)

__all__ = [
    "absolutize",
    "absolutize_hdf5",
    "get_slices",
    "handle_empty_dir",
    "path_or_none",
    "sigalrm_handler",
    "slice_to_dir",
]
