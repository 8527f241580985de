"""Python OPs: operators written as Python classes (or functions), with typed inputs and outputs.

``PythonOPTemplate`` turns an ``OP`` into a script template; ``dflow.python.runtime`` is what
runs it in the container.
"""

from __future__ import annotations

from ..lazy import lazy_attributes
from .artifact_types import HDF5Dataset, HDF5Datasets, NestedDict
from .errors import FatalError, SignError, TransientError, TypeCheckError
from .op import OP
from .signs import OPIO, Artifact, BigParameter, OPIOSign, Parameter

# the template side is imported on first use, so the container's runtime does not pay for it
_LAZY = {
    "PythonOPTemplate": "dflow.python.template",
    "upload_packages": "dflow.python.template",
    "Slices": "dflow.python.slices",
}


__getattr__ = lazy_attributes(__name__, _LAZY, globals())


__all__ = [
    "OP",
    "OPIO",
    "OPIOSign",
    "Artifact",
    "Parameter",
    "BigParameter",
    "NestedDict",
    "HDF5Datasets",
    "HDF5Dataset",
    "Slices",
    "PythonOPTemplate",
    "TransientError",
    "FatalError",
    "SignError",
    "TypeCheckError",
    "upload_packages",
]
