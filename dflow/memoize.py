"""Reused steps as Argo memoization cache entries: what ``submit(reuse_step=...)`` pre-fills.

A workflow submitted with ``reuse_step`` memoizes every keyed template on ``dflow_key`` in one
config map; an entry under a step's key makes Argo skip that step and take the entry's outputs.
This module only builds the entries (pure); engines store them (Argo) or read them (local).
"""

from __future__ import annotations

import json
import time
from typing import Any, Dict, Iterable, Mapping, Optional

from .argo_objects import ArgoStep, node_key

__all__ = ["CACHE_LABEL", "cache_entry", "cache_entries", "parse_cache_entry"]

# Argo only reads memoization config maps that carry this label.
CACHE_LABEL = {"workflows.argoproj.io/configmap-type": "Cache"}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _plain_outputs(outputs: Any) -> Dict[str, Any]:
    """Outputs as Argo's ``Outputs`` JSON: parameter values as strings, artifacts as they are."""
    plain = json.loads(json.dumps(outputs or {}))
    for a in plain.get("artifacts") or ():
        a.pop("modified", None)  # dflow's own note of a changed artifact, not Argo's field
    for p in plain.get("parameters") or ():
        if "value" in p and not isinstance(p["value"], str):
            p["value"] = json.dumps(p["value"])
    return {k: v for k, v in plain.items() if v not in (None, [], {})}


def cache_entry(step: Mapping[str, Any], timestamp: Optional[str] = None) -> Dict[str, Any]:
    """The cache entry of one finished step: its node id and its outputs."""
    stamp = timestamp or _now()
    return {
        "nodeID": step.get("id", ""),
        "outputs": _plain_outputs(step.get("outputs")),
        "creationTimestamp": stamp,
        "lastHitTimestamp": stamp,
    }


def cache_entries(reuse_step: Iterable[Mapping[str, Any]]) -> Dict[str, str]:
    """Config-map data for ``reuse_step``: step key -> JSON cache entry (a later step wins).

    A step without a key is passed over (no step of the new workflow could match it), as the
    original does.
    """
    stamp = _now()
    data: Dict[str, str] = {}
    for step in reuse_step:
        key = node_key(step)
        if key is None:
            continue
        data[key] = json.dumps(cache_entry(step, stamp))
    return data


def parse_cache_entry(text: str) -> ArgoStep:
    """A cache entry read back as a step view (``outputs`` as ``ArgoStep`` offers them)."""
    entry = json.loads(text)
    return ArgoStep({"id": entry.get("nodeID", ""), "outputs": entry.get("outputs") or {}})
