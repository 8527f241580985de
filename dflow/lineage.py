"""The lineage-service interface: where workflows, tasks and artifacts get their URNs.

dflow talks to a lineage service only through ``config["lineage"]``, an object implementing
``LineageClient`` (or, from ``DFLOW_LINEAGE``, the dotted path of such a class).
"""

from __future__ import annotations

import abc
from typing import Any, Dict, List, Optional, Union

__all__ = ["LineageClient", "configured_lineage"]


class LineageClient(abc.ABC):
    """A lineage service: registers what runs and what it reads and writes, answering URNs."""

    @abc.abstractmethod
    def register_workflow(self, workflow_name: str) -> str:
        """Record a workflow; return its URN."""

    @abc.abstractmethod
    def register_artifact(self, namespace: str, name: str, uri: str, **kwargs: Any) -> str:
        """Record a dataset ``name`` in ``namespace`` stored at ``uri``; return its URN."""

    @abc.abstractmethod
    def register_task(
        self,
        task_name: str,
        input_urns: Dict[str, Union[str, List[str]]],
        output_uris: Dict[str, str],
        workflow_urn: str,
    ) -> Dict[str, str]:
        """Record a task of a workflow with its inputs; return the URNs of its outputs."""

    @abc.abstractmethod
    def get_artifact_metadata(self, urn: str) -> object:
        """What the service knows of the artifact ``urn``."""


def configured_lineage() -> Optional[LineageClient]:
    """``config["lineage"]``: None, a client, or the dotted path of a client class to build."""
    from .config import config

    lineage = config.get("lineage")
    if isinstance(lineage, str) and lineage:
        from .discovery import import_func

        lineage = config["lineage"] = import_func(lineage)()
    if lineage is not None and not isinstance(lineage, LineageClient):
        raise TypeError(f"config['lineage'] must be a dflow.LineageClient, got {lineage!r}")
    return lineage or None
