"""Artifact storage: one small interface, an S3 backend (``minio``) and a local-directory backend.

The layout on the store is Argo's own for ``s3`` artifacts (tar.gz, or ``archive: none``), so what
is uploaded here is readable by Argo's executor and the reverse. ``minio`` is imported on first
use. The format is described in ``docs/storage.md``.
"""

from __future__ import annotations

from ..lazy import lazy_attributes

# name -> module that defines it, imported on first use: the OP runtime reads catalogs through
# ``dflow.storage.catalog`` and must not pay for the storage clients
_LAZY = {
    **dict.fromkeys(
        [
            "artifact_key",
            "copy_artifact",
            "copy_s3",
            "download_artifact",
            "download_s3",
            "get_client",
            "upload_artifact",
            "upload_s3",
        ],
        "dflow.storage.api",
    ),
    **dict.fromkeys(["load_artifact", "save_artifact"], "dflow.storage.artifacts"),
    "StorageClient": "dflow.storage.base",
    **dict.fromkeys(["merge", "read_catalog", "write_catalog"], "dflow.storage.catalog"),
    "LocalClient": "dflow.storage.local",
    "S3Client": "dflow.storage.s3",
}


__getattr__ = lazy_attributes(__name__, _LAZY, globals())


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
