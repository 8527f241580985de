"""Artifact storage: one small interface, an S3 backend (``minio``) and a local-directory backend.

The layout on the store is Argo's own for ``s3`` artifacts (tar.gz, or ``archive: none``), so what
is uploaded here is readable by Argo's executor and the reverse. ``minio`` is imported on first
use. The format is described in ``docs/storage.md``.
"""

from __future__ import annotations

from .api import (
    artifact_key,
    copy_artifact,
    copy_s3,
    download_artifact,
    download_s3,
    get_client,
    upload_artifact,
    upload_s3,
)
from .artifacts import load_artifact, save_artifact
from .base import StorageClient
from .catalog import merge, read_catalog, write_catalog
from .local import LocalClient
from .s3 import S3Client

__all__ = [
    "StorageClient",
    "S3Client",
    "LocalClient",
    "get_client",
    "upload_artifact",
    "download_artifact",
    "copy_artifact",
    "upload_s3",
    "download_s3",
    "copy_s3",
    "artifact_key",
    "save_artifact",
    "load_artifact",
    "write_catalog",
    "read_catalog",
    "merge",
]
