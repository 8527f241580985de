"""Rendering: a pure function from workflow objects to the Argo manifest dict.

No I/O, no config reads, no mutation of the objects given: what the caller wants (a memoization
config map, the utility image) is passed in.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, Optional

from ..graph import reachable_templates
from .composite import referenced_names, render_templates
from .values import encode_parameter

__all__ = ["render_workflow", "referenced_names", "DEFAULT_MEMOIZE_CONFIGMAP"]

DEFAULT_MEMOIZE_CONFIGMAP = "dflow-memoize"


def render_workflow(
    workflow: Any,
    *,
    memoize_configmap: Optional[str] = None,
    util_image: str = "python:3.11",
    context: Any = None,
) -> Dict[str, Any]:
    """The Argo ``Workflow`` manifest of ``workflow``.

    Args:
        memoize_configmap: when given, steps with a key are memoized in this config map, so that
            steps reused from earlier runs (``submit(reuse_step=...)``) are skipped.
        util_image: the image of the small utility steps dflow adds (success checks).
        context: rewrites every leaf template (default: the workflow's own ``context``).
    """
    workflow = _seen_by_context(workflow)
    entrypoint = _entrypoint(workflow)
    templates, pvcs = render_templates(
        entrypoint,
        memoize_configmap or DEFAULT_MEMOIZE_CONFIGMAP,
        util_image,
        context=context if context is not None else workflow.context,
        keyed_memoize=memoize_configmap is not None,
        exit_handler=getattr(workflow, "on_exit", None),
    )
    metadata: Dict[str, Any] = {}
    if workflow.id:
        metadata["name"] = workflow.id
    else:
        metadata["generateName"] = f"{workflow.name}-"
    if workflow.annotations:
        metadata["annotations"] = dict(workflow.annotations)
    if workflow.labels:
        metadata["labels"] = dict(workflow.labels)
    spec: Dict[str, Any] = {"entrypoint": entrypoint.name, "templates": templates}
    parameters = getattr(workflow, "parameters", None)
    if parameters:
        spec["arguments"] = {
            "parameters": [{"name": k, "value": encode_parameter(v)} for k, v in parameters.items()]
        }
    if getattr(workflow, "on_exit", None) is not None:
        spec["onExit"] = workflow.on_exit.name
    if workflow.parallelism is not None:
        spec["parallelism"] = workflow.parallelism
    if workflow.service_account_name:
        spec["serviceAccountName"] = workflow.service_account_name
    if workflow.image_pull_secrets:
        spec["imagePullSecrets"] = [{"name": s} for s in workflow.image_pull_secrets]
    if workflow.pod_gc_strategy:
        spec["podGC"] = {"strategy": workflow.pod_gc_strategy}
    if workflow.volumes:
        spec["volumes"] = list(workflow.volumes)
    if pvcs:
        spec["volumeClaimTemplates"] = [_claim(p) for p in pvcs.values()]
    if workflow.artifact_repo_key:
        spec["artifactRepositoryRef"] = {"key": workflow.artifact_repo_key}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": metadata,
        "spec": spec,
    }


def _seen_by_context(workflow: Any) -> Any:
    """The workflow as its own context renders it, when that context renders workflows too
    (``renders_workflow = True``): on a copy, so the annotations and labels it sets reach the
    manifest and the workflow given is not changed."""
    context: Any = getattr(workflow, "context", None)
    if context is None or not getattr(context, "renders_workflow", False):
        return workflow
    view = copy.copy(workflow)
    view.annotations = dict(workflow.annotations)
    view.labels = dict(workflow.labels)
    rendered = context.render(view)
    return view if rendered is None else rendered


def _entrypoint(workflow: Any) -> Any:
    """The entry template; the one a Workflow made itself is renamed ``<name>-main`` when a
    template it runs carries the workflow's name (a Python OP ``Count`` in workflow ``count``)."""
    entry = workflow.entrypoint
    if not getattr(workflow, "auto_entrypoint", False):
        return entry
    if not any(t.name == entry.name for t in reachable_templates(entry) if t is not entry):
        return entry
    renamed = copy.copy(entry)
    renamed.name = f"{entry.name[:52]}-main"
    return renamed


def _claim(pvc: Any) -> Dict[str, Any]:
    spec: Dict[str, Any] = {
        "accessModes": list(pvc.access_modes),
        "resources": {"requests": {"storage": pvc.size}},
    }
    if pvc.storage_class:
        spec["storageClassName"] = pvc.storage_class
    return {"metadata": {"name": pvc.name}, "spec": spec}
