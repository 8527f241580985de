"""dflow 1.x's ``dflow.util_ops``: the success-check templates, which live in
``dflow.success_checks``, and the slice set-up template, in ``dflow.python.slice_init``."""

from __future__ import annotations

from .lazy import lazy_attributes
from .success_checks import CheckNumSuccess, CheckSuccessRatio

__all__ = ["CheckNumSuccess", "CheckSuccessRatio", "InitArtifactForSlices"]  # noqa: F822 - lazy

__getattr__ = lazy_attributes(
    __name__, {"InitArtifactForSlices": "dflow.python.slice_init"}, globals()
)
