"""dflow 1.x's ``dflow.python.python_op_template``: ``PythonOPTemplate`` and ``Slices``, which live
in ``dflow.python.template`` and ``dflow.python.slices``."""

from __future__ import annotations

from .errors import FatalError, TransientError
from .slices import Slices
from .template import PythonOPTemplate, handle_packages_script, upload_packages

__all__ = [
    "PythonOPTemplate",
    "Slices",
    "TransientError",
    "FatalError",
    "upload_packages",
    "handle_packages_script",
]
