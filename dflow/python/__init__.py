"""Python OPs: operators written as Python classes (or functions), with typed inputs and outputs.

``PythonOPTemplate`` turns an ``OP`` into a script template; ``dflow.python.runtime`` is what
runs it in the container.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import FatalError, SignError, TransientError, TypeCheckError
from .op import OP
from .signs import OPIO, Artifact, BigParameter, OPIOSign, Parameter

# the template side is imported on first use, so the container's runtime does not pay for it
_LAZY = {
    "PythonOPTemplate": "dflow.python.template",
    "upload_packages": "dflow.python.template",
    "Slices": "dflow.python.slices",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dflow.python' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "OP",
    "OPIO",
    "OPIOSign",
    "Artifact",
    "Parameter",
    "BigParameter",
    "Slices",
    "PythonOPTemplate",
    "TransientError",
    "FatalError",
    "SignError",
    "TypeCheckError",
    "upload_packages",
]
