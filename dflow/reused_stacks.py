"""Reused items of a sliced step: their stacks carried over to the workflow that reuses them.

The items of a sliced step save their output artifacts into one stack per run of the step,
``<workflow>/dflow-stacked/<sha1 of the Steps/DAG node>/<step>/<name>``, and the steps reading the
stack compute that key in their own workflow. A workflow submitted with ``reuse_step`` skips the
reused items, so before it starts, each stack they saved into is copied to the key the new
workflow computes for the same node (its name with the new workflow's name in front), and an
item output changed with ``modify_output_artifact`` is laid over its copy, its catalog entries
replacing those of the same positions. The plan is pure; ``copy_reused_stacks`` does the copies.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from .python.template import STACK_PARAMETER

__all__ = ["StackPlan", "plan_stack_copies", "copy_reused_stacks"]

_STACK = re.compile(r"^(?P<workflow>[^/]+)/dflow-stacked/(?P<digest>[0-9a-f]{40})/(?P<step>.+)$")


@dataclass
class StackPlan:
    """What to copy: whole stacks (old key -> new key), then changed items laid over their copy."""

    stacks: Dict[str, str] = field(default_factory=dict)
    overlays: List[Tuple[Any, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.stacks or self.overlays)


def _named(node: Mapping[str, Any], io: str, kind: str) -> List[Mapping[str, Any]]:
    return list(((node.get(io) or {}).get(kind)) or ())


def _input(node: Mapping[str, Any], name: str) -> Optional[str]:
    for p in _named(node, "inputs", "parameters"):
        if p.get("name") == name:
            value = p.get("value")
            return value if isinstance(value, str) else None
    return None


def _key(art: Mapping[str, Any]) -> str:
    s3 = art.get("s3")
    return str(s3.get("key") or "") if isinstance(s3, Mapping) else ""


def _stack_node(name: str, workflow: str, digest: str) -> Optional[str]:
    """The ancestor of node ``name`` (a prefix ending before a ``.`` or ``[``) whose SHA-1 is
    ``digest``: the Steps/DAG node the stack key was computed in."""
    if not name.startswith(workflow):
        return None
    ends = [len(name)] + [i for i, c in enumerate(name) if c in ".[" and i >= len(workflow)]
    for end in ends:
        if hashlib.sha1(name[:end].encode()).hexdigest() == digest:
            return name[:end]
    return None


def _new_prefix(node: Mapping[str, Any], prefix: str, new_id: str) -> Optional[str]:
    """Where the reusing workflow ``new_id`` looks for the stack ``prefix`` of ``node``."""
    match = _STACK.match(prefix)
    if match is None:
        return None
    old = _stack_node(str(node.get("name") or ""), match["workflow"], match["digest"])
    if old is None:
        return None
    moved = new_id + old[len(match["workflow"]) :]
    digest = hashlib.sha1(moved.encode()).hexdigest()
    return f"{new_id}/dflow-stacked/{digest}/{match['step']}"


def plan_stack_copies(reuse_step: Iterable[Mapping[str, Any]], new_id: str) -> StackPlan:
    """The copies that let workflow ``new_id`` find the stacked outputs of the reused items."""
    plan = StackPlan()
    for node in reuse_step:
        prefix = _input(node, STACK_PARAMETER)
        if not prefix:
            continue
        target = _new_prefix(node, prefix, new_id)
        if target is None or target == prefix:
            continue
        for art in _named(node, "outputs", "artifacts"):
            name = str(art.get("name"))
            stacked, new = f"{prefix}/{name}", f"{target}/{name}"
            old_key = str((art.get("modified") or {}).get("old_key") or _key(art))
            if not old_key.endswith(stacked):
                continue
            plan.stacks.setdefault(old_key, new)
            if _key(art) != old_key:
                plan.overlays.append((dict(art), new))
    return plan


def copy_reused_stacks(reuse_step: Iterable[Mapping[str, Any]], new_id: str) -> None:
    """Copy the stacks the reused items saved into under the keys workflow ``new_id`` reads."""
    plan = plan_stack_copies(reuse_step, new_id)
    if not plan:
        return
    from .errors import ArtifactNotFoundError
    from .storage import copy_s3, get_client

    client = get_client()
    for old, new in plan.stacks.items():
        try:
            copy_s3(old, new, storage_client=client)
        except ArtifactNotFoundError:
            pass  # the items stacked nothing (an optional output left empty)
    for art, new in plan.overlays:
        _lay_over(client, art, new)


def _lay_over(client: Any, art: Mapping[str, Any], stack: str) -> None:
    """Put the files of a changed item output into ``stack``, its catalog entries replacing
    the stack's at the same positions."""
    from .io import S3Artifact
    from .storage import download_artifact
    from .storage.paths import catalog_of_artifact
    from .storage.transfer import upload_tree

    source = S3Artifact(_key(art))
    entries = catalog_of_artifact(source, storage_client=client)
    with tempfile.TemporaryDirectory(prefix="dflow-reuse-") as scratch:
        files = os.path.join(scratch, "files")
        download_artifact(source, path=files, storage_client=client)
        upload_tree(client, files, stack)
        by_order: Dict[int, List[Any]] = {}
        for entry in entries:
            if entry.get("dflow_list_item") is not None and isinstance(entry.get("order"), int):
                by_order.setdefault(entry["order"], []).append(entry)
        for order, listed in by_order.items():
            path = os.path.join(scratch, f"item-{order:06d}")
            with open(path, "w") as out:
                json.dump({"path_list": listed}, out)
            client.upload(f"{stack.rstrip('/')}/.dflow/item-{order:06d}", path)
