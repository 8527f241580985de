"""The paths an artifact holds, read from its catalog: in the store or in a local directory."""

from __future__ import annotations

import json
import os
import shutil
import tarfile
from typing import Any, Dict, List, Optional, Union

from ..errors import StorageError
from .catalog import CATALOG_DIR

__all__ = [
    "EMPTY_DIR_TAG",
    "append_item",
    "assemble_path_object",
    "assemble_path_object_from_catalog",
    "catalog_of_artifact",
    "catalog_of_local_artifact",
    "convert_dflow_list",
    "get_key",
    "path_list_of_artifact",
    "path_object_of_artifact",
    "remove_empty_dir_tag",
    "set_key",
]

#: A file that marks an empty directory in stores without directory objects.
EMPTY_DIR_TAG = ".empty_dir"

Entry = Dict[str, Any]


def get_key(artifact: Any, raise_error: bool = True) -> Optional[str]:
    """The store key of an artifact (``S3Artifact``, Argo artifact dict, status view); None
    when it has none and not ``raise_error``."""
    from .api import artifact_key

    try:
        return artifact_key(artifact)
    except StorageError:
        if raise_error:
            raise
        return None


def set_key(artifact: Any, key: str) -> None:
    """Point an artifact (``S3Artifact`` or Argo artifact dict/view) at another store key."""
    if isinstance(artifact, dict):
        target = artifact["s3"] if isinstance(artifact.get("s3"), dict) else artifact
        target["key"] = key
    elif hasattr(artifact, "s3") and artifact.s3 is not None:
        if isinstance(artifact.s3, dict):
            artifact.s3["key"] = key
        else:
            artifact.s3.key = key
    else:
        artifact.key = key


def _entries(data: bytes, where: str) -> List[Entry]:
    try:
        entries = json.loads(data)["path_list"]
        if not isinstance(entries, list):
            raise TypeError("path_list is not a list")
        return entries
    except (ValueError, KeyError, TypeError) as exc:
        raise StorageError(f"catalog {where} is not a valid catalog: {exc}") from exc


def _in_catalog_dir(name: str) -> bool:
    parts = name.strip("/").split("/")
    return len(parts) >= 2 and parts[-2] == CATALOG_DIR and not parts[-1].endswith(".part")


def catalog_of_artifact(art: Any, storage_client: Any = None, **kwargs: Any) -> List[Entry]:
    """The catalog entries (``{"dflow_list_item": path, "order": n}``) stored with an artifact,
    read without downloading its files: objects under ``key/.dflow/`` or, for a tar.gz, the
    catalog members of the archive. An artifact without a catalog gives ``[]``."""
    from .api import artifact_key, get_client

    client = get_client(storage_client=storage_client, **kwargs)
    key = artifact_key(art)
    catalog: List[Entry] = []
    if not key.endswith("/") and client.exists(key):
        with client.open(key) as raw:
            try:
                with tarfile.open(fileobj=raw, mode="r|*") as tar:
                    for member in tar:
                        if member.isfile() and _in_catalog_dir(member.name):
                            handle = tar.extractfile(member)
                            assert handle is not None
                            catalog += _entries(handle.read(), f"{member.name} of {key}")
            except tarfile.ReadError:
                return []  # a plain file: no catalog
        return catalog
    for item in client.list(key.rstrip("/") + "/", recursive=True):
        if _in_catalog_dir(item):
            with client.open(item) as handle:
                catalog += _entries(handle.read(), client.describe(item))
    return catalog


def _order_key(entry: Entry) -> Any:
    order = entry["order"]
    return (0, order, "") if isinstance(order, int) else (1, 0, str(order))


def convert_dflow_list(dflow_list: List[Entry]) -> List[Optional[str]]:
    """The paths of catalog entries, in their order (sorts the list in place, as dflow 1.x)."""
    dflow_list.sort(key=_order_key)
    return [entry["dflow_list_item"] for entry in dflow_list]


def path_list_of_artifact(art: Any, **kwargs: Any) -> List[Optional[str]]:
    """The relative paths a stored list artifact holds, in list order (None for a missing one)."""
    return convert_dflow_list(catalog_of_artifact(art, **kwargs))


def assemble_path_object_from_catalog(
    catalog: List[Entry], art_path: Optional[str] = None
) -> Union[List[Any], Dict[str, Any]]:
    """The paths of catalog entries (joined to ``art_path`` when given) as the object the OP
    returned: a list by integer order, or nested dicts/lists for dotted orders (``"a.0"``)."""
    from ..nested import expand

    def full(item: Optional[str]) -> Optional[str]:
        if item is None or art_path is None:
            return item
        return os.path.join(art_path, item)

    if all(isinstance(entry["order"], int) for entry in catalog):
        return [full(item) for item in convert_dflow_list(list(catalog))]
    return expand({str(entry["order"]): full(entry["dflow_list_item"]) for entry in catalog})


def path_object_of_artifact(art: Any, **kwargs: Any) -> Union[List[Any], Dict[str, Any]]:
    """The relative paths of a stored artifact, shaped as the OP returned them (list or dict)."""
    return assemble_path_object_from_catalog(catalog_of_artifact(art, **kwargs))


def append_item(catalog: List[Entry], item: Entry) -> None:
    """Add a catalog entry unless an equal one is there already."""
    if item not in catalog:
        catalog.append(item)


def catalog_of_local_artifact(art_path: str, remove: bool = False) -> List[Entry]:
    """The catalog entries of an artifact directory on this machine (``art_path/.dflow/*``);
    ``remove`` deletes the catalog directory afterwards."""
    directory = os.path.join(art_path, CATALOG_DIR)
    catalog: List[Entry] = []
    if os.path.isdir(directory):
        for name in sorted(os.listdir(directory)):
            file = os.path.join(directory, name)
            if os.path.isfile(file) and not name.endswith(".part"):
                with open(file, "rb") as handle:
                    for entry in _entries(handle.read(), repr(file)):
                        append_item(catalog, entry)
        if remove:
            shutil.rmtree(directory)
    return catalog


def assemble_path_object(art_path: str, remove: bool = False) -> Union[List[Any], Dict[str, Any]]:
    """The paths of a local artifact directory from its catalog, joined to ``art_path``."""
    return assemble_path_object_from_catalog(catalog_of_local_artifact(art_path, remove), art_path)


def remove_empty_dir_tag(path: str) -> None:
    """Delete the empty-directory marker files (``.empty_dir``) under ``path``."""
    for dirpath, _, filenames in os.walk(path, followlinks=True):
        if EMPTY_DIR_TAG in filenames:
            os.remove(os.path.join(dirpath, EMPTY_DIR_TAG))
