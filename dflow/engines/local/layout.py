"""Where the local engine keeps its files: one root, a directory per workflow and per step.

Every workflow id, step and cache name that becomes a path is checked here (Argo's name rules
for workflow ids) and the path is resolved under its parent, so that no id such as ``..`` can
reach outside its folder. Folders the engine creates are private to its user (0700).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Mapping, Optional

from ...config import debug_root
from ...errors import InvalidWorkflowError

__all__ = ["engine_root", "Layout", "check_workflow_id", "private_dir"]

_SAFE = re.compile(r"[^A-Za-z0-9._-]")
_WORKFLOW_ID = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
MAX_WORKFLOW_ID = 253


def engine_root(settings: Mapping[str, Any]) -> Path:
    """The root: ``settings["debug_workdir"]`` (``DFLOW_DEBUG_WORKDIR``), else the user cache."""
    return debug_root(settings)


def check_workflow_id(workflow_id: Any) -> str:
    """A workflow id as Kubernetes names objects: a lower-case RFC 1123 subdomain."""
    if (
        not isinstance(workflow_id, str)
        or len(workflow_id) > MAX_WORKFLOW_ID
        or not _WORKFLOW_ID.match(workflow_id)
    ):
        raise InvalidWorkflowError(
            f"workflow id {workflow_id!r} is not a valid workflow name (a lower-case RFC 1123 "
            f"name of at most {MAX_WORKFLOW_ID} characters: a-z, 0-9, '-' and '.', starting "
            "and ending with a letter or digit)"
        )
    return workflow_id


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by this user only; returns it."""
    missing = []
    here = path
    while not here.exists():
        missing.append(here)
        if here.parent == here:
            break
        here = here.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
    return path


def _under(parent: Path, name: str, what: str) -> Path:
    """``parent / name``, refusing any name that would not stay directly under ``parent``."""
    if name in ("", ".", "..") or "/" in name or "\0" in name:
        raise InvalidWorkflowError(f"{what} {name!r} cannot name a folder")
    path = parent / name
    if os.path.dirname(os.path.normpath(path)) != os.path.normpath(parent):
        raise InvalidWorkflowError(f"{what} {name!r} leaves its folder {parent}")
    return path


class Layout:
    """Paths under one engine root.

    ``workflows/<id>/state.json`` is the persisted status, ``workflows/<id>/steps/<pod>/`` a step's
    own directory (its mapped ``/tmp``, its logs), ``workflows/<id>/runner.lock`` is held by the
    process running the workflow, ``artifacts/`` the default artifact store and
    ``memo/<config map>.json`` the memoization caches.
    """

    def __init__(self, root: Path, artifacts: Optional[Path] = None) -> None:
        self.root = root
        self._artifacts = artifacts

    @property
    def workflows(self) -> Path:
        return self.root / "workflows"

    @property
    def artifacts(self) -> Path:
        return self._artifacts or self.root / "artifacts"

    def workflow(self, workflow_id: str) -> Path:
        return _under(self.workflows, check_workflow_id(workflow_id), "workflow id")

    def state(self, workflow_id: str) -> Path:
        return self.workflow(workflow_id) / "state.json"

    def lock(self, workflow_id: str) -> Path:
        """The file the process running the workflow keeps locked while it lives."""
        return self.workflow(workflow_id) / "runner.lock"

    def control(self, workflow_id: str) -> Path:
        """A file another process writes a verb into (``terminate``) to reach the runner."""
        return self.workflow(workflow_id) / "control"

    def step(self, workflow_id: str, pod_name: str) -> Path:
        steps = self.workflow(workflow_id) / "steps"
        return _under(steps, _SAFE.sub("_", pod_name), "pod name")

    def memo(self, configmap: Optional[str]) -> Path:
        name = _SAFE.sub("_", configmap or "default")
        return _under(self.root / "memo", f"{name}.json", "memoization cache")
