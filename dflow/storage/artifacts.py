"""Saving and loading one artifact exactly as Argo's executor does for ``s3`` artifacts.

The local engine uses these so that what it stores is what Argo would have stored, and what it
reads is what Argo would have placed in the container:

* ``save_artifact(client, local_path, key, archive="tar")`` stores a tar.gz whose single top entry
  is the basename of ``local_path`` (file or directory). With ``archive=None`` a file is one object
  at ``key`` and a directory is one object per file under ``key/`` (empty directories as markers).
* ``load_artifact(client, key, dest_path)`` places the artifact at ``dest_path``: a tar.gz with one
  top entry is extracted *as* ``dest_path`` (several top entries: into the directory
  ``dest_path``); another gzip is decompressed into the file ``dest_path``; any other object
  becomes the file ``dest_path``; a key prefix with objects under it becomes the directory.

Extraction is checked member by member (``extract``; a refused member is an error naming it, an
archive over ``ArchiveLimits`` an error naming the key) and everything is assembled in a temporary
directory beside ``dest_path`` and moved in at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import NamedTuple, Optional

from ..errors import ArtifactNotFoundError, StorageError
from .archive import GZIP, TARBALL, Peekable, sniff
from .base import StorageClient
from .extract import ArchiveLimits, extract_tar, gunzip_to
from .transfer import download_tree, place, single_top, upload_tar_gz, upload_tree

__all__ = ["save_artifact", "load_artifact", "fetch_object", "Fetched"]


def save_artifact(
    client: StorageClient,
    local_path: str,
    key: str,
    archive: Optional[str] = "tar",
    compresslevel: int = 6,
) -> None:
    """Store the file or directory ``local_path`` at ``key`` the way Argo's executor does."""
    if not os.path.lexists(local_path):
        raise StorageError(f"cannot save artifact {local_path!r}: no such file or directory")
    if archive in ("tar", "tgz", "gzip"):
        name = os.path.basename(os.path.normpath(local_path))
        upload_tar_gz(client, [(local_path, name)], key, compresslevel)
    elif archive is None or archive == "none":
        if os.path.isdir(local_path):
            upload_tree(client, local_path, key)
        else:
            client.upload(key, local_path)
    else:
        raise StorageError(f"unknown archive {archive!r} for {local_path!r}: use 'tar' or None")


class Fetched(NamedTuple):
    """What ``fetch_object`` made, and the name it goes by (a tar's top entry, the key's tail)."""

    path: str
    name: str


def _plain_name(key: str, decompressed: bool) -> str:
    """The name of an object's content: the key's last part, without ``.gz`` once decompressed."""
    name = key.rstrip("/").rsplit("/", 1)[-1]
    if decompressed:
        for suffix in (".tgz", ".gz"):
            if name.endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)]
    return name


def fetch_object(
    client: StorageClient,
    key: str,
    workdir: str,
    extract: bool = True,
    limits: Optional[ArchiveLimits] = None,
) -> Fetched:
    """Bring the object at ``key`` into the empty directory ``workdir``; return what was made.

    A tar.gz (when ``extract``) gives its single top entry or, with several, ``workdir/data``
    (named after the key); another gzip (when ``extract``) is decompressed; anything else is
    copied as it is.
    """
    target = os.path.join(workdir, "data")
    with client.open(key) as raw:
        stream = Peekable(raw)
        kind = sniff(stream) if extract else None
        if kind == TARBALL:
            os.mkdir(target)
            extract_tar(stream, target, client.describe(key), limits)  # type: ignore[arg-type]
            top = single_top(target)
            if top is not None:
                return Fetched(top, os.path.basename(top))
            return Fetched(target, _plain_name(key, decompressed=True))
        if kind == GZIP:
            gunzip_to(stream, target, client.describe(key), limits)  # type: ignore[arg-type]
            return Fetched(target, _plain_name(key, decompressed=True))
        with open(target, "wb") as handle:
            shutil.copyfileobj(stream, handle, 1 << 20)  # type: ignore[misc]
    return Fetched(target, _plain_name(key, decompressed=False))


def load_artifact(
    client: StorageClient, key: str, dest_path: str, limits: Optional[ArchiveLimits] = None
) -> str:
    """Place the artifact at ``key`` at ``dest_path`` (file or directory) as Argo does."""
    dest_path = os.path.abspath(dest_path)
    parent = os.path.dirname(dest_path)
    os.makedirs(parent, exist_ok=True)
    workdir = tempfile.mkdtemp(dir=parent, prefix=".dflow-load-")
    try:
        if not key.endswith("/") and client.exists(key):
            made = fetch_object(client, key, workdir, limits=limits).path
        else:
            made = os.path.join(workdir, "tree")
            if not download_tree(client, key, made):
                raise ArtifactNotFoundError(f"no artifact at {client.describe(key)}")
        place(made, dest_path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return dest_path
