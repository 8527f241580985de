"""Process-wide settings: ``config`` (engine, Argo server) and ``s3_config`` (artifact store).

Both are plain dicts, as in the original API. Every key can be overridden at import time by an
environment variable ``DFLOW_<KEY>`` (``DFLOW_S3_<KEY>`` for ``s3_config``); ``set_config`` and
``set_s3_config`` change them later. Code reads them at its edges (when a workflow is submitted
or an
artifact is moved) and passes the values down, never deep inside.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Optional

__all__ = [
    "config",
    "s3_config",
    "set_config",
    "set_s3_config",
    "debug_root",
    "debug_artifact_root",
    "boolize",
    "nullable",
    "split_headers",
]

_CONFIG_DEFAULTS: dict[str, Any] = {
    "host": "https://127.0.0.1:2746",
    "namespace": "argo",
    "token": None,
    "k8s_config_file": None,
    "k8s_api_server": None,
    "mode": "default",
    "insecure": False,
    "http_headers": {},
    "util_image": "python:3.11",
    "util_image_pull_policy": None,
    "dispatcher_image": "dptechnology/dpdispatcher",
    "dispatcher_image_pull_policy": None,
    "dispatcher_debug": False,
    "ship_dflow": True,
    "workflow_annotations": {},
    "catalog_dir_name": ".dflow",
    "archive_mode": "tar",
    "debug_workdir": None,
    "debug_workers": None,
    "debug_s3": False,
    # the original's debug settings, mapped onto the local engine (dflow.engines.local.settings)
    "debug_artifact_dir": None,
    "debug_pool_workers": None,
    "debug_batch_size": None,
    "debug_batch_interval": 30,
    "debug_failfast": False,
    "debug_copy_method": None,
    "debug_save_copy_method": None,
    "debug_isolation": "auto",
    "debug_zygote": True,
    "detach": False,
    # a group pod fails when one of its items fails, whatever its Slices say (DFLOW_RAISE_FOR_GROUP)
    "raise_for_group": False,
    "lineage": None,
    "argo_request_timeout": 60.0,
    "argo_configuration": None,
    "wait_timeout": None,
    # how far an archive or a list artifact may grow when unpacked (dflow.storage.extract)
    "archive_max_entries": 50_000,
    "archive_max_bytes": 64 << 30,
    "archive_max_ratio": 200.0,
    "catalog_max_items": 1_000_000,
}

_S3_DEFAULTS: dict[str, Any] = {
    "endpoint": "127.0.0.1:9000",
    "access_key": "admin",
    "secret_key": "password",
    "secure": False,
    "bucket_name": "my-bucket",
    "prefix": "",
    "storage_client": None,
    # the cluster's artifact repository (``artifact-repositories`` ConfigMap key), read into
    # repo / repo_type / repo_prefix by ``dflow.artifact_repo.parse_repo``
    "repo_key": None,
    "repo": None,
    "repo_type": "s3",
    "extra_prefixes": [],
    # the store's web console (OP.get_*_artifact_link) and the key prefix of an OSS repository
    "console": "http://127.0.0.1:9001",
    "repo_prefix": "",
    # every request to the store is bounded; a failed one is tried again up to max_attempts times
    "connect_timeout": 10.0,
    "read_timeout": 30.0,
    "max_attempts": 4,
}


# keys whose default is None but whose environment value is a number
_INT_KEYS = {"debug_workers", "debug_pool_workers", "debug_batch_size"}
# keys whose default is None but whose environment value is JSON
_JSON_KEYS = {"repo"}


def _parse(raw: str, default: Any, key: str = "") -> Any:
    """Turn an environment string into the type of the default it overrides."""
    if key in _INT_KEYS:
        return int(raw)
    if key in _JSON_KEYS:
        import json

        return json.loads(raw)
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, (dict, list)):
        import json

        return json.loads(raw)
    return raw


def _with_env(defaults: dict[str, Any], prefix: str) -> dict[str, Any]:
    values = {}
    for key, default in defaults.items():
        raw = os.environ.get(prefix + key.upper())
        values[key] = default if raw is None else _parse(raw, default, key)
    return values


config: dict[str, Any] = _with_env(_CONFIG_DEFAULTS, "DFLOW_")
s3_config: dict[str, Any] = _with_env(_S3_DEFAULTS, "DFLOW_S3_")


def set_config(**kwargs: Any) -> None:
    """Update ``config``; unknown keys are accepted, as extensions may read their own."""
    config.update(kwargs)


def set_s3_config(**kwargs: Any) -> None:
    """Update ``s3_config``."""
    s3_config.update(kwargs)


def debug_root(settings: Optional[Mapping[str, Any]] = None) -> Path:
    """The local engine's root: ``debug_workdir`` (``DFLOW_DEBUG_WORKDIR``), else the user cache.

    It holds the workflows run on this machine and, under ``artifacts/``, their artifact store.
    """
    explicit = (settings if settings is not None else config).get("debug_workdir")
    if explicit:
        return Path(explicit).expanduser().resolve()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache, "dflow").resolve()


def debug_artifact_root(settings: Optional[Mapping[str, Any]] = None) -> Path:
    """The local artifact store: ``debug_artifact_dir`` (``DFLOW_DEBUG_ARTIFACT_DIR``), else
    ``artifacts/`` under the engine's root."""
    explicit = (settings if settings is not None else config).get("debug_artifact_dir")
    if explicit:
        return Path(explicit).expanduser().resolve()
    return debug_root(settings) / "artifacts"


def boolize(s: Any) -> bool:
    """An environment-style flag as a bool: ``"true"``, ``"1"``, ``"yes"``, ``"on"`` are True."""
    if isinstance(s, bool):
        return s
    return str(s).strip().lower() in ("1", "true", "yes", "on")


def nullable(s: Any) -> Any:
    """An environment-style value where ``"None"`` means None."""
    return None if s == "None" else s


def split_headers(s: str) -> dict[str, str]:
    """HTTP headers written one per line as ``Name: value`` (the form of ``DFLOW_HTTP_HEADERS``
    lines) as a dict; a non-empty line without ``Name:`` is an error."""
    headers: dict[str, str] = {}
    for line in s.splitlines():
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise ValueError(f"HTTP header line {line!r} is not 'Name: value'")
        headers[name.strip()] = value.strip()
    return headers
