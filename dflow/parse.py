"""The inverse of rendering: rebuild workflow objects from an Argo manifest.

``Workflow.from_dict(wf.to_dict()).to_dict() == wf.to_dict()`` holds for every manifest dflow
renders.
Fields dflow does not model are an error naming the template and field, never dropped silently.
Every object is made through a ``Maker``: ``Direct`` builds it, while ``dflow.code_gen`` records
the same calls as Python source, so the manifest is read in one place for both.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Dict, List, Optional, Protocol, Set, Tuple

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

__all__ = ["workflow_from_dict", "Maker", "Direct", "ManifestReader"]

_COMMON = {
    "name", "inputs", "outputs", "metadata", "timeout", "retryStrategy", "memoize",
    "parallelism", "nodeSelector", "tolerations", "affinity", "volumes",
}  # fmt: skip
_CONTAINER = {"image", "imagePullPolicy", "command", "resources", "env", "volumeMounts"}
_SPEC = {
    "entrypoint", "templates", "parallelism", "serviceAccountName", "imagePullSecrets", "podGC",
    "volumes", "volumeClaimTemplates", "artifactRepositoryRef", "arguments", "onExit",
}  # fmt: skip
# "{{steps.NAME.outputs.parameters.P}}" (or tasks., or .artifacts.A), a whole value
_STEP_OUTPUT = re.compile(
    r"^\{\{(?P<scope>steps|tasks)\.(?P<step>[A-Za-z0-9-]+)\.outputs\.(?P<kind>parameters|artifacts)"
    r"\.(?P<name>[A-Za-z0-9_-]+)\}\}$"
)
_STEP = {"name", "template", "arguments", "when", "withParam", "withItems", "withSequence",
         "continueOn"}  # fmt: skip


def _unsupported(where: str, fields: Any, known: set) -> None:
    extra = sorted(set(fields) - known)
    if extra:
        raise InvalidWorkflowError(f"{where}: field {extra[0]!r} is not supported by from_dict")


class Maker(Protocol):
    """How the reader makes objects: builds them, or writes the code that would."""

    def new(self, cls: Callable[..., Any], *args: Any, bind: str = "", **kwargs: Any) -> Any:
        """``cls(*args, **kwargs)``; ``bind`` (``"template:NAME"``, ``"step:NAME"``,
        ``"task:NAME"``, ``"workflow:"``) marks an object worth a variable of its own."""

    def call(self, obj: Any, method: str, *args: Any) -> Any:
        """``obj.method(*args)``, its result used as a value."""

    def do(self, obj: Any, method: str, *args: Any) -> None:
        """``obj.method(*args)`` for its effect."""

    def set(self, obj: Any, attr: str, value: Any) -> None:
        """``obj.attr = value``."""

    def ref(self, obj: Any, attrs: Tuple[str, ...], key: str) -> Any:
        """``obj.<attrs...>[key]``: an output of an earlier step, as users write it."""


class Direct:
    """The maker that builds the objects."""

    def new(self, cls: Callable[..., Any], *args: Any, bind: str = "", **kwargs: Any) -> Any:
        return cls(*args, **kwargs)

    def call(self, obj: Any, method: str, *args: Any) -> Any:
        return getattr(obj, method)(*args)

    def do(self, obj: Any, method: str, *args: Any) -> None:
        getattr(obj, method)(*args)

    def set(self, obj: Any, attr: str, value: Any) -> None:
        setattr(obj, attr, value)

    def ref(self, obj: Any, attrs: Tuple[str, ...], key: str) -> Any:
        for attr in attrs:
            obj = getattr(obj, attr)
        return obj[key]


def _check_shape(manifest: Any) -> None:
    """The parts the parser walks are there with their types, or an error names the one that
    is not (an empty document, a list, a template without a name)."""
    if not isinstance(manifest, dict):
        got = "an empty document" if manifest is None else f"a {type(manifest).__name__}"
        raise InvalidWorkflowError(f"a Workflow manifest is a mapping; got {got}")
    for part in ("metadata", "spec"):
        if not isinstance(manifest.get(part, {}), dict):
            raise InvalidWorkflowError(f"the manifest's {part} is not a mapping")
    templates = (manifest.get("spec") or {}).get("templates", [])
    if not isinstance(templates, list):
        raise InvalidWorkflowError("the manifest's spec.templates is not a list")
    for i, tmpl in enumerate(templates):
        if not isinstance(tmpl, dict) or not isinstance(tmpl.get("name"), str):
            raise InvalidWorkflowError(f"spec.templates[{i}] has no name")


def workflow_from_dict(
    cls: Callable[..., Any], manifest: Dict[str, Any], maker: Optional[Maker] = None
) -> Any:
    """A ``Workflow`` (of class ``cls``) equivalent to ``manifest``, made by ``maker``."""
    return ManifestReader(manifest, maker or Direct()).workflow(cls)


def template_from_dict(body: Dict[str, Any], others: Optional[List[Dict[str, Any]]] = None) -> Any:
    """The template an Argo template dict describes (``others``: the templates it calls)."""
    name = body.get("name")
    if not name:
        raise InvalidWorkflowError("a template dict needs a name")
    manifest = {"spec": {"entrypoint": name, "templates": [body, *(others or [])]}}
    return ManifestReader(manifest, Direct()).template(name)


class ManifestReader:
    """Reads one manifest: ``template(name)`` makes a template (and those it calls) once,
    ``workflow(cls)`` the whole workflow, each through the maker."""

    def __init__(self, manifest: Dict[str, Any], make: Maker) -> None:
        _check_shape(manifest)
        if manifest.get("kind", "Workflow") != "Workflow":
            raise InvalidWorkflowError(
                f"expected a Workflow manifest, got kind {manifest.get('kind')!r}"
            )
        self.metadata = manifest.get("metadata", {})
        self.spec = spec = manifest.get("spec", {})
        _unsupported("workflow spec", spec, _SPEC)
        self.claims = {c["metadata"]["name"]: c for c in spec.get("volumeClaimTemplates", [])}
        self.bodies: Dict[str, Dict[str, Any]] = {t["name"]: t for t in spec.get("templates", [])}
        self.make = make
        self.built: Dict[str, Any] = {}
        # templates called with a step key: the key parameter is added back when they render
        self.keyed: Set[str] = set()
        for body in self.bodies.values():
            calls = [s for group in body.get("steps") or [] for s in group]
            calls += (body.get("dag") or {}).get("tasks") or []
            for call in calls:
                args = (call.get("arguments") or {}).get("parameters") or []
                if any(p.get("name") == KEY_PARAMETER for p in args):
                    self.keyed.add(call.get("template"))

    def workflow(self, cls: Callable[..., Any]) -> Any:
        make, metadata, spec, bodies = self.make, self.metadata, self.spec, self.bodies
        entry = spec.get("entrypoint")
        if entry not in bodies:
            raise InvalidWorkflowError(
                f"workflow spec: entrypoint {entry!r} is not one of its templates"
            )
        entrypoint = self.template(entry)
        arguments = spec.get("arguments") or {}
        _unsupported("workflow spec arguments", arguments, {"parameters"})
        parameters = {}
        for p in arguments.get("parameters") or []:
            _unsupported(f"workflow parameter {p.get('name')!r}", p, {"name", "value"})
            parameters[p["name"]] = p.get("value", "")
        on_exit = spec.get("onExit")
        if on_exit is not None and on_exit not in bodies:
            raise InvalidWorkflowError(f"workflow spec: onExit {on_exit!r} is not a template")
        entry_kind = (
            "steps" if "steps" in bodies[entry] else "dag" if "dag" in bodies[entry] else ""
        )
        name = metadata.get("name") or metadata.get("generateName", "workflow-")[:-1]
        wf = make.new(
            cls,
            bind="workflow:",
            name=name,
            steps=entrypoint if entry_kind == "steps" else None,
            dag=entrypoint if entry_kind == "dag" else None,
            id=metadata.get("name"),
            annotations=metadata.get("annotations"),
            labels=metadata.get("labels"),
            parallelism=spec.get("parallelism"),
            pod_gc_strategy=spec.get("podGC", {}).get("strategy"),
            image_pull_secrets=[s["name"] for s in spec.get("imagePullSecrets", [])] or None,
            artifact_repo_key=spec.get("artifactRepositoryRef", {}).get("key"),
            volumes=spec.get("volumes"),
            service_account_name=spec.get("serviceAccountName"),
            parameters=parameters or None,
            on_exit=self.template(on_exit) if on_exit is not None else None,
        )
        # annotations that came from config defaults must not be doubled: the manifest's exactly
        make.set(wf, "annotations", dict(metadata.get("annotations") or {}))
        return wf

    def template(self, name: str) -> Any:
        if name in self.built:
            return self.built[name]
        body = self.bodies.get(name)
        if body is None:
            raise InvalidWorkflowError(f"template {name!r} is used but not defined")
        if "steps" in body:
            steps = self.make.new(
                Steps, name, bind=f"template:{name}", **self._common(body, {"steps"})
            )
            self.built[name] = steps
            scope: Dict[str, Any] = {}  # the steps made so far, by name
            for group in body["steps"]:
                made = [self._step(Step, s, name, scope) for s in group]
                self.make.do(steps, "add", made)
                scope.update(zip((s["name"] for s in group), made))
            return steps
        if "dag" in body:
            dag = self.make.new(DAG, name, bind=f"template:{name}", **self._common(body, {"dag"}))
            self.built[name] = dag
            _unsupported(f"template {name!r} dag", body["dag"], {"tasks"})
            tasks: Dict[str, Any] = {}  # the tasks made so far, by name
            for t in body["dag"]["tasks"]:
                tasks[t["name"]] = self._step(Task, t, name, tasks)
            self.make.do(dag, "add", list(tasks.values()))
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
            "inputs": self._inputs(body.get("inputs", {}), drop_key=name in self.keyed),
            "outputs": self._outputs(body.get("outputs", {})),
            "memoize_key": memoize_key,
            "annotations": annotations or None,
            "labels": metadata.get("labels") or None,
            "timeout": body.get("timeout"),
            "retry_strategy": body.get("retryStrategy"),
            "node_selector": body.get("nodeSelector"),
            "tolerations": body.get("tolerations"),
            "affinity": body.get("affinity"),
            "parallelism": body.get("parallelism"),
            "init_progress": init_progress,
            "volumes": body.get("volumes") or None,
            "pvcs": pvcs or None,
        }

    def _pvc(self, mount: Dict[str, Any]) -> Any:
        claim = self.claims[mount["name"]]["spec"]
        pvc = self.make.new(
            PVC,
            mount["name"],
            mount.get("subPath", ""),
            claim["resources"]["requests"]["storage"],
            claim.get("storageClassName"),
            claim.get("accessModes"),
        )
        default_path = f"/tmp/pvc/{mount['name']}"  # PVC.path when no mount path is given
        if mount["mountPath"] == default_path:
            return pvc
        return self.make.call(pvc, "mounted_at", mount["mountPath"])

    def _leaf(self, body: Dict[str, Any]) -> Any:
        name = body["name"]
        if "resource" in body:
            common = self._common(body, {"resource"})
            res = body["resource"]
            _unsupported(
                f"template {name!r} resource",
                res,
                {"action", "manifest", "successCondition", "failureCondition", "setOwnerReference"},
            )
            return self.make.new(
                ResourceOPTemplate,
                name,
                bind=f"template:{name}",
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
        common = self._common(
            body, {kind} | ({"initContainers", "sidecars"} if kind == "script" else set())
        )
        box = body[kind]
        mounts = [m for m in box.get("volumeMounts", []) if m["name"] not in self.claims]
        resources = box.get("resources", {})
        fields = dict(
            image=box.get("image"),
            mounts=mounts or None,
            image_pull_policy=box.get("imagePullPolicy"),
            envs={e["name"]: e.get("value", e.get("valueFrom")) for e in box.get("env", [])}
            or None,
        )
        if kind == "container":
            _unsupported(f"template {name!r} container", box, _CONTAINER | {"args"})
            t = self.make.new(
                ContainerOPTemplate,
                name,
                bind=f"template:{name}",
                command=box.get("command"),
                args=box.get("args"),
                **fields,
                **common,
            )
        else:
            _unsupported(f"template {name!r} script", box, _CONTAINER | {"source"})
            command = box.get("command") or []
            # init containers and sidecars only when present: the generated code stays short
            pods = {
                field: body[key]
                for field, key in (("init_containers", "initContainers"), ("sidecars", "sidecars"))
                if body.get(key)
            }
            cls: Callable[..., OPTemplate] = {
                ("sh",): ShellOPTemplate,
                ("python3",): PythonScriptOPTemplate,
            }.get(tuple(command), ScriptOPTemplate)
            t = self.make.new(
                cls, name, bind=f"template:{name}", command=command, script=box.get("source", ""),
                **pods, **fields, **common,
            )  # fmt: skip
        for field in ("requests", "limits"):
            if resources.get(field):  # a new template has none
                self.make.set(t, field, dict(resources[field]))
        return t

    def _ref(self, value: Any, scope: Optional[Dict[str, Any]], kind: str) -> Any:
        """An output of a step (task) made earlier in the same Steps (DAG) as a reference to
        it, else ``value``."""
        match = _STEP_OUTPUT.match(value) if isinstance(value, str) and scope else None
        if match is None or scope is None or match["step"] not in scope:
            return value
        if match["scope"] != kind:
            return value
        return self.make.ref(scope[match["step"]], ("outputs", match["kind"]), match["name"])

    def _step(
        self, cls: type, d: Dict[str, Any], parent: str, scope: Optional[Dict[str, Any]] = None
    ) -> Any:
        _unsupported(
            f"step {d.get('name')!r} of {parent!r}", d, _STEP | {"dependencies", "depends"}
        )
        template = self.template(d["template"])
        args = d.get("arguments", {})
        params = {p["name"]: p.get("value", "") for p in args.get("parameters", [])}
        key = params.pop(KEY_PARAMETER, None)
        within = "tasks" if cls is Task else "steps"
        params = {k: self._ref(v, scope, within) for k, v in params.items()}
        artifacts = {
            a["name"]: self._ref(self._source(a), scope, within) for a in args.get("artifacts", [])
        }
        with_param: Any = d.get("withParam")
        if isinstance(with_param, str) and "{{" not in with_param:
            with_param = json.loads(with_param)
        seq = d.get("withSequence")
        continue_on = d.get("continueOn", {})
        kwargs: Dict[str, Any] = dict(
            parameters=params or None,
            artifacts=artifacts or None,
            when=d.get("when"),
            with_param=with_param,
            with_items=d.get("withItems"),
            with_sequence=self.make.new(ArgoSequence, **seq) if seq else None,
            continue_on_failed=continue_on.get("failed", False),
            continue_on_error=continue_on.get("error", False),
            key=key,
        )
        if cls is Task:
            deps: List[str] = list(d.get("dependencies", []))
            if "depends" in d:
                deps = _depends_terms(d["depends"])
            kwargs["dependencies"] = deps or None
        kind = "task" if cls is Task else "step"
        return self.make.new(cls, d["name"], template, bind=f"{kind}:{d['name']}", **kwargs)

    def _inputs(self, d: Dict[str, Any], drop_key: bool) -> Any:
        make = self.make
        parameters = {}
        for p in d.get("parameters", []):
            if drop_key and p["name"] == KEY_PARAMETER:
                continue
            extra = {"value": p["value"]} if "value" in p else {}
            parameters[p["name"]] = make.new(
                InputParameter, description=p.get("description"), enum=p.get("enum"), **extra
            )
        artifacts = {}
        for a in d.get("artifacts", []):
            source = make.new(S3Artifact, a["s3"]["key"]) if "s3" in a else None
            artifacts[a["name"]] = make.new(
                InputArtifact,
                path=a.get("path"),
                optional=a.get("optional", False),
                mode=a.get("mode"),
                source=source,
            )
        return _io(make, Inputs, parameters, artifacts)

    def _outputs(self, d: Dict[str, Any]) -> Any:
        make = self.make
        parameters = {}
        for p in d.get("parameters", []):
            vf = p.get("valueFrom", {})
            extra = {"value": p["value"]} if "value" in p else {}
            if "default" in vf:
                extra["default"] = vf["default"]
            parameters[p["name"]] = make.new(
                OutputParameter,
                value_from_path=vf.get("path"),
                value_from_parameter=vf.get("parameter"),
                value_from_expression=vf.get("expression"),
                global_name=p.get("globalName"),
                description=p.get("description"),
                **extra,
            )
        artifacts = {}
        for a in d.get("artifacts", []):
            artifacts[a["name"]] = make.new(
                OutputArtifact,
                path=a.get("path"),
                _from=a.get("from"),
                from_expression=a.get("fromExpression"),
                archive=None if "none" in a.get("archive", {}) else "tar",
                global_name=a.get("globalName"),
                optional=a.get("optional", False),
                save=[make.new(S3Artifact, a["s3"]["key"])] if "s3" in a else None,
            )
        return _io(make, Outputs, parameters, artifacts)

    def _source(self, a: Dict[str, Any]) -> Optional[Any]:
        if "from" in a:
            if "subPath" in a:
                raise InvalidWorkflowError(
                    f"input artifact {a['name']!r}: 'from' with 'subPath' is not supported "
                    "by from_dict"
                )
            return a["from"]
        if "s3" in a:
            return self.make.new(S3Artifact, a["s3"]["key"])
        if "fromExpression" in a:
            return self.make.new(ArgoVar, a["fromExpression"])
        if "raw" in a:
            return self.make.new(RawArtifact, a["raw"].get("data", ""))
        raise InvalidWorkflowError(f"input artifact {a['name']!r}: no from, s3 or fromExpression")


def _io(make: Maker, cls: type, parameters: Dict[str, Any], artifacts: Dict[str, Any]) -> Any:
    """``Inputs``/``Outputs`` of the non-empty dicts; None (a template's default) when empty."""
    if not parameters and not artifacts:
        return None
    given: Dict[str, Any] = {"parameters": parameters, "artifacts": artifacts}
    return make.new(cls, **{k: v for k, v in given.items() if v})


def _depends_terms(depends: str) -> List[str]:
    """``(a.Succeeded) && (b)`` -> ``["(a.Succeeded)", "(b)"]``: the top-level ``&&`` terms."""
    terms, depth, start = [], 0, 0
    for i, char in enumerate(depends):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and depends.startswith("&&", i):
            terms.append(depends[start:i].strip())
            start = i + 2
    terms.append(depends[start:].strip())
    return [t for t in terms if t]
