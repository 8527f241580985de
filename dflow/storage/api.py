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
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple, Union

from ..errors import ArtifactNotFoundError, StorageError
from ..io import S3Artifact
from .artifacts import fetch_object, load_artifact
from .base import StorageClient
from .catalog import CATALOG_DIR, has_catalog, load_catalogs, merge, write_catalog
from .extract import ArchiveLimits
from .gzipstream import has_dflow_mark
from .transfer import (
    download_tree,
    place,
    safe_relative,
    single_top,
    upload_tar_gz,
    upload_tree,
)

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
    from ..config import config, debug_artifact_root, s3_config

    unknown = sorted(set(kwargs) - set(_S3_OPTIONS) - {"storage_client"})
    if unknown:
        raise TypeError(
            f"unexpected keyword argument(s) {', '.join(unknown)}: the store takes "
            f"{', '.join(_S3_OPTIONS)} or storage_client"
        )
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

        return LocalClient(str(debug_artifact_root()))
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
    path: Union[PathLike, Sequence[Optional[PathLike]], Iterable[Optional[PathLike]]],
    archive: Optional[str] = "default",
    namespace: Optional[str] = None,
    dataset_name: Optional[str] = None,
    compresslevel: int = 6,
    **kwargs: Any,
) -> S3Artifact:
    """Upload files and directories as one artifact with a catalog; return its ``S3Artifact``.

    Paths keep their location relative to the current directory (absolute paths outside it are
    kept whole); ``archive="tar"`` stores one tar.gz, ``archive=None`` one object per file,
    ``"default"`` what ``config["archive_mode"]`` says. With ``namespace`` and ``dataset_name``
    the upload is registered in the lineage service ``config["lineage"]`` and the artifact
    carries the ``urn`` it answers.
    """
    from ..config import config
    from ..lineage import configured_lineage

    lineage = configured_lineage()
    if (namespace is None) != (dataset_name is None):
        raise StorageError("upload_artifact: give namespace= and dataset_name= together")
    if namespace is not None and lineage is None:
        raise StorageError(
            "upload_artifact: namespace= and dataset_name= register the upload in a lineage "
            "service; set config['lineage'] to a dflow.LineageClient first"
        )
    if archive == "default":
        archive = config.get("archive_mode", "tar")
    items = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    cwd = os.getcwd()
    missing = [str(p) for p in items if p is not None and not os.path.exists(p)]
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
        for item, rel in zip(items, rels):
            if item is not None and rel not in seen:
                seen.add(rel)
                entries.append((os.path.abspath(os.fspath(item)), rel))  # type: ignore[arg-type]
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
    urn = ""
    if lineage is not None and namespace is not None and dataset_name is not None:
        urn = lineage.register_artifact(namespace=namespace, name=dataset_name, uri=key)
    return S3Artifact(key=key, path_list=[r for r in rels if r is not None], urn=urn)


