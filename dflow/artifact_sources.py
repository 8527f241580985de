"""Input artifacts from elsewhere than the store: a path on this machine (``LocalArtifact``),
or a source of the user's own that rewrites the step's template (``CustomArtifact``)."""

from __future__ import annotations

import abc
import os
from typing import Any, Optional

from .errors import InvalidWorkflowError

__all__ = ["LocalArtifact", "CustomArtifact"]


class LocalArtifact:
    """A file or directory on this machine given as a step's input artifact; it is uploaded to
    the store once, when the workflow is submitted (then ``uploaded`` is its ``S3Artifact``)."""

    def __init__(self, local_path: str) -> None:
        if not local_path:
            raise InvalidWorkflowError("LocalArtifact needs a local path")
        self.local_path = os.path.abspath(os.fspath(local_path))
        self.uploaded: Optional[Any] = None

    def sub_path(self, path: str) -> LocalArtifact:
        """The file or directory at ``path`` inside this one."""
        return LocalArtifact(os.path.join(self.local_path, path))

    def __repr__(self) -> str:
        return f"LocalArtifact({self.local_path!r})"


class CustomArtifact(abc.ABC):
    """Base of artifact sources of the user's own (a database, a data service, ...).

    Given as a step's input artifact, ``render(template, name)`` returns a copy of the step's
    template that fetches the artifact to the path of its input ``name`` itself (e.g. with a
    line added to the script or an init container); the input is then no longer passed by
    Argo. ``get_urn`` / ``from_urn`` name the artifact; ``download(name, path)`` fetches it here.
    """

    @abc.abstractmethod
    def get_urn(self) -> str:
        """The artifact's name in its own service."""

    @classmethod
    def from_urn(cls, urn: str) -> CustomArtifact:
        """The artifact a URN names (for sources that can rebuild themselves from it)."""
        raise NotImplementedError(f"{cls.__name__} cannot be rebuilt from a URN")

    @abc.abstractmethod
    def download(self, name: str, path: str) -> None:
        """Fetch the artifact to ``path`` on this machine (``name``: the input it is for)."""

    def render(self, template: Any, name: str) -> Any:
        """A copy of ``template`` that fetches this artifact to its input ``name``'s path."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement render(template, name) to be a step input"
        )
