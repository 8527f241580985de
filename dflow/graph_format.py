"""The graph format of dflow 1.x: a workflow as JSON-able dicts of Python-level fields.

``Workflow.to_graph()`` gives ``{"name", ..., "entrypoint", "templates": {name: template}}``;
each template is a dict with ``"type"`` (``ScriptOPTemplate``, ``PythonOPTemplate``, ``Steps``,
``DAG``) and its constructor's fields; steps name their template, and references are their
``{{...}}`` tags. Objects that are not JSON (``Slices``, ``S3Artifact``, executors) are written as
jsonpickle's ``{"py/object": "module.Class", field: value}`` dicts. ``Workflow.from_graph`` reads
such a dict back into objects, written by this module or by dflow 1.x.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional, Tuple

from .errors import InvalidWorkflowError
from .graph_io import (
    inputs_from_graph,
    io_graph,
    io_item_from_graph,
    io_item_graph,
    outputs_from_graph,
)
from .graph_steps import HOOKS, composite_from_graph, step_from_graph, step_graph
from .graph_values import (
    from_jsonable,
    opio_info,
    sign_from_dict,
    sign_to_dict,
    to_jsonable,
)
from .io import UNSET, S3Artifact, own_entries

__all__ = [
    "to_jsonable",
    "from_jsonable",
    "sign_to_dict",
    "sign_from_dict",
    "opio_info",
    "io_graph",
    "io_item_graph",
    "io_item_from_graph",
    "inputs_from_graph",
    "outputs_from_graph",
    "step_graph",
    "step_from_graph",
    "template_graph",
    "template_from_graph",
    "templates_from_graph",
    "graph_templates",
    "op_graph",
    "op_from_graph",
    "workflow_graph",
    "workflow_from_graph",
    "is_graph",
]

# -- templates -----------------------------------------------------------------------------------


def _or_none(value: Any) -> Any:
    return value if value else None


def _script_graph(t: Any) -> Dict[str, Any]:
    return {
        "name": t.name,
        "type": "ScriptOPTemplate",
        "inputs": io_graph(t.inputs),
        "outputs": io_graph(t.outputs),
        "pvcs": to_jsonable(t.pvcs),
        "annotations": dict(t.annotations),
        "labels": dict(t.labels),
        "image": t.image,
        "command": list(t.command),
        "script": getattr(t, "script", None),
        "volumes": to_jsonable(t.volumes),
        "mounts": to_jsonable(t.mounts),
        "init_progress": t.init_progress or "0/1",
        "timeout": t.timeout,
        "retry_strategy": to_jsonable(t.retry_strategy),
        "resource": to_jsonable(getattr(t, "resource", None)),
        "image_pull_policy": t.image_pull_policy,
        "requests": _or_none(t.requests),
        "limits": _or_none(t.limits),
        "envs": _or_none(to_jsonable(t.envs)),
        "init_containers": to_jsonable(getattr(t, "init_containers", [])),
        "sidecars": to_jsonable(getattr(t, "sidecars", [])),
        "node_selector": to_jsonable(t.node_selector or {}),
        "tolerations": to_jsonable(t.tolerations or []),
        "affinity": to_jsonable(t.affinity),
    }


def _container_graph(t: Any) -> Dict[str, Any]:
    g = _script_graph(t)
    g["script"] = None
    g["args"] = list(t.args)  # the container's arguments (a field of ours)
    return g


_PYTHON_DROPPED = (
    "name",
    "script",
    "inputs",
    "outputs",
    "pvcs",
    "init_progress",
    "retry_strategy",
    "resource",
)


def _python_graph(t: Any) -> Dict[str, Any]:
    from .python.template import PACKAGES_ARTIFACT

    g = _script_graph(t)
    for key in _PYTHON_DROPPED:
        del g[key]
    g["envs"] = _or_none(to_jsonable(_user_envs(t)))
    g["type"] = "PythonOPTemplate"
    g["op"] = to_jsonable(op_graph(t.op_class))
    g["python_packages"] = [str(p) for p in t.python_packages]
    g["retry_on_transient_error"] = t.retry_on_transient_error
    g["retry_on_failure"] = getattr(t, "retry_on_failure", None)
    g["retry_on_error"] = getattr(t, "retry_on_error", None)
    g["retry_on_failure_and_error"] = getattr(t, "retry_on_failure_and_error", None)
    g["timeout_as_transient_error"] = t.timeout_as_transient_error
    g["upload_dflow"] = t.upload_dflow
    g["tmp_root"] = t.tmp_root
    g["pre_script"] = t.pre_script
    g["post_script"] = t.post_script
    # what the outputs say beyond the OP's signs (fields of ours, given only when set)
    g.update(_python_output_settings(t))
    packages = t.inputs.artifacts.get(PACKAGES_ARTIFACT)
    if packages is not None and isinstance(packages.source, S3Artifact):
        g["python_packages"] = to_jsonable(packages.source)
    return g


def _user_envs(t: Any) -> Dict[str, Any]:
    """The template's environment less what its OP's signs put there."""
    from .python.template import _inputs

    derived = _inputs(t.op_class.__name__, t.op_class.get_input_sign())[1]
    return {k: v for k, v in t.envs.items() if derived.get(k, UNSET) != v}


def _python_output_settings(t: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    sign = t.op_class.get_output_sign()
    arts = {k: a for k, a in t.outputs.artifacts.items() if k in sign}
    pars = {k: p for k, p in own_entries(t.outputs.parameters).items() if k in sign}
    settings = {
        "output_artifact_save": {k: to_jsonable(a.save) for k, a in arts.items() if a.save},
        "output_artifact_archive": {k: a.archive for k, a in arts.items() if a.archive != "tar"},
        "output_artifact_global_name": {k: a.global_name for k, a in arts.items() if a.global_name},
        "output_parameter_global_name": {
            k: p.global_name for k, p in pars.items() if p.global_name
        },
    }
    from .python.signs import Parameter

    defaults = {}
    for k, p in pars.items():
        s = sign[k]
        signed = s.default if isinstance(s, Parameter) else UNSET
        if p.default is not UNSET and p.default != signed:
            defaults[k] = to_jsonable(p.default)
    settings["output_parameter_default"] = defaults
    out.update({k: v for k, v in settings.items() if v})
    return out


def template_graph(t: Any) -> Tuple[Dict[str, Any], List[Any]]:
    """A template's graph dict, and the templates it runs (for a Steps or DAG)."""
    from .dag import DAG
    from .op_template import ContainerOPTemplate, ScriptOPTemplate
    from .python.template import PythonOPTemplate
    from .steps import Steps

    if isinstance(t, Steps):
        groups = [[step_graph(s) for s in group] for group in t.steps]
        steps = [s for group in t.steps for s in group]
        children = [x.template for s in steps for x in [s, *s.hooks().values()]]
        return {
            "type": "Steps",
            "name": t.name,
            "annotations": dict(t.annotations),
            "steps": [g for g in groups if g],
            "inputs": io_graph(t.inputs),
            "outputs": io_graph(t.outputs),
            "parallelism": t.parallelism,
        }, children
    if isinstance(t, DAG):
        return {
            "type": "DAG",
            "name": t.name,
            "annotations": dict(t.annotations),
            "tasks": [step_graph(task, t) for task in t.tasks],
            "inputs": io_graph(t.inputs),
            "outputs": io_graph(t.outputs),
            "parallelism": t.parallelism,
        }, [x.template for task in t.tasks for x in [task, *task.hooks().values()]]
    if isinstance(t, PythonOPTemplate):
        return _python_graph(t), []
    if isinstance(t, ScriptOPTemplate):
        return _script_graph(t), []
    if isinstance(t, ContainerOPTemplate):
        return _container_graph(t), []
    raise InvalidWorkflowError(
        f"template {getattr(t, 'name', t)!r}: a {type(t).__name__} has no graph form "
        "(Steps, DAG, script, container and Python OP templates have)"
    )


