"""The user-level artifact functions: ``upload_artifact``, ``download_artifact`` and friends.

Every function takes the store's settings as keyword arguments (``endpoint``, ``access_key``,
``secret_key``, ``secure``, ``bucket_name``, ``prefix``) or a ready ``storage_client``; what is not
given comes from ``dflow.config.s3_config`` at call time.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any, Iterable, List, Optional, Sequence, Tuple, Union

from ..errors import ArtifactNotFoundError, StorageError
from ..io import S3Artifact
from .artifacts import fetch_object
from .base import StorageClient
from .catalog import CATALOG_DIR, has_catalog, load_catalogs, merge, write_catalog
from .transfer import download_tree, place, single_top, upload_tar_gz, upload_tree

__all__ = [
    "get_client",
    "upload_artifact",
    "download_artifact",
    "copy_artifact",
    "upload_s3",
    "download_s3",
    "copy_s3",
    "artifact_key",
]

PathLike = Union[str, "os.PathLike[str]"]
_S3_OPTIONS = ("endpoint", "access_key", "secret_key", "secure", "bucket_name", "prefix", "region")


def get_client(**kwargs: Any) -> StorageClient:
    """The store: ``storage_client=``, else ``s3_config["storage_client"]``, else, in debug mode
    without ``debug_s3``, the local engine's store, else S3."""
    from ..config import config, debug_root, s3_config

    explicit = kwargs.get("storage_client") or s3_config.get("storage_client")
    if explicit is not None:
        if not isinstance(explicit, StorageClient):
            raise StorageError(
                "storage_client must be a dflow.storage.StorageClient, "
                f"got {type(explicit).__name__}"
            )
        return explicit
    s3_options = [k for k in kwargs if k in _S3_OPTIONS]
    if config.get("mode") == "debug" and not config.get("debug_s3") and not s3_options:
        from .local import LocalClient

        return LocalClient(str(debug_root() / "artifacts"))
    from .s3 import S3Client

    return S3Client(**{k: v for k, v in kwargs.items() if k in _S3_OPTIONS})


def artifact_key(artifact: Any) -> str:
    """The store key of an ``S3Artifact``, a key string, an Argo artifact dict or status view."""
    if isinstance(artifact, S3Artifact):
        return artifact.key
    if isinstance(artifact, (str, Path)):
        return str(artifact)
    if isinstance(artifact, dict):
        s3 = artifact.get("s3")
        if isinstance(s3, dict) and s3.get("key"):
            return str(s3["key"])
        if artifact.get("key"):
            return str(artifact["key"])
    key = getattr(artifact, "key", None)
    if isinstance(key, str) and key:
        return key
    s3 = getattr(artifact, "s3", None)
    key = getattr(s3, "key", None) if s3 is not None else None
    if key is None and isinstance(s3, dict):
        key = s3.get("key")
    if isinstance(key, str) and key:
        return key
    name = artifact.get("name") if isinstance(artifact, dict) else getattr(artifact, "name", None)
    what = f"artifact {name!r}" if name else f"a {type(artifact).__name__}"
    raise StorageError(f"{what} has no S3 key: is it an artifact stored in S3?")


def _relative(path: str, cwd: str) -> str:
    """Where ``path`` goes in the artifact: relative to ``cwd``, else its absolute path whole."""
    absolute = os.path.abspath(path)
    if absolute == cwd:
        return "."
    if absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, cwd).replace(os.sep, "/")
    return absolute.lstrip(os.sep).replace(os.sep, "/")


def upload_artifact(
    path_or_list: Union[PathLike, Sequence[Optional[PathLike]], Iterable[Optional[PathLike]]],
    archive: Optional[str] = "tar",
    compresslevel: int = 6,
    **kwargs: Any,
) -> S3Artifact:
    """Upload files and directories as one artifact with a catalog; return its ``S3Artifact``.

    Paths keep their location relative to the current directory (absolute paths outside it are
    kept whole); ``archive="tar"`` stores one tar.gz, ``archive=None`` one object per file.
    """
    items = [path_or_list] if isinstance(path_or_list, (str, os.PathLike)) else list(path_or_list)
    cwd = os.getcwd()
    missing = [str(p) for p in items if p is not None and not os.path.lexists(p)]
    if missing:
        raise StorageError(f"cannot upload artifact: no such file or directory {missing[0]!r}")
    rels = [None if p is None else _relative(os.fspath(p), cwd) for p in items]
    if "." in rels:
        raise StorageError(f"cannot upload the current directory {cwd!r} itself: name its content")
    client = get_client(**kwargs)
    with tempfile.TemporaryDirectory(prefix="dflow-catalog-") as meta:
        write_catalog(meta, rels)
        catalog = os.path.join(meta, CATALOG_DIR)
        entries: List[Tuple[str, str]] = []
        seen = set()
        for path, rel in zip(items, rels):
            if path is not None and rel not in seen:
                seen.add(rel)
                entries.append((os.path.abspath(os.fspath(path)), rel))  # type: ignore[arg-type]
        if archive in ("tar", "tgz", "gzip"):
            key = client.new_key(f"upload/{uuid.uuid4()}/upload.tgz")
            upload_tar_gz(client, entries + [(catalog, CATALOG_DIR)], key, compresslevel)
        elif archive is None or archive == "none":
            key = client.new_key(f"upload/{uuid.uuid4()}")
            for local, rel in entries:
                if os.path.isdir(local):
                    upload_tree(client, local, f"{key}/{rel}")
                else:
                    client.upload(f"{key}/{rel}", local)
            upload_tree(client, catalog, f"{key}/{CATALOG_DIR}")
        else:
            raise StorageError(f"unknown archive {archive!r}: use 'tar' or None")
    return S3Artifact(key=key, path_list=[r for r in rels if r is not None])


