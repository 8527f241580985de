"""Rendering of leaf templates: script, container and resource templates."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Tuple

from ..io import PVC, own_entries
from ..op_template import ContainerOPTemplate, OPTemplate, ScriptOPTemplate
from ..resource import ResourceOPTemplate
from .io import render_inputs, render_outputs
from .values import encode_duration

PROGRESS_ANNOTATION = "workflows.argoproj.io/progress"
#: on a template whose input artifacts are PVC mounts: JSON {artifact name: mount path}
PVC_INPUTS_ANNOTATION = "dflow/pvc-inputs"


def render_common(t: OPTemplate, memoize_configmap: str) -> Dict[str, Any]:
    """The fields every template has: name, inputs, outputs, metadata, retries, memoization."""
    body: Dict[str, Any] = {"name": t.name}
    inputs = render_inputs(t.inputs)
    if inputs:
        body["inputs"] = inputs
    outputs = render_outputs(t.outputs, t.name)
    if outputs:
        body["outputs"] = outputs
    annotations = dict(t.annotations)
    if t.init_progress:
        annotations[PROGRESS_ANNOTATION] = t.init_progress
    metadata: Dict[str, Any] = {}
    if annotations:
        metadata["annotations"] = annotations
    if t.labels:
        metadata["labels"] = dict(t.labels)
    if metadata:
        body["metadata"] = metadata
    timeout = encode_duration(t.timeout, f"template {t.name!r}")
    if timeout:
        body["timeout"] = timeout
    if t.retry_strategy:
        body["retryStrategy"] = _string_ints(dict(t.retry_strategy))
    if t.memoize_key:
        body["memoize"] = memoize(t.memoize_key, memoize_configmap)
    if t.parallelism is not None:
        body["parallelism"] = t.parallelism
    if t.node_selector:
        body["nodeSelector"] = dict(t.node_selector)
    if t.tolerations:
        body["tolerations"] = list(t.tolerations)
    if t.affinity:
        body["affinity"] = dict(t.affinity)
    if t.volumes:
        body["volumes"] = list(t.volumes)
    return body


def memoize(key: str, configmap: str) -> Dict[str, Any]:
    return {"key": key, "maxAge": "", "cache": {"configMap": {"name": configmap}}}


def _string_ints(strategy: Dict[str, Any]) -> Dict[str, Any]:
    """Argo's IntOrString fields (``limit``) are written as strings, as the schema wants."""
    if isinstance(strategy.get("limit"), int):
        strategy["limit"] = str(strategy["limit"])
    return strategy


def _container_fields(t: Any) -> Dict[str, Any]:
    body: Dict[str, Any] = {}
    if t.image:
        body["image"] = t.image
    if t.image_pull_policy:
        body["imagePullPolicy"] = t.image_pull_policy
    if t.command:
        body["command"] = list(t.command)
    resources = {}
    if t.requests:
        resources["requests"] = dict(t.requests)
    if t.limits:
        resources["limits"] = dict(t.limits)
    if resources:
        body["resources"] = resources
    if t.envs:
        body["env"] = [_env(k, v) for k, v in t.envs.items()]
    mounts = list(t.mounts) + [_mount(pvc) for pvc in all_pvcs(t)]
    if mounts:
        body["volumeMounts"] = mounts
    return body


def _mount(pvc: PVC) -> Dict[str, Any]:
    mount: Dict[str, Any] = {"name": pvc.name, "mountPath": pvc.path}
    if pvc.subpath:
        mount["subPath"] = pvc.subpath
    return mount


def _saved_to_pvcs(t: OPTemplate) -> List[Tuple[str, PVC]]:
    """(container path, claim) for every output artifact saved to a PVC."""
    return [
        (a.path, target)
        for a in own_entries(t.outputs.artifacts).values()
        for target in a.save
        if isinstance(target, PVC) and a.path
    ]