def download_artifact(
    artifact: Any,
    extract: bool = True,
    sub_path: Optional[str] = None,
    slice: Optional[int] = None,
    path: PathLike = ".",
    remove_catalog: bool = True,
    **kwargs: Any,
) -> List[Optional[str]]:
    """Download an artifact into the directory ``path``; return the local paths it holds.

    With a catalog (lists uploaded or produced by OPs) the list is in catalog order, a missing
    path as None; otherwise it lists the top-level entries placed into ``path``. A tar.gz holding
    one directory has that directory's content placed into ``path``; holding one file, that file
    under its own name. Under a key prefix only archives dflow wrote are unpacked, never a user's.
    ``sub_path`` fetches only that file or directory of the artifact (to ``path/sub_path``);
    ``slice`` only the path at that position of its list.
    """
    from ..config import config

    if slice is not None:
        from .paths import path_list_of_artifact

        paths = path_list_of_artifact(artifact, **kwargs)
        if not -len(paths) <= slice < len(paths) or paths[slice] is None:
            raise ArtifactNotFoundError(
                f"download_artifact: slice {slice} is not in the artifact's list of "
                f"{len(paths)} paths"
            )
        sub_path = paths[slice]
    if sub_path is not None:
        return [_download_sub_path(artifact, sub_path, os.fspath(path), extract, **kwargs)]
    key = artifact_key(artifact)
    client = get_client(**kwargs)
    limits = ArchiveLimits.from_config(config)
    max_items = int(config.get("catalog_max_items") or 0) or None
    given = os.fspath(path)  # the paths returned start with it, as given (``./a.txt``)
    path = os.path.abspath(given)
    os.makedirs(path, exist_ok=True)
    workdir = tempfile.mkdtemp(dir=path, prefix=".dflow-download-")
    try:
        root = os.path.join(workdir, "root")
        if not key.endswith("/") and client.exists(key):
            os.mkdir(os.path.join(workdir, "object"))
            made = fetch_object(client, key, os.path.join(workdir, "object"), extract, limits)
            if os.path.isdir(made.path) and not os.path.islink(made.path):
                os.replace(made.path, root)
            else:
                os.mkdir(root)
                os.replace(made.path, os.path.join(root, made.name))
        elif download_tree(client, key, root):
            if extract and not has_catalog(root):
                _extract_members(client, root, workdir, key, limits)
        else:
            raise ArtifactNotFoundError(f"no artifact at {client.describe(key)}")
        rels = _catalog(root, max_items, client.describe(key)) if has_catalog(root) else None
        if rels is not None and remove_catalog:
            shutil.rmtree(os.path.join(root, CATALOG_DIR))
        names = sorted(os.listdir(root))
        for name in names:
            place(os.path.join(root, name), os.path.join(path, name))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if rels is None:
        return [os.path.join(given, name) for name in names]
    result: List[Optional[str]] = []
    for rel in rels:
        parts = [] if rel is None else rel.split("/")
        present = rel is not None and os.path.lexists(os.path.join(path, *parts))
        result.append(os.path.join(given, *parts) if present else None)
    return result


