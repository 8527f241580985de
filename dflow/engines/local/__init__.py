"""The local engine: runs a rendered Argo manifest on this machine, no cluster, no containers.

``LocalEngine`` is imported on first use, so that the zygote (``python -m
dflow.engines.local.zygote``) starts without loading the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...lazy import lazy_attributes

if TYPE_CHECKING:
    from .engine import LocalEngine

__all__ = ["LocalEngine"]

__getattr__ = lazy_attributes(__name__, {"LocalEngine": f"{__name__}.engine"}, globals())