def all_pvcs(t: OPTemplate) -> List[PVC]:
    """The claims a template mounts: its own, and those its outputs are saved to."""
    saved = [PVC(p.name, "", p.size, p.storage_class, p.access_modes, f"/tmp/pvc-save/{p.name}")
             for _, p in _saved_to_pvcs(t)]  # fmt: skip
    unique = {(p.name, p.path): p for p in list(t.pvcs) + saved}
    return list(unique.values())


SCRIPT_EXIT = "exit $dflow_rc\n"  # how a script wrapped to keep its exit code ends


def is_python_script(t: ScriptOPTemplate) -> bool:
    """Whether a script template's source is Python (by class, or by its interpreter)."""
    from ..op_template import PythonScriptOPTemplate

    command = t.command[0] if t.command else ""
    return isinstance(t, PythonScriptOPTemplate) or os.path.basename(command).startswith("python")


def _with_saves(source: str, saves: str) -> str:
    """``source`` followed by ``saves``, placed before the final exit of a wrapped script."""
    if saves and source.endswith(SCRIPT_EXIT):
        return source[: -len(SCRIPT_EXIT)] + saves.lstrip("\n") + SCRIPT_EXIT
    return source + saves


def _save_script(t: ScriptOPTemplate) -> str:
    """Lines appended to a script that copy its PVC-saved outputs into their claims."""
    saves = _saved_to_pvcs(t)
    if not saves:
        return ""
    python = is_python_script(t)
    lines = ["", "import os, shutil"] if python else [""]
    for path, pvc in saves:
        dest = f"/tmp/pvc-save/{pvc.name}/{pvc.subpath}".rstrip("/")
        if python:
            lines.append(f"os.makedirs({dest!r}, exist_ok=True)")
            lines.append(
                f"(shutil.copytree if os.path.isdir({path!r}) else shutil.copy2)"
                f"({path!r}, os.path.join({dest!r}, os.path.basename({path!r})))"
            )
        else:
            lines.append(f"mkdir -p '{dest}' && cp -r '{path}' '{dest}/'")
    return "\n".join(lines) + "\n"


def _env(name: str, value: Any) -> Dict[str, Any]:
    """An environment variable: a plain value, or a ``valueFrom`` source such as a secret."""
    if isinstance(value, dict):
        return {"name": name, "valueFrom": dict(value)}
    return {"name": name, "value": str(value)}


def render_leaf(t: OPTemplate, memoize_configmap: str) -> Dict[str, Any]:
    """A script, container or resource template as Argo wants it."""
    body = render_common(t, memoize_configmap)
    if isinstance(t, ScriptOPTemplate):
        script = _container_fields(t)
        script["source"] = _with_saves(t.script, _save_script(t))
        script.setdefault("image", "alpine:3")
        body["script"] = script
        if t.init_containers:
            body["initContainers"] = [dict(c) for c in t.init_containers]
        if t.sidecars:
            body["sidecars"] = [dict(c) for c in t.sidecars]
    elif isinstance(t, ContainerOPTemplate):
        container = _container_fields(t)
        if t.args:
            container["args"] = list(t.args)
        container.setdefault("image", "alpine:3")
        body["container"] = container
    elif isinstance(t, ResourceOPTemplate):
        manifest = t.manifest
        if not isinstance(manifest, str):
            import yaml

            manifest = yaml.safe_dump(manifest, sort_keys=False)
        resource: Dict[str, Any] = {"action": t.action, "manifest": manifest}
        if t.success_condition:
            resource["successCondition"] = t.success_condition
        if t.failure_condition:
            resource["failureCondition"] = t.failure_condition
        if t.set_owner_reference:
            resource["setOwnerReference"] = True
        body["resource"] = resource
    elif callable(getattr(t, "http_fields", None)):
        body["http"] = t.http_fields()  # type: ignore[attr-defined]
    else:
        raise TypeError(f"cannot render template {t.name!r} of type {type(t).__name__}")
    return body
