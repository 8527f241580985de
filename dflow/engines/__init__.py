"""Engines run rendered manifests: ``argo`` (the Argo server's REST API) and ``local`` (this
machine). Both sit behind the ``Engine`` protocol; ``get_engine`` picks one by mode and imports it
only then, so that building and rendering workflows never loads an engine.
"""

from __future__ import annotations

import importlib
from typing import Any, Dict, Iterator, List, Optional, Protocol

__all__ = ["Engine", "get_engine", "ENGINES", "FINISHED_PHASES"]

# the phases in which a workflow has ended, on either engine
FINISHED_PHASES = ("Succeeded", "Failed", "Error")

# mode -> "module:class"; extensions may add their own.
ENGINES: Dict[str, str] = {
    "default": "dflow.engines.argo:ArgoEngine",
    "debug": "dflow.engines.local:LocalEngine",
}


class Engine(Protocol):
    """What the Workflow API needs from an engine. Workflows travel as Argo JSON dicts."""

    def submit(
        self,
        manifest: Dict[str, Any],
        reuse_step: Optional[List[Any]] = None,
        memoize_configmap: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Start a workflow; returns the created workflow (``metadata.name`` is its id)."""

    def get(self, workflow_id: str) -> Dict[str, Any]:
        """The workflow with its ``status`` (phase, nodes, outputs), as Argo returns it."""

    def list(self, labels: Optional[Dict[str, str]] = None) -> List[Dict[str, Any]]:
        """Workflows, optionally only those carrying all ``labels``."""

    def action(self, workflow_id: str, verb: str) -> Dict[str, Any]:
        """``terminate``, ``stop``, ``suspend``, ``resume``, ``retry``, ``resubmit``, ``delete``."""

    def wait(self, workflow_id: str, interval: float = 1.0, timeout: Optional[float] = None) -> str:
        """Block until the workflow ends, at most ``timeout`` seconds; returns its final phase."""

    def logs(
        self,
        workflow_id: str,
        node: Dict[str, Any],
        follow: bool = False,
        tail: Optional[int] = None,
        grep: Optional[str] = None,
    ) -> Iterator[str]:
        """The log lines of the pod ``node`` (a status node), streamed: its last ``tail`` lines
        only, those holding ``grep`` only; with ``follow``, until the pod ends."""


def get_engine(mode: str, **settings: Any) -> Engine:
    """The engine for ``mode`` (``"default"`` or ``"debug"``), built with ``settings``."""
    target = ENGINES.get(mode)
    if target is None:
        raise ValueError(f"unknown mode {mode!r}: choose one of {sorted(ENGINES)}")
    module, _, cls = target.partition(":")
    try:
        engine_cls = getattr(importlib.import_module(module), cls)
    except ImportError as exc:
        raise NotImplementedError(f"the {mode!r} engine is not available: {exc}") from exc
    return engine_cls(**settings)  # type: ignore[no-any-return]