def _download_sub_path(
    artifact: Any, sub_path: str, path: str, extract: bool, **kwargs: Any
) -> str:
    """One file or directory of an artifact, placed at ``path/sub_path``."""
    parts = safe_relative(sub_path, "sub_path")
    target = os.path.join(os.path.abspath(path), *parts)
    returned = os.path.join(path, *parts)
    client = get_client(**kwargs)
    key = artifact_key(artifact).rstrip("/") + "/" + "/".join(parts)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if client.exists(key) and not (extract and _object_marked(client, key)):
        # one object of an artifact stored object by object: the user's file as it was stored
        client.download(key, target)
        return returned
    if client.exists(key) or client.list(key + "/", recursive=False):
        # stored object by object: fetch just that part (an archive dflow wrote is unpacked)
        from ..config import config

        load_artifact(client, key, target, ArchiveLimits.from_config(config))
        return returned
    scratch = tempfile.mkdtemp(dir=os.path.dirname(target), prefix=".dflow-sub-")
    try:
        download_artifact(artifact, extract=extract, path=scratch, **kwargs)
        found = os.path.join(scratch, *parts)
        if not os.path.lexists(found):
            raise ArtifactNotFoundError(
                f"download_artifact: sub_path {sub_path!r} is not in {client.describe(key)}"
            )
        place(found, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return returned


def _catalog(root: str, max_items: Optional[int], what: str) -> List[Optional[str]]:
    """The merged catalog of the artifact at ``root``; an error names the artifact."""
    try:
        return merge(load_catalogs(root, max_items), max_items)
    except StorageError as exc:
        raise StorageError(f"list artifact at {what}: {exc}") from exc


def _extract_members(
    client: StorageClient, root: str, workdir: str, key: str, limits: ArchiveLimits
) -> None:
    """Unpack the tar.gz files dflow wrote for a stacked artifact (one per slice) into its top.

    Only ``.tgz`` files with dflow's mark in their gzip header are unpacked: any other archive
    under the prefix is the user's own data and stays as it is.
    """
    from .extract import extract_tar

    tarballs: List[str] = []
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if name.endswith(".tgz") and _marked(os.path.join(dirpath, name)):
                tarballs.append(os.path.join(dirpath, name))
    for number, tarball in enumerate(sorted(tarballs)):
        scratch = os.path.join(workdir, f"member-{number}")
        os.mkdir(scratch)
        member = tarball[len(root) + 1 :].replace(os.sep, "/")
        with open(tarball, "rb") as handle:
            extract_tar(handle, scratch, client.describe(f"{key.rstrip('/')}/{member}"), limits)
        os.remove(tarball)
        top = single_top(scratch)
        source = top if top is not None and os.path.isdir(top) else scratch
        for name in os.listdir(source):
            place(os.path.join(source, name), os.path.join(root, name))


def _marked(file: str) -> bool:
    """Whether ``file`` starts with the gzip header of an archive dflow wrote."""
    with open(file, "rb") as handle:
        return has_dflow_mark(handle.read(64))


def _object_marked(client: StorageClient, key: str) -> bool:
    """Whether the object at ``key`` is an archive dflow wrote (its first bytes tell)."""
    with client.open(key) as body:
        return has_dflow_mark(body.read(64))


def copy_artifact(src: Any, dst: Any, sort: bool = False, **kwargs: Any) -> S3Artifact:
    """Copy an artifact to another key inside the store (server side); return the copy.

    With ``sort`` the list of ``src`` is appended after the list of ``dst`` (its catalog orders
    are shifted past dst's), so ``dst`` grows into one list artifact holding both.
    """
    dst_key = artifact_key(dst)
    if sort:
        from .paths import catalog_of_artifact

        src_catalog = catalog_of_artifact(src, **kwargs)
        dst_catalog = catalog_of_artifact(dst, **kwargs)
        if src_catalog and dst_catalog:
            return _append_list(src, dst_key, src_catalog, dst_catalog, **kwargs)
    copy_s3(artifact_key(src), dst_key, **kwargs)
    return S3Artifact(key=dst_key, path_list=getattr(src, "path_list", None))


def _append_list(
    src: Any, dst_key: str, src_catalog: List[Any], dst_catalog: List[Any], **kwargs: Any
) -> S3Artifact:
    client = get_client(**kwargs)
    if client.exists(dst_key):
        raise StorageError(
            f"copy_artifact(sort=True) appends to an artifact stored object by object "
            f"(archive=None); {client.describe(dst_key)} is one archive"
        )
    offset = max(int(entry["order"]) for entry in dst_catalog) + 1
    with tempfile.TemporaryDirectory(prefix="dflow-append-") as scratch:
        download_artifact(src, path=scratch, **kwargs)
        write_catalog(
            scratch,
            [entry["dflow_list_item"] for entry in src_catalog],
            start=offset,
        )
        upload_tree(client, scratch, dst_key.rstrip("/"))
    return S3Artifact(key=dst_key)


def upload_s3(
    path: PathLike,
    key: Optional[str] = None,
    prefix: Optional[str] = None,
    debug_func: Optional[Callable[[str, str], Any]] = None,
    storage_client: Optional[StorageClient] = None,
    **kwargs: Any,
) -> str:
    """Upload a file (one object) or a directory (objects under ``key/``); return the key.

    Without ``key`` the object goes to ``prefix/<name of path>`` when ``prefix`` is given, else
    to a new ``upload/<uuid>/`` key. ``debug_func(source, target)`` places the file into the
    local debug store instead of copying (``os.symlink`` avoids copying big inputs).
    """
    path = os.fspath(path)
    if not os.path.lexists(path):
        raise StorageError(f"cannot upload {path!r}: no such file or directory")
    client = get_client(storage_client=storage_client, **kwargs)
    if key is None and prefix is not None:
        key = prefix.rstrip("/") + "/" + os.path.basename(os.path.abspath(path))
    if debug_func is not None:
        from .local import LocalClient

        if not isinstance(client, LocalClient):
            raise StorageError(
                f"upload_s3: debug_func= places files into the local debug store, but the store "
                f"is {client!r}"
            )
        key = key or client.new_key(f"upload/{uuid.uuid4()}/{os.path.basename(path)}")
        client.place_with(key, path, debug_func)
        return key
    if os.path.isdir(path):
        key = key or client.new_key(f"upload/{uuid.uuid4()}")
        upload_tree(client, path, key)
    else:
        key = key or client.new_key(f"upload/{uuid.uuid4()}/{os.path.basename(path)}")
        client.upload(key, path)
    return key


def download_s3(
    key: str,
    path: PathLike = ".",
    recursive: bool = True,
    skip_exists: bool = False,
    keep_dir: bool = False,
    storage_client: Optional[StorageClient] = None,
    **kwargs: Any,
) -> str:
    """Download an object into the directory ``path`` (a key prefix: its content); return it.

    Args:
        recursive: a key that is not one object is a prefix whose objects are all fetched;
            without it only the object at exactly ``key`` is.
        skip_exists: leave a local file alone when its md5 equals the stored object's.
        keep_dir: put a prefix's content under ``path/<last part of key>/``.
    """
    client = get_client(storage_client=storage_client, **kwargs)
    path = os.path.abspath(os.fspath(path))
    if keep_dir and not client.exists(key):
        path = os.path.join(path, os.path.basename(key.rstrip("/")))
    os.makedirs(path, exist_ok=True)
    if skip_exists:
        return _download_changed(client, key, path)
    workdir = tempfile.mkdtemp(dir=path, prefix=".dflow-download-")
    try:
        if not recursive:
            target = os.path.join(path, os.path.basename(key))
            client.download(key, os.path.join(workdir, "object"))
            place(os.path.join(workdir, "object"), target)
            return target
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


def _download_changed(client: StorageClient, key: str, path: str) -> str:
    """``download_s3(skip_exists=True)``: fetch only objects whose local copy differs (md5)."""
    from ..filesystem import get_md5

    single = not key.endswith("/") and client.exists(key)
    prefix = key.rstrip("/") + "/"
    keys = [key] if single else client.list(prefix, recursive=True)
    if not keys:
        raise ArtifactNotFoundError(f"no object at {client.describe(key)}")
    for item in keys:
        if item.endswith("/"):
            continue
        rel = os.path.basename(item) if single else item[len(prefix) :]
        target = os.path.join(path, *safe_relative(rel, f"object {item!r}"))
        if os.path.isfile(target) and get_md5(target) == client.get_md5(item):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        client.download(item, target)
    return os.path.join(path, os.path.basename(key)) if single else path


def copy_s3(
    src_key: str,
    dst_key: str,
    recursive: bool = True,
    ignore_catalog: bool = False,
    storage_client: Optional[StorageClient] = None,
    **kwargs: Any,
) -> None:
    """Copy an object, or (``recursive``) every object under a key prefix, to ``dst_key``
    inside the store; ``ignore_catalog`` leaves out the catalog files of a list artifact."""
    client = get_client(storage_client=storage_client, **kwargs)
    if not src_key.endswith("/") and client.exists(src_key):
        client.copy(src_key, dst_key)
        return
    if not recursive:
        raise ArtifactNotFoundError(f"no object at {client.describe(src_key)} (recursive=False)")
    prefix = src_key.rstrip("/") + "/"
    keys = client.list(prefix, recursive=True)
    if not keys:
        raise ArtifactNotFoundError(f"no object at {client.describe(src_key)}")
    for item in keys:
        rel = item[len(prefix) :]
        if ignore_catalog and CATALOG_DIR in rel.split("/")[:-1]:
            continue
        client.copy(item, dst_key.rstrip("/") + "/" + rel)
