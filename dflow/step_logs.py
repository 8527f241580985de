"""The logs of a workflow's steps, over any engine: which pods a step ran (each attempt of a
retried step labelled), read one after the other, followed while the workflow runs.
"""

from __future__ import annotations

import time
from typing import Any, Dict, Iterator, List, Mapping, Optional, Set, Tuple

from .argo_objects import node_key

__all__ = ["pods_of", "workflow_logs"]

_ENDED = ("Succeeded", "Failed", "Error", "Skipped", "Omitted")


def _matches(node: Mapping[str, Any], parent: Optional[Mapping[str, Any]], step: str) -> bool:
    """Whether ``step`` names the pod ``node`` (its name, key or id, or its retry group's)."""
    for candidate in (node, parent):
        if candidate is None:
            continue
        shown = str(candidate.get("displayName") or "")
        if step in (shown, candidate.get("id"), node_key(candidate)):
            return True
        if shown.startswith(step + "(") and shown.endswith(")"):  # a fan-out item name(i:x)
            return True
    return False


def pods_of(workflow: Mapping[str, Any], step: Optional[str] = None) -> List[Tuple[str, Dict]]:
    """The pod nodes of ``workflow`` (of ``step`` only, when given) in start order, each with
    its label: the step's name, and ``attempt i/n`` for each try of a retried step."""
    nodes: Dict[str, Dict[str, Any]] = ((workflow.get("status") or {}).get("nodes")) or {}
    retry_of: Dict[str, Tuple[Dict[str, Any], int, int]] = {}
    for node in nodes.values():
        if node.get("type") == "Retry":
            children = [c for c in node.get("children") or () if c in nodes]
            for i, child in enumerate(children):
                retry_of[child] = (node, i + 1, len(children))
    pods = []
    for node in nodes.values():
        if node.get("type") != "Pod":
            continue
        parent, attempt, tries = retry_of.get(node["id"], (None, 0, 0))
        if step is not None and not _matches(node, parent, step):
            continue
        label = str((parent or node).get("displayName") or node["id"])
        if parent is not None and tries > 1:
            label += f" (attempt {attempt}/{tries})"
        pods.append((label, node))
    pods.sort(key=lambda p: (p[1].get("startedAt") or "~", p[1].get("name") or ""))
    return pods


def workflow_logs(
    engine: Any,
    workflow_id: str,
    step: Optional[str] = None,
    follow: bool = False,
    tail: Optional[int] = None,
    grep: Optional[str] = None,
    interval: float = 1.0,
) -> Iterator[str]:
    """Lines ``label: text`` of the pods of ``workflow_id`` (of ``step``); with ``follow``, the
    running pods are followed and new pods picked up until the workflow ends.

    Raises:
        NotFoundError: no step of the workflow is called ``step`` (and it has ended).
    """
    from .engines import FINISHED_PHASES
    from .errors import NotFoundError

    shown: Set[str] = set()
    while True:
        wf = engine.get(workflow_id)
        phase = (wf.get("status") or {}).get("phase")
        fresh = [(label, n) for label, n in pods_of(wf, step) if n["id"] not in shown]
        if not fresh and not shown and (not follow or phase in FINISHED_PHASES):
            what = f"step {step!r} of workflow" if step else "pods of workflow"
            raise NotFoundError(f"no {what} {workflow_id!r} to show the logs of")
        for label, node in fresh:
            if not follow and node.get("phase") not in _ENDED and node.get("phase") != "Running":
                continue  # not started yet
            shown.add(node["id"])
            live = follow and node.get("phase") not in _ENDED
            for line in engine.logs(workflow_id, node, follow=live, tail=tail, grep=grep):
                yield f"{label}: {line}"
        if not follow or phase in FINISHED_PHASES:
            return
        time.sleep(interval)
