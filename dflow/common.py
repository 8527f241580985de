"""dflow 1.x's ``dflow.common``: artifact sources, the lineage interface, JSON pickling.

The code lives in ``dflow.io`` (``S3Artifact``), ``dflow.lineage``, ``dflow.discovery`` and
``dflow.pickling``.
"""

from __future__ import annotations

from .artifact_sources import CustomArtifact, LocalArtifact
from .discovery import import_func
from .http_template import HTTPArtifact
from .io import S3Artifact
from .lineage import LineageClient
from .pickling import CustomHandler, CustomPickler

__all__ = [
    "CustomArtifact",
    "CustomHandler",
    "LocalArtifact",
    "CustomPickler",
    "HTTPArtifact",
    "LineageClient",
    "S3Artifact",
    "import_func",
]
