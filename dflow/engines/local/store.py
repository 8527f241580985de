"""The artifact store of a run: the local directory by default, S3 when ``config["debug_s3"]``."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Mapping, Optional

from ...errors import StorageError

__all__ = ["ArtifactStore", "make_store"]


class ArtifactStore:
    """Saves and loads artifacts the way Argo's executor does, through a storage client."""

    def __init__(self, client: Any, limits: Any = None) -> None:
        self.client = client
        #: how far an input archive may grow (``ArchiveLimits``, from ``config`` at submission)
        self.limits = limits

    def save(self, local_path: Path, key: str, archive: Optional[str]) -> None:
        from ...storage.artifacts import save_artifact

        save_artifact(self.client, str(local_path), key, archive=archive)

    def load(self, key: str, dest: Path, sub_path: Optional[str] = None) -> None:
        """Put the artifact stored at ``key`` (or its ``sub_path``) at ``dest``."""
        from ...storage.artifacts import load_artifact

        dest.parent.mkdir(parents=True, exist_ok=True)
        if not sub_path:
            load_artifact(self.client, key, str(dest), self.limits)
            return
        with tempfile.TemporaryDirectory(dir=dest.parent) as scratch:
            whole = Path(scratch, "whole")
            load_artifact(self.client, key, str(whole), self.limits)
            part = whole / sub_path
            if not part.exists():
                raise StorageError(f"artifact {key!r} has no sub path {sub_path!r}")
            shutil.move(str(part), str(dest))

    def read_text(self, key: str) -> str:
        """The text of the single-file artifact stored at ``key``."""
        with tempfile.TemporaryDirectory() as scratch:
            dest = Path(scratch, "content")
            self.load(key, dest)
            if not dest.is_file():
                raise StorageError(f"artifact {key!r} is a directory, not one file of text")
            return dest.read_text()


def make_store(
    config: Mapping[str, Any], s3_config: Mapping[str, Any], root: Path
) -> ArtifactStore:
    """The store named by the configuration, read once when a workflow is submitted."""
    from ...storage.extract import ArchiveLimits

    limits = ArchiveLimits.from_config(config)
    if s3_config.get("storage_client") is not None:
        return ArtifactStore(s3_config["storage_client"], limits)
    if config.get("debug_s3"):
        from ...storage import S3Client

        return ArtifactStore(
            S3Client(
                endpoint=s3_config["endpoint"],
                access_key=s3_config["access_key"],
                secret_key=s3_config["secret_key"],
                secure=s3_config["secure"],
                bucket_name=s3_config["bucket_name"],
                prefix=s3_config.get("prefix"),
            ),
            limits,
        )
    from ...storage import LocalClient

    return ArtifactStore(LocalClient(str(root)), limits)
