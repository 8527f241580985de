"""The names Argo gives the pods of a workflow's nodes (its "v2" pod names), and node helpers."""

from __future__ import annotations

import datetime
from typing import Any, Iterable, Mapping, Optional

__all__ = ["fnva", "get_hash", "get_pod_name", "get_duration", "match"]

_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193
_MAX_PREFIX = 253 - 10 - 1  # Kubernetes name limit, less the hash and its dash


def fnva(data: bytes, hval_init: int, fnv_prime: int, fnv_size: int) -> int:
    """The FNV-1a hash of ``data`` (start ``hval_init``, prime ``fnv_prime``, modulo
    ``fnv_size``)."""
    value = hval_init
    for byte in data:
        value = ((value ^ byte) * fnv_prime) % fnv_size
    return value


def get_hash(node_name: str) -> int:
    """The 32-bit FNV-1a hash of a node name, as Argo computes it for pod names."""
    return fnva(node_name.encode(), _FNV32_OFFSET, _FNV32_PRIME, 2**32)


def get_pod_name(wf_name: str, node_name: str, template_name: str, node_id: str) -> str:
    """The pod of a node: ``<workflow>-<template>-<hash of node name>`` (the workflow's own name
    when the node is the workflow itself)."""
    if wf_name == node_name:
        return wf_name
    prefix = f"{wf_name}-{template_name}"[:_MAX_PREFIX]
    return f"{prefix}-{get_hash(node_name)}"


def _time(value: Any) -> Optional[datetime.datetime]:
    if not value:
        return None
    return datetime.datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc
    )


def get_duration(status: Mapping[str, Any]) -> datetime.timedelta:
    """How long a workflow or node has run: to ``finishedAt``, or until now while running."""
    started = _time(status.get("startedAt"))
    if started is None:
        return datetime.timedelta(0)
    finished = _time(status.get("finishedAt")) or datetime.datetime.now(datetime.timezone.utc)
    return finished - started


def match(n: str, names: Iterable[str]) -> bool:
    """Whether ``n`` is one of ``names`` (exact names: a pattern such as ``"a.*"`` is not
    expanded, as in dflow 1.x)."""
    return any(n == name for name in names)
