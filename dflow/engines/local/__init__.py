"""The local engine: runs a rendered Argo manifest on this machine, no cluster, no containers."""

from __future__ import annotations

from .engine import LocalEngine

__all__ = ["LocalEngine"]
