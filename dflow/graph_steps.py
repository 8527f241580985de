"""Steps, tasks, Steps and DAGs in the graph format: a step names its template, and references
are their ``{{...}}`` tags, turned back into references to the steps they name when read."""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from .errors import InvalidWorkflowError
from .expressions import ArgoSequence
from .graph_io import inputs_from_graph, outputs_from_graph, ref_text, source_text
from .graph_values import from_jsonable, to_jsonable
from .io import BIG_PREFIX, own_entries

__all__ = ["step_graph", "step_from_graph", "composite_from_graph"]

INPUT_PARAMETER = re.compile(r"^{{inputs\.parameters\.(.*)}}$")
INPUT_ARTIFACT = re.compile(r"^{{inputs\.artifacts\.(.*)}}$")
OUTPUT_PARAMETER = re.compile(r"^{{(steps|tasks)\.(.*?)\.outputs\.parameters\.(.*?)}}$")
OUTPUT_ARTIFACT = re.compile(r"^{{(steps|tasks)\.(.*?)\.outputs\.artifacts\.(.*?)}}(?:/(.*))?$")
HOOKS = ("success_hook", "running_hook", "failure_hook")
_BARE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_TASK_MENTION = re.compile(r"tasks\.([A-Za-z0-9-]+)\.|tasks\['([^']+)'\]")

# -- steps and tasks -----------------------------------------------------------------------------


def _step_arguments(step: Any) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    params = {k: ref_text(v) for k, v in step.parameters.items() if not k.startswith("dflow_")}
    arts: Dict[str, Any] = {}
    for k, v in step.artifacts.items():
        if v is None:
            continue
        if k.startswith(BIG_PREFIX):
            params[k[len(BIG_PREFIX) :]] = source_text(v)
        elif not k.startswith("dflow_"):
            arts[k] = source_text(v)
    return params, arts


def _with_param(step: Any) -> Any:
    from .render.values import encode_with_param

    if step.with_param is None or isinstance(step.with_param, list):
        return ref_text(step.with_param)
    return encode_with_param(step.with_param)


def step_graph(step: Any, dag: Any = None) -> Dict[str, Any]:
    """A step's (or task's) graph dict; its template by name, references by their tags."""
    from .render.values import encode_condition

    params, arts = _step_arguments(step)
    slices = step.slices
    if slices is None:
        slices = getattr(step.template, "slices", None)
    g: Dict[str, Any] = {
        "name": step.name,
        "template": step.template.name,
        "with_param": _with_param(step),
        "with_sequence": None if step.with_sequence is None else step.with_sequence.to_dict(),
        "slices": to_jsonable(slices),
        "parameters": params,
        "artifacts": arts,
        "continue_on_failed": step.continue_on_failed,
        "continue_on_error": step.continue_on_error,
        "continue_on_num_success": step.continue_on_num_success,
        "continue_on_success_ratio": step.continue_on_success_ratio,
        "when": None if step.when is None else encode_condition(step.when),
        "key": None if step.key is None else str(step.key),
        "executor": to_jsonable(step.executor),
        "use_resource": to_jsonable(step.use_resource),
        "util_image": step.util_image,
        "util_image_pull_policy": step.util_image_pull_policy,
        "util_command": step.util_command,
    }
    if step.timeout is not None:  # fields of ours, given only when set
        g["timeout"] = step.timeout
    if step.with_items is not None:
        g["with_items"] = ref_text(step.with_items)
    for which in HOOKS:
        hook = getattr(step, which, None)
        if hook is not None:
            g[which] = step_graph(hook)
            if hook.expression is not None:
                g[which]["expression"] = hook.expression
    if dag is not None or hasattr(step, "dependencies"):  # a task
        g["dependencies"] = _dependencies(step, dag)
    return g


def _dependencies(task: Any, dag: Any) -> List[str]:
    """The tasks ``task`` waits for, as its ``depends`` terms: those given (a bare task name
    in parentheses, which a bare name read back is not), then ``<task>.Succeeded`` for each task
    it refers to, as the manifest has them."""
    from .render.composite import _mentioned

    deps = [f"({d})" if _BARE_NAME.match(d) else d for d in task.dependencies]
    texts = [json.dumps(ref_text(v)) for v in list(task.parameters.values())]
    texts += [json.dumps(source_text(v)) for v in task.artifacts.values()]
    for field in (task.when, task.with_param, task.key):
        if field is not None:
            texts.append(str(field) + " " + str(getattr(field, "expr", "")))
    mentioned = {a or b for text in texts for a, b in _TASK_MENTION.findall(text)}
    if dag is not None:
        mentioned &= set(dag._names)
    for name in sorted(mentioned - {task.name}):
        if not _mentioned(name, deps):
            deps.append(f"{name}.Succeeded")
    return deps


def _read_dependency(dep: str) -> str:
    """A dependency of a graph as a ``depends`` term: a bare task name (a Task given, in dflow
    1.x) waits for it to succeed."""
    return f"{dep}.Succeeded" if _BARE_NAME.match(dep) else dep


_STEP_KEYS = (
    "parameters",
    "artifacts",
    "when",
    "with_param",
    "continue_on_failed",
    "continue_on_error",
    "continue_on_num_success",
    "continue_on_success_ratio",
    "with_sequence",
    "key",
    "executor",
    "use_resource",
    "util_image",
    "util_image_pull_policy",
    "util_command",
    "slices",
    "timeout",
    "with_items",
    *HOOKS,
)


