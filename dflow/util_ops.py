"""dflow 1.x's ``dflow.util_ops``: the success-check templates, which live in
``dflow.success_checks``."""

from __future__ import annotations

from .success_checks import CheckNumSuccess, CheckSuccessRatio

__all__ = ["CheckNumSuccess", "CheckSuccessRatio"]
