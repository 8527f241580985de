"""The inverse of rendering: rebuild workflow objects from an Argo manifest.

``Workflow.from_dict(wf.to_dict()).to_dict() == wf.to_dict()`` holds for every manifest dflow
renders.
Fields dflow does not model are an error naming the template and field, never dropped silently.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional, cast

from .dag import DAG
from .errors import InvalidWorkflowError
from .expressions import ArgoSequence, ArgoVar
from .io import (
    PVC,
    InputArtifact,
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    RawArtifact,
    S3Artifact,
)
from .op_template import (
    ContainerOPTemplate,
    OPTemplate,
    PythonScriptOPTemplate,
    ScriptOPTemplate,
    ShellOPTemplate,
)
from .render.registry import KEY_MEMO, KEY_PARAMETER
from .render.templates import PROGRESS_ANNOTATION
from .resource import ResourceOPTemplate
from .step import Step
from .steps import Steps
from .task import Task

__all__ = ["workflow_from_dict"]

_COMMON = {
    "name", "inputs", "outputs", "metadata", "timeout", "retryStrategy", "memoize",
    "parallelism", "nodeSelector", "tolerations", "affinity", "volumes",
}  # fmt: skip
_CONTAINER = {"image", "imagePullPolicy", "command", "resources", "env", "volumeMounts"}
_SPEC = {
    "entrypoint", "templates", "parallelism", "serviceAccountName", "imagePullSecrets", "podGC",
    "volumes", "volumeClaimTemplates", "artifactRepositoryRef",
}  # fmt: skip
_STEP = {"name", "template", "arguments", "when", "withParam", "withItems", "withSequence",
         "continueOn"}  # fmt: skip


def _unsupported(where: str, fields: Any, known: set) -> None:
    extra = sorted(set(fields) - known)
    if extra:
        raise InvalidWorkflowError(f"{where}: field {extra[0]!r} is not supported by from_dict")


def workflow_from_dict(cls: Callable[..., Any], manifest: Dict[str, Any]) -> Any:
    """A ``Workflow`` (of class ``cls``) equivalent to ``manifest``."""
    if manifest.get("kind", "Workflow") != "Workflow":
        raise InvalidWorkflowError(
            f"expected a Workflow manifest, got kind {manifest.get('kind')!r}"
        )
    metadata = manifest.get("metadata", {})
    spec = manifest.get("spec", {})
    _unsupported("workflow spec", spec, _SPEC)
    claims = {c["metadata"]["name"]: c for c in spec.get("volumeClaimTemplates", [])}
    bodies = {t["name"]: t for t in spec.get("templates", [])}
    entry = spec.get("entrypoint")
    if entry not in bodies:
        raise InvalidWorkflowError(
            f"workflow spec: entrypoint {entry!r} is not one of its templates"
        )
    builder = _Builder(bodies, claims)
    entrypoint = builder.template(entry)
    name = metadata.get("name") or metadata.get("generateName", "workflow-")[:-1]
    wf = cls(
        name=name,
        steps=entrypoint if isinstance(entrypoint, Steps) else None,
        dag=entrypoint if isinstance(entrypoint, DAG) else None,
        id=metadata.get("name"),
        annotations=metadata.get("annotations"),
        labels=metadata.get("labels"),
        parallelism=spec.get("parallelism"),
        pod_gc_strategy=spec.get("podGC", {}).get("strategy"),
        image_pull_secrets=[s["name"] for s in spec.get("imagePullSecrets", [])],
        artifact_repo_key=spec.get("artifactRepositoryRef", {}).get("key"),
        volumes=spec.get("volumes"),
        service_account_name=spec.get("serviceAccountName"),
    )
    # annotations that came from config defaults must not be doubled: take the manifest's exactly
    wf.annotations = dict(metadata.get("annotations") or {})
    return wf


class _Builder:
    def __init__(self, bodies: Dict[str, Dict[str, Any]], claims: Dict[str, Any]) -> None:
        self.bodies = bodies
        self.claims = claims
        self.built: Dict[str, OPTemplate] = {}

    def template(self, name: str) -> OPTemplate:
        if name in self.built:
            return self.built[name]
        body = self.bodies.get(name)
        if body is None:
            raise InvalidWorkflowError(f"template {name!r} is used but not defined")
        if "steps" in body:
            steps = Steps(name, **self._common(body, {"steps"}))
            self.built[name] = steps
            for group in body["steps"]:
                steps.add([self._step(Step, s, name) for s in group])
            return steps
        if "dag" in body:
            dag = DAG(name, **self._common(body, {"dag"}))
            self.built[name] = dag
            _unsupported(f"template {name!r} dag", body["dag"], {"tasks"})
            dag.add([cast(Task, self._step(Task, t, name)) for t in body["dag"]["tasks"]])
            return dag
        built = self._leaf(body)
        self.built[name] = built
        return built

    def _common(self, body: Dict[str, Any], own: set) -> Dict[str, Any]:
        name = body["name"]
        _unsupported(f"template {name!r}", body, _COMMON | own)
        metadata = dict(body.get("metadata", {}))
        _unsupported(f"template {name!r} metadata", metadata, {"annotations", "labels"})
        annotations = dict(metadata.get("annotations", {}))
        init_progress = annotations.pop(PROGRESS_ANNOTATION, None)
        memo = body.get("memoize", {})
        memoize_key = memo.get("key") if memo.get("key") != KEY_MEMO else None
        box = body.get("script") or body.get("container") or {}
        pvcs = [self._pvc(m) for m in box.get("volumeMounts", []) if m["name"] in self.claims]
        return {
            "inputs": _inputs(body.get("inputs", {})),
            "outputs": _outputs(body.get("outputs", {})),
            "memoize_key": memoize_key,
            "annotations": annotations,
            "labels": metadata.get("labels"),
            "timeout": body.get("timeout"),
            "retry_strategy": body.get("retryStrategy"),
            "node_selector": body.get("nodeSelector"),
            "tolerations": body.get("tolerations"),
            "affinity": body.get("affinity"),
            "parallelism": body.get("parallelism"),
            "init_progress": init_progress,
            "volumes": body.get("volumes", []),
            "pvcs": pvcs,
        }

    def _pvc(self, mount: Dict[str, Any]) -> PVC:
        claim = self.claims[mount["name"]]["spec"]
        pvc = PVC(
            mount["name"],
            mount.get("subPath", ""),
            claim["resources"]["requests"]["storage"],
            claim.get("storageClassName"),
            claim.get("accessModes"),
        )
        return pvc if mount["mountPath"] == pvc.path else pvc.mounted_at(mount["mountPath"])

    def _leaf(self, body: Dict[str, Any]) -> OPTemplate:
        name = body["name"]
        if "resource" in body:
            common = self._common(body, {"resource"})
            res = body["resource"]
            _unsupported(
                f"template {name!r} resource",
                res,
                {"action", "manifest", "successCondition", "failureCondition", "setOwnerReference"},
            )
            return ResourceOPTemplate(
                name,
                action=res["action"],
                manifest=res.get("manifest"),
                success_condition=res.get("successCondition"),
                failure_condition=res.get("failureCondition"),
                set_owner_reference=res.get("setOwnerReference", False),
                **common,
            )
        kind = "script" if "script" in body else "container" if "container" in body else None
        if kind is None:
            raise InvalidWorkflowError(
                f"template {name!r}: no steps, dag, script, container or resource"
            )
        common = self._common(body, {kind})
        box = body[kind]
        mounts = [m for m in box.get("volumeMounts", []) if m["name"] not in self.claims]
        resources = box.get("resources", {})
        fields = dict(
            image=box.get("image"),
            mounts=mounts,
            image_pull_policy=box.get("imagePullPolicy"),
            envs={e["name"]: e.get("value", e.get("valueFrom")) for e in box.get("env", [])},
        )
        if kind == "container":
            _unsupported(f"template {name!r} container", box, _CONTAINER | {"args"})
            t: OPTemplate = ContainerOPTemplate(
                name, command=box.get("command"), args=box.get("args"), **fields, **common
            )
        else:
            _unsupported(f"template {name!r} script", box, _CONTAINER | {"source"})
            command = box.get("command") or []
            cls = {("sh",): ShellOPTemplate, ("python3",): PythonScriptOPTemplate}.get(
                tuple(command), ScriptOPTemplate
            )
            t = cls(name, command=command, script=box.get("source", ""), **fields, **common)
        t.requests = dict(resources.get("requests", {}))  # type: ignore[attr-defined]
        t.limits = dict(resources.get("limits", {}))  # type: ignore[attr-defined]
        return t

    def _step(self, cls: type, d: Dict[str, Any], parent: str) -> Step:
        _unsupported(
            f"step {d.get('name')!r} of {parent!r}", d, _STEP | {"dependencies", "depends"}
        )
        template = self.template(d["template"])
        args = d.get("arguments", {})
        params = {p["name"]: p.get("value", "") for p in args.get("parameters", [])}
        key = params.pop(KEY_PARAMETER, None)
        if key is not None:
            template.inputs.parameters.pop(KEY_PARAMETER, None)
        artifacts = {a["name"]: _source(a) for a in args.get("artifacts", [])}
        with_param: Any = d.get("withParam")
        if isinstance(with_param, str) and "{{" not in with_param:
            with_param = json.loads(with_param)
        seq = d.get("withSequence")
        continue_on = d.get("continueOn", {})
        kwargs: Dict[str, Any] = dict(
            parameters=params,
            artifacts=artifacts,
            when=d.get("when"),
            with_param=with_param,
            with_items=d.get("withItems"),
            with_sequence=ArgoSequence(**seq) if seq else None,
            continue_on_failed=continue_on.get("failed", False),
            continue_on_error=continue_on.get("error", False),
            key=key,
        )
        if cls is Task:
            deps: List[str] = list(d.get("dependencies", []))
            if "depends" in d:
                deps = [d["depends"]]
            kwargs["dependencies"] = deps
        return cls(d["name"], template, **kwargs)  # type: ignore[no-any-return]


def _inputs(d: Dict[str, Any]) -> Inputs:
    inputs = Inputs()
    for p in d.get("parameters", []):
        extra = {"value": p["value"]} if "value" in p else {}
        inputs.parameters[p["name"]] = InputParameter(
            description=p.get("description"), enum=p.get("enum"), **extra
        )
    for a in d.get("artifacts", []):
        source = S3Artifact(a["s3"]["key"]) if "s3" in a else None
        inputs.artifacts[a["name"]] = InputArtifact(
            path=a.get("path"), optional=a.get("optional", False), mode=a.get("mode"), source=source
        )
    return inputs


def _outputs(d: Dict[str, Any]) -> Outputs:
    outputs = Outputs()
    for p in d.get("parameters", []):
        vf = p.get("valueFrom", {})
        extra = {"value": p["value"]} if "value" in p else {}
        if "default" in vf:
            extra["default"] = vf["default"]
        outputs.parameters[p["name"]] = OutputParameter(
            value_from_path=vf.get("path"),
            value_from_parameter=vf.get("parameter"),
            value_from_expression=vf.get("expression"),
            global_name=p.get("globalName"),
            description=p.get("description"),
            **extra,
        )
    for a in d.get("artifacts", []):
        outputs.artifacts[a["name"]] = OutputArtifact(
            path=a.get("path"),
            _from=a.get("from"),
            from_expression=a.get("fromExpression"),
            archive=None if "none" in a.get("archive", {}) else "tar",
            global_name=a.get("globalName"),
            optional=a.get("optional", False),
            save=[S3Artifact(a["s3"]["key"])] if "s3" in a else None,
        )
    return outputs


def _source(a: Dict[str, Any]) -> Optional[Any]:
    if "from" in a:
        if "subPath" in a:
            raise InvalidWorkflowError(
                f"input artifact {a['name']!r}: 'from' with 'subPath' is not supported by from_dict"
            )
        return a["from"]
    if "s3" in a:
        return S3Artifact(a["s3"]["key"])
    if "fromExpression" in a:
        return ArgoVar(a["fromExpression"])
    if "raw" in a:
        return RawArtifact(a["raw"].get("data", ""))
    raise InvalidWorkflowError(f"input artifact {a['name']!r}: no from, s3 or fromExpression")