def step_from_graph(
    g: Dict[str, Any],
    templates: Dict[str, Any],
    cls: Optional[type] = None,
    resolve: Optional[Callable[[str, bool], Any]] = None,
) -> Any:
    """The step (``cls``: ``Step``, ``Task`` or ``HookStep``) a graph dict describes; its template
    is looked up in ``templates``; ``resolve(tag, is_artifact)`` turns a reference tag into the
    object it names (or None to keep the text)."""
    from .step import HookStep, Step
    from .task import Task

    if cls is None:
        cls = Task if "dependencies" in g else Step
    name = g.get("name")
    if g.get("template") not in templates:
        raise InvalidWorkflowError(
            f"step {name!r}: template {g.get('template')!r} is not among the graph's templates"
        )
    template = templates[g["template"]]
    unknown = set(g) - set(_STEP_KEYS) - {"name", "template", "dependencies", "expression"}
    if unknown:
        raise InvalidWorkflowError(
            f"step {name!r}: unknown field(s) {sorted(unknown)} in the graph"
        )
    kw = {k: from_jsonable(g[k]) for k in _STEP_KEYS if g.get(k) is not None}
    kw.pop("continue_on_failed", None)
    kw.pop("continue_on_error", None)
    kw["continue_on_failed"] = bool(g.get("continue_on_failed"))
    kw["continue_on_error"] = bool(g.get("continue_on_error"))
    if isinstance(kw.get("with_sequence"), dict):
        kw["with_sequence"] = ArgoSequence.from_dict(_sequence_values(kw["with_sequence"]))
    resolve = resolve or (lambda tag, is_artifact: None)
    params = {}
    for k, v in (kw.pop("parameters", None) or {}).items():
        is_big = not dict.__contains__(template.inputs.parameters, k)  # given as its artifact
        ref = resolve(v, is_big) if isinstance(v, str) else None
        params[k] = v if ref is None else ref
    arts = {}
    for k, v in (kw.pop("artifacts", None) or {}).items():
        ref = resolve(v, True) if isinstance(v, str) else None
        arts[k] = v if ref is None else ref
    kw["parameters"], kw["artifacts"] = params, arts
    for which in HOOKS:
        if isinstance(kw.get(which), dict):
            kw[which] = step_from_graph(g[which], templates, HookStep, resolve)
    make: Any = cls
    if issubclass(cls, HookStep):
        return make(template, expression=g.get("expression"), name=name, **kw)
    if issubclass(cls, Task):
        deps = [_read_dependency(str(d)) for d in g.get("dependencies") or []]
        return make(str(name), template, dependencies=deps, **kw)
    return make(str(name), template, **kw)


def _sequence_values(d: Dict[str, Any]) -> Dict[str, Any]:
    """``{{=expr}}`` fields of a sequence back to expressions."""
    from .expressions import ArgoVar as Var

    out = {}
    for k, v in d.items():
        if isinstance(v, str) and v.startswith("{{=") and v.endswith("}}"):
            out[k] = Var(v[3:-2])
        else:
            out[k] = v
    return out


def composite_from_graph(g: Dict[str, Any], templates: Dict[str, Any]) -> Any:
    from .dag import DAG
    from .step import Step
    from .steps import Steps
    from .task import Task

    g = dict(g)
    kind = g.pop("type")
    name = g.get("name")
    body = g.pop("steps" if kind == "Steps" else "tasks", None) or []
    obj = (Steps if kind == "Steps" else DAG)(
        name=name,
        inputs=inputs_from_graph(g.get("inputs")),
        annotations=g.get("annotations"),
        parallelism=g.get("parallelism"),
        memoize_key=g.get("memoize_key"),
    )
    templates[obj.name] = obj  # a step may run the template it belongs to
    made: Dict[str, Any] = {}

    def resolve(tag: str, is_artifact: bool) -> Any:
        m = (INPUT_ARTIFACT if is_artifact else INPUT_PARAMETER).match(tag)
        if m:
            io = obj.inputs.artifacts if is_artifact else obj.inputs.parameters
            return io.get(m.group(1))
        m = (OUTPUT_ARTIFACT if is_artifact else OUTPUT_PARAMETER).match(tag)
        if m and m.group(2) in made:
            outputs = made[m.group(2)].outputs
            ref = (outputs.artifacts if is_artifact else outputs.parameters).get(m.group(3))
            if ref is not None and is_artifact and m.group(4):
                ref = ref.sub_path(m.group(4))
            return ref
        return None

    if kind == "Steps":
        for group in body:
            steps = [step_from_graph(s, templates, Step, resolve) for s in group]
            for s in steps:
                made[s.name] = s
            obj.add(steps if len(steps) > 1 else steps[0])
    else:
        for t in body:
            task = step_from_graph(t, templates, Task, resolve)
            made[task.name] = task
            obj.add(task)
    outputs = outputs_from_graph(g.get("outputs"))
    for p in own_entries(outputs.parameters).values():
        if isinstance(p.value_from_parameter, str):
            p.value_from_parameter = resolve(p.value_from_parameter, False) or (
                p.value_from_parameter
            )
    for a in own_entries(outputs.artifacts).values():
        if isinstance(a._from, str):
            a._from = resolve(a._from, True) or a._from
    obj.outputs = outputs
    return obj
