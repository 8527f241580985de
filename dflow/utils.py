"""dflow 1.x's ``dflow.utils``: artifacts in the store, catalogs, files and commands.

The code lives in ``dflow.storage`` (artifacts, catalogs, store clients), ``dflow.filesystem``,
``dflow.process``, ``dflow.nested``, ``dflow.pyrepr``, ``dflow.discovery`` and
``dflow.artifact_values``.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from .artifact_values import (
    ArtifactDict,
    ArtifactList,
    ArtifactPosixPath,
    ArtifactSet,
    ArtifactStr,
    ArtifactWindowsPath,
)
from .config import s3_config
from .discovery import find_subclass, subclass_or_none
from .filesystem import (
    TempDir,
    copy_file,
    force_link,
    force_move,
    get_md5,
    link,
    linktree,
    merge_dir,
    randstr,
    set_directory,
    try_link,
)
from .nested import dict2list, expand, flatten
from .process import run_command
from .pyrepr import Variable, evalable_repr
from .storage.api import (
    copy_artifact,
    copy_s3,
    download_artifact,
    download_s3,
    upload_artifact,
    upload_s3,
)
from .storage.base import StorageClient
from .storage.paths import (
    append_item,
    assemble_path_object,
    assemble_path_object_from_catalog,
    catalog_of_artifact,
    catalog_of_local_artifact,
    convert_dflow_list,
    get_key,
    path_list_of_artifact,
    path_object_of_artifact,
    remove_empty_dir_tag,
    set_key,
)
from .storage.s3 import S3Client as MinioClient

__all__ = [
    "ArtifactDict",
    "ArtifactList",
    "ArtifactPosixPath",
    "ArtifactSet",
    "ArtifactStr",
    "ArtifactWindowsPath",
    "MinioClient",
    "ProcessPoolExecutor",
    "StorageClient",
    "TempDir",
    "Variable",
    "append_item",
    "assemble_path_object",
    "assemble_path_object_from_catalog",
    "catalog_of_artifact",
    "catalog_of_local_artifact",
    "convert_dflow_list",
    "copy_artifact",
    "copy_file",
    "copy_s3",
    "dict2list",
    "download_artifact",
    "download_s3",
    "evalable_repr",
    "expand",
    "find_subclass",
    "flatten",
    "force_link",
    "force_move",
    "get_key",
    "get_md5",
    "link",
    "linktree",
    "merge_dir",
    "path_list_of_artifact",
    "path_object_of_artifact",
    "randstr",
    "remove_empty_dir_tag",
    "run_command",
    "s3_config",
    "set_directory",
    "set_key",
    "subclass_or_none",
    "try_link",
    "upload_artifact",
    "upload_s3",
]
