"""The Argo engine: workflows submitted to and managed on an Argo server over its REST API."""

from __future__ import annotations

from .client import ArgoClient
from .engine import ACTIONS, FINISHED_PHASES, ArgoEngine

__all__ = ["ArgoEngine", "ArgoClient", "ACTIONS", "FINISHED_PHASES"]
