"""Running chosen steps of a workflow again, on Argo.

In a running workflow: the workflow is suspended, the steps' pods deleted, their nodes set back
to Pending (and their failed parents to Running) in the Workflow resource, and the workflow
resumed, so that the controller creates the pods anew. In an ended workflow: Argo's own retry,
restarting the chosen node (selected by ``nodeFieldSelector``) and what depends on it, even if it
had succeeded.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Dict, Iterable, List, Union

from ...errors import DflowError, NotFoundError
from .. import FINISHED_PHASES

__all__ = ["retry_steps", "reset_patch", "SETTLE"]

log = logging.getLogger("dflow")

SETTLE = 5.0  # seconds for the controller to take in the suspension before nodes are patched


def retry_steps(
    engine: Any, workflow_id: str, step_ids: Union[str, Iterable[str]], settle: float = SETTLE
) -> None:
    """Run the steps ``step_ids`` (node ids) of workflow ``workflow_id`` again on ``engine``
    (an ``ArgoEngine``)."""
    ids = [step_ids] if isinstance(step_ids, str) else list(step_ids)
    if not ids:
        raise DflowError(f"workflow {workflow_id!r}: retry_steps needs at least one step id")
    status = engine.get(workflow_id).get("status") or {}
    nodes = status.get("nodes") or {}
    for step_id in ids:
        if step_id not in nodes:
            raise NotFoundError(f"workflow {workflow_id!r} has no step with id {step_id!r}")
    phase = status.get("phase")
    if phase in FINISHED_PHASES:
        _retry_ended(engine, workflow_id, ids, nodes)
    elif phase == "Running":
        _retry_running(engine, workflow_id, ids, nodes, settle)
    else:
        raise DflowError(
            f"workflow {workflow_id!r} is {phase or 'Pending'}: steps can be retried only in a "
            "running or an ended workflow"
        )


def _retry_ended(engine: Any, workflow_id: str, ids: List[str], nodes: Dict[str, Any]) -> None:
    if len(ids) > 1:
        raise DflowError(
            f"workflow {workflow_id!r} has ended: Argo retries one chosen step of an ended "
            f"workflow at a time, got {len(ids)} ({', '.join(ids)}); retry one, then the "
            "others while it runs"
        )
    body = {
        "name": workflow_id,
        "namespace": engine.namespace,
        "restartSuccessful": True,
        "nodeFieldSelector": f"id={ids[0]}",
    }
    log.info("workflow %s: retrying step %s", workflow_id, _shown(nodes[ids[0]]))
    engine.client.call(
        "workflow",
        "retry_workflow",
        engine.namespace,
        workflow_id,
        body,
        idempotent=False,
        workflow=workflow_id,
    )


def _retry_running(
    engine: Any, workflow_id: str, ids: List[str], nodes: Dict[str, Any], settle: float
) -> None:
    for step_id in ids:
        if nodes[step_id].get("type") != "Pod":
            raise DflowError(
                f"workflow {workflow_id!r}: step {_shown(nodes[step_id])} is a "
                f"{nodes[step_id].get('type')} node; in a running workflow only steps that run "
                "a pod can be retried"
            )
    log.info("workflow %s: suspending it to retry %d step(s)", workflow_id, len(ids))
    engine.action(workflow_id, "suspend")
    deleted = False
    try:
        time.sleep(settle)
        nodes = (engine.get(workflow_id).get("status") or {}).get("nodes") or {}
        patch = reset_patch(nodes, ids)
        for step_id in ids:
            log.info(
                "workflow %s: deleting the pod of step %s", workflow_id, _shown(nodes[step_id])
            )
            deleted = engine.delete_pod(workflow_id, nodes[step_id]) or deleted
        engine.patch_workflow(workflow_id, {"status": {"nodes": patch}})
    except BaseException:
        if deleted:
            log.warning(
                "workflow %s is left suspended: pods were deleted but the steps could not be "
                "set to run again; resume it once the cause is fixed",
                workflow_id,
            )
        else:
            engine.action(workflow_id, "resume")
        raise
    engine.action(workflow_id, "resume")


def reset_patch(nodes: Dict[str, Any], ids: List[str]) -> Dict[str, Dict[str, str]]:
    """Node id -> new phase: each step Pending, each of its failed parents Running."""
    patch: Dict[str, Dict[str, str]] = {}
    for step_id in ids:
        name = str(nodes[step_id].get("name") or "")
        for node_id, node in nodes.items():
            if node.get("phase") == "Failed" and _is_parent(str(node.get("name") or ""), name):
                patch[node_id] = {"phase": "Running"}
    for step_id in ids:
        patch[step_id] = {"phase": "Pending"}
    return patch


def _is_parent(parent: str, child: str) -> bool:
    """Whether node name ``parent`` contains node name ``child`` (``wf[0].a`` in ``wf[0].a(1)``,
    ``wf.dag`` in ``wf.dag.task``), by Argo's naming of nodes."""
    return len(child) > len(parent) and child.startswith(parent) and child[len(parent)] in ".[("


def _shown(node: Dict[str, Any]) -> str:
    return f"{node.get('displayName') or node.get('name')!r} ({node.get('id')})"