def download_artifact(
    artifact: Any,
    path: PathLike = ".",
    extract: bool = True,
    remove_catalog: bool = True,
    **kwargs: Any,
) -> List[Optional[str]]:
    """Download an artifact into the directory ``path``; return the local paths it holds.

    With a catalog (lists uploaded or produced by OPs) the list is in catalog order, a missing
    path as None; otherwise it lists the top-level entries placed into ``path``. A tar.gz holding
    one directory has that directory's content placed into ``path``.
    """
    key = artifact_key(artifact)
    client = get_client(**kwargs)
    path = os.path.abspath(os.fspath(path))
    os.makedirs(path, exist_ok=True)
    workdir = tempfile.mkdtemp(dir=path, prefix=".dflow-download-")
    try:
        root = os.path.join(workdir, "root")
        if not key.endswith("/") and client.exists(key):
            os.mkdir(os.path.join(workdir, "object"))
            made = fetch_object(client, key, os.path.join(workdir, "object"), extract)
            if os.path.isdir(made):
                os.replace(made, root)
            else:
                os.mkdir(root)
                os.replace(made, os.path.join(root, os.path.basename(key.rstrip("/"))))
        elif download_tree(client, key, root):
            if extract:
                _extract_members(client, root, workdir)
        else:
            raise ArtifactNotFoundError(f"no artifact at {client.describe(key)}")
        rels = merge(load_catalogs(root)) if has_catalog(root) else None
        if rels is not None and remove_catalog:
            shutil.rmtree(os.path.join(root, CATALOG_DIR))
        names = sorted(os.listdir(root))
        for name in names:
            place(os.path.join(root, name), os.path.join(path, name))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if rels is None:
        return [os.path.join(path, name) for name in names]
    result: List[Optional[str]] = []
    for rel in rels:
        full = None if rel is None else os.path.join(path, *rel.split("/"))
        result.append(full if full is not None and os.path.lexists(full) else None)
    return result


def _extract_members(client: StorageClient, root: str, workdir: str) -> None:
    """Unpack the tar.gz files of a stacked artifact (one per slice) into its top directory."""
    from .archive import extract_tar

    tarballs: List[str] = []
    for dirpath, _, filenames in os.walk(root):
        tarballs.extend(os.path.join(dirpath, n) for n in filenames if n.endswith(".tgz"))
    for number, tarball in enumerate(sorted(tarballs)):
        scratch = os.path.join(workdir, f"member-{number}")
        os.mkdir(scratch)
        with open(tarball, "rb") as handle:
            extract_tar(handle, scratch, f"{tarball[len(root) + 1 :]!r} of the stacked artifact")
        os.remove(tarball)
        top = single_top(scratch)
        source = top if top is not None and os.path.isdir(top) else scratch
        for name in os.listdir(source):
            place(os.path.join(source, name), os.path.join(root, name))


def copy_artifact(src: Any, dst: Any, **kwargs: Any) -> S3Artifact:
    """Copy an artifact to another key inside the store (server side); return the copy."""
    dst_key = artifact_key(dst)
    copy_s3(artifact_key(src), dst_key, **kwargs)
    return S3Artifact(key=dst_key, path_list=getattr(src, "path_list", None))


def upload_s3(path: PathLike, key: Optional[str] = None, **kwargs: Any) -> str:
    """Upload a file (one object) or a directory (objects under ``key/``); return the key."""
    path = os.fspath(path)
    if not os.path.lexists(path):
        raise StorageError(f"cannot upload {path!r}: no such file or directory")
    client = get_client(**kwargs)
    if os.path.isdir(path):
        key = key or client.new_key(f"upload/{uuid.uuid4()}")
        upload_tree(client, path, key)
    else:
        key = key or client.new_key(f"upload/{uuid.uuid4()}/{os.path.basename(path)}")
        client.upload(key, path)
    return key


def download_s3(key: str, path: PathLike = ".", **kwargs: Any) -> str:
    """Download an object into the directory ``path`` (a key prefix: its content); return it."""
    client = get_client(**kwargs)
    path = os.path.abspath(os.fspath(path))
    os.makedirs(path, exist_ok=True)
    workdir = tempfile.mkdtemp(dir=path, prefix=".dflow-download-")
    try:
        if not key.endswith("/") and client.exists(key):
            target = os.path.join(path, os.path.basename(key))
            client.download(key, os.path.join(workdir, "object"))
            place(os.path.join(workdir, "object"), target)
            return target
        tree = os.path.join(workdir, "tree")
        if not download_tree(client, key, tree):
            raise ArtifactNotFoundError(f"no object at {client.describe(key)}")
        place(tree, path)
        return path
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def copy_s3(src_key: str, dst_key: str, **kwargs: Any) -> None:
    """Copy an object, or every object under a key prefix, to ``dst_key`` inside the store."""
    client = get_client(**kwargs)
    if not src_key.endswith("/") and client.exists(src_key):
        client.copy(src_key, dst_key)
        return
    prefix = src_key.rstrip("/") + "/"
    keys = client.list(prefix, recursive=True)
    if not keys:
        raise ArtifactNotFoundError(f"no object at {client.describe(src_key)}")
    for item in keys:
        client.copy(item, dst_key.rstrip("/") + "/" + item[len(prefix) :])
