"""Where the local engine keeps its files: one root, a directory per workflow and per step."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping, Optional

from ...config import debug_root

__all__ = ["engine_root", "Layout"]

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def engine_root(settings: Mapping[str, Any]) -> Path:
    """The root: ``settings["debug_workdir"]`` (``DFLOW_DEBUG_WORKDIR``), else the user cache."""
    return debug_root(settings)


class Layout:
    """Paths under one engine root.

    ``workflows/<id>/state.json`` is the persisted status, ``workflows/<id>/steps/<pod>/`` a step's
    own directory (its mapped ``/tmp``, its logs), ``artifacts/`` the default artifact store and
    ``memo/<config map>.json`` the memoization caches.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def workflows(self) -> Path:
        return self.root / "workflows"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    def workflow(self, workflow_id: str) -> Path:
        return self.workflows / _SAFE.sub("_", workflow_id)

    def state(self, workflow_id: str) -> Path:
        return self.workflow(workflow_id) / "state.json"

    def control(self, workflow_id: str) -> Path:
        """A file another process writes a verb into (``terminate``) to reach the runner."""
        return self.workflow(workflow_id) / "control"

    def step(self, workflow_id: str, pod_name: str) -> Path:
        return self.workflow(workflow_id) / "steps" / _SAFE.sub("_", pod_name)

    def memo(self, configmap: Optional[str]) -> Path:
        return self.root / "memo" / f"{_SAFE.sub('_', configmap or 'default')}.json"
