"""dflow 1.x's ``dflow.python.opio``: the signs of an OP's inputs and outputs, which live in
``dflow.python.signs``, and the artifact types of ``dflow.python.artifact_types``."""

from __future__ import annotations

from ..lazy import lazy_attributes
from .signs import OPIO, Artifact, BigParameter, OPIOSign, Parameter

__all__ = ["OPIO", "OPIOSign", "Artifact", "Parameter", "BigParameter"]

# the artifact types are imported on first use
__getattr__ = lazy_attributes(
    __name__,
    dict.fromkeys(
        ["HDF5Dataset", "HDF5Datasets", "NestedDictBase", "NestedDictStr", "NestedDictPath"],
        "dflow.python.artifact_types",
    ),
    globals(),
)