def graph_templates(template: Any, into: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """The graph dicts of ``template`` and of every template it runs, by name."""
    into = {} if into is None else into
    pending = [template]
    while pending:
        t = pending.pop(0)
        if t.name in into:
            continue
        g, children = template_graph(t)
        into[t.name] = g
        pending.extend(children)
    return into


_SCRIPT_KEYS = (
    "name",
    "inputs",
    "outputs",
    "pvcs",
    "annotations",
    "labels",
    "image",
    "command",
    "script",
    "volumes",
    "mounts",
    "init_progress",
    "timeout",
    "retry_strategy",
    "resource",
    "image_pull_policy",
    "requests",
    "limits",
    "envs",
    "init_containers",
    "sidecars",
    "node_selector",
    "tolerations",
    "affinity",
)


def _script_from_graph(g: Dict[str, Any]) -> Any:
    from .op_template import ContainerOPTemplate, ScriptOPTemplate

    unknown = set(g) - set(_SCRIPT_KEYS) - {"type", "args", "memoize_key"}
    if unknown:
        raise InvalidWorkflowError(
            f"template {g.get('name')!r}: unknown field(s) {sorted(unknown)} in the graph"
        )
    kw = {k: from_jsonable(g[k]) for k in _SCRIPT_KEYS if g.get(k) is not None}
    kw["inputs"] = inputs_from_graph(g.get("inputs"))
    kw["outputs"] = outputs_from_graph(g.get("outputs"))
    if kw.get("init_progress") == "0/1":
        del kw["init_progress"]
    if "args" in g:
        for key in ("script", "resource", "init_containers", "sidecars", "requests", "limits"):
            kw.pop(key, None)
        return ContainerOPTemplate(args=g["args"], **kw)
    return ScriptOPTemplate(**kw)


_PYTHON_KEYS = (
    "image",
    "command",
    "annotations",
    "labels",
    "node_selector",
    "tolerations",
    "affinity",
    "volumes",
    "mounts",
    "image_pull_policy",
    "requests",
    "limits",
    "envs",
    "init_containers",
    "sidecars",
    "timeout",
    "python_packages",
    "retry_on_transient_error",
    "retry_on_failure",
    "retry_on_error",
    "retry_on_failure_and_error",
    "timeout_as_transient_error",
    "upload_dflow",
    "tmp_root",
    "pre_script",
    "post_script",
    "output_artifact_save",
    "output_artifact_archive",
    "output_parameter_default",
    "output_artifact_global_name",
    "output_parameter_global_name",
    "slices",
    "memoize_key",
    "name",
)


def _python_from_graph(g: Dict[str, Any], name: Optional[str]) -> Any:
    from .python.template import PythonOPTemplate

    unknown = set(g) - set(_PYTHON_KEYS) - {"type", "op"}
    if unknown:
        raise InvalidWorkflowError(
            f"template {name!r}: unknown field(s) {sorted(unknown)} in the graph"
        )
    kw = {k: from_jsonable(g[k]) for k in _PYTHON_KEYS if g.get(k) is not None}
    if name is not None:
        kw["name"] = name
    return PythonOPTemplate(op_from_graph(g["op"]), **kw)


def template_from_graph(
    g: Dict[str, Any], templates: Optional[Dict[str, Any]] = None, name: Optional[str] = None
) -> Any:
    """The template a graph dict describes; a Steps or DAG finds the templates its steps run in
    ``templates`` (by name) and adds itself there."""
    kind = g.get("type")
    if kind == "PythonOPTemplate":
        return _python_from_graph(g, name or g.get("name"))
    if kind == "ScriptOPTemplate":
        return _script_from_graph(g if name is None else {**g, "name": name})
    if kind in ("Steps", "DAG"):
        return composite_from_graph(g, {} if templates is None else templates)
    raise InvalidWorkflowError(
        f"template {name or g.get('name')!r}: unknown template type {kind!r} in the graph"
    )


# -- OPs -------------------------------------------------------------------------------------------


def op_graph(op_class: Any) -> Dict[str, Any]:
    """The graph dict of a Python OP class: where it lives, its signs and its source."""
    import logging

    from .errors import DflowError
    from .python.source import get_source_code, locate

    source = op_class.__dict__.get("_source")
    module = "__main__" if source is not None else str(op_class.__module__)
    if source is None:
        try:
            code = locate(op_class)[0]
            # a class the container imports: the file defining it; else the code shipped
            imported = code.startswith(f"from {module} import ")
            target = getattr(op_class, "_dflow_function", op_class)
            source = get_source_code(target) if imported else code
        except (OSError, TypeError, DflowError):
            logging.info("the source of OP %s cannot be read", op_class.__name__)
    return {
        "module": module,
        "name": str(op_class.__name__),
        "inputs": opio_info(op_class.get_input_sign()),
        "outputs": opio_info(op_class.get_output_sign()),
        "source": source,
    }


def op_from_graph(g: Dict[str, Any]) -> Any:
    """The OP class of an ``op_graph`` dict: imported from its module, or, for a script's OP
    (``__main__``) or a module not found here, defined by running its source."""
    import importlib

    module, name, source = g.get("module"), g["name"], g.get("source")
    if module not in ("__main__", "__mp_main__", None):
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            if not source:
                raise
    if not source:
        raise InvalidWorkflowError(f"OP {name!r}: the graph has neither its module nor its source")
    namespace: Dict[str, Any] = {"__name__": "__main__"}
    exec(compile(source, f"<OP {name}>", "exec"), namespace)
    op = namespace[name]
    cls = op if isinstance(op, type) else type(op)
    cls._source = source  # type: ignore[attr-defined]  # the container runs it to define the OP
    return op


# -- workflows ------------------------------------------------------------------------------

_WORKFLOW_KEYS = (
    "name",
    "namespace",
    "id",
    "context",
    "annotations",
    "labels",
    "parallelism",
    "pod_gc_strategy",
    "artifact_repo_key",
    "image_pull_secrets",
    "parameters",
)


def workflow_graph(wf: Any) -> Dict[str, Any]:
    """``Workflow.to_graph()``: the workflow's fields and its templates by name."""
    from .render import _entrypoint

    entry = _entrypoint(wf)
    g = {k: to_jsonable(getattr(wf, k)) for k in _WORKFLOW_KEYS}
    g["image_pull_secrets"] = g["image_pull_secrets"] or None
    g["entrypoint"] = entry.name
    g["templates"] = graph_templates(entry)
    # fields of ours, given only when set
    for key in ("volumes", "service_account_name"):
        if getattr(wf, key):
            g[key] = to_jsonable(getattr(wf, key))
    if wf.on_exit is not None:
        g["on_exit"] = wf.on_exit.name
        graph_templates(wf.on_exit, g["templates"])
    return g


def workflow_from_graph(cls: Any, graph: Dict[str, Any]) -> Any:
    """``Workflow.from_graph``: the workflow a graph dict describes."""
    from .dag import DAG

    if not is_graph(graph):
        raise InvalidWorkflowError(
            "Workflow.from_graph takes a graph dict (with 'entrypoint' and 'templates' by name); "
            "read a manifest with Workflow.from_dict"
        )
    templates = templates_from_graph(graph["templates"])
    entry_name = graph["entrypoint"]
    if entry_name not in templates:
        raise InvalidWorkflowError(f"graph: entrypoint {entry_name!r} is not among its templates")
    entry = templates[entry_name]
    own = ("volumes", "service_account_name")
    kw = {k: from_jsonable(graph[k]) for k in _WORKFLOW_KEYS + own if graph.get(k) is not None}
    kw["dag" if isinstance(entry, DAG) else "steps"] = entry
    on_exit = graph.get("on_exit")
    if on_exit is not None:
        if on_exit not in templates:
            raise InvalidWorkflowError(f"graph: on_exit {on_exit!r} is not among its templates")
        kw["on_exit"] = templates[on_exit]
    unknown = set(graph) - set(_WORKFLOW_KEYS + own) - {"entrypoint", "templates", "on_exit"}
    if unknown:
        raise InvalidWorkflowError(f"graph: unknown workflow field(s) {sorted(unknown)}")
    return cls(**kw)


def is_graph(d: Any) -> bool:
    """True for a graph dict (templates keyed by name), not a manifest."""
    return (
        isinstance(d, dict)
        and "spec" not in d
        and "entrypoint" in d
        and isinstance(d.get("templates"), dict)
    )


def _ready(g: Dict[str, Any], name: str, known: Dict[str, Any]) -> bool:
    """A Steps/DAG graph whose steps (and their hooks) run only known templates (or itself)."""
    if g.get("type") == "Steps":
        steps = [s for group in g.get("steps") or [] for s in group]
    else:
        steps = list(g.get("tasks") or [])
    steps += [s[h] for s in steps for h in HOOKS if isinstance(s.get(h), dict)]
    return all(s.get("template") in known or s.get("template") == name for s in steps)


def templates_from_graph(graph_templates: Dict[str, Any]) -> Dict[str, Any]:
    """Every template of a graph's ``templates``, by name: leaves first, then each Steps/DAG
    once the templates it runs are built."""
    pending = copy.deepcopy(dict(graph_templates))
    built: Dict[str, Any] = {}
    for name, g in list(pending.items()):
        if g.get("type") not in ("Steps", "DAG"):
            built[name] = template_from_graph(g, built, name)
            del pending[name]
    while pending:
        ready = [n for n, g in pending.items() if _ready(g, n, built)]
        if not ready:
            raise InvalidWorkflowError(
                f"graph: templates {sorted(pending)} run templates the graph does not have"
            )
        for name in ready:
            g = pending.pop(name)
            built[name] = template_from_graph({**g, "name": name}, built)
    return built
