"""Rendering of Steps, DAGs and the steps/tasks in them, with the template variants steps imply.

A step may run its template changed: with a key (an extra ``dflow_key`` input), a timeout of its
own, an executor, a resource, or a success tag for ``continue_on_num_success``. Each variant is a
copy made once per distinct use and registered under its own name; the user's template is never
touched.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Dict, List, Optional, Set, Tuple, cast

from ..artifact_sources import CustomArtifact
from ..dag import DAG
from ..errors import InvalidWorkflowError
from ..io import PVC, InputParameter, Inputs, OutputParameter
from ..names import suffixed_name
from ..op_template import OPTemplate, PythonScriptOPTemplate, ScriptOPTemplate
from ..step import Step
from ..steps import Steps
from ..success_tag import SUCCESS_TAG, SUCCESS_TAG_PATH
from .io import render_arguments
from .registry import KEY_MEMO, KEY_PARAMETER, TemplateRegistry
from .templates import (
    PVC_INPUTS_ANNOTATION,
    SCRIPT_EXIT,
    all_pvcs,
    is_python_script,
    memoize,
    render_common,
    render_leaf,
)
from .values import _unref, encode_condition, encode_duration, encode_sequence, encode_with_param

CHECK_TEMPLATE = "dflow-check-success"
STACK_INIT = "_stack_init"  # marks a following step that initializes the stack of a fan-out
_LOOPS = ("withParam", "withItems", "withSequence")

_CHECK_SCRIPT = """\
import json, sys
tags = json.loads(r'''{{inputs.parameters.tags}}''')
done = sum(int(t) for t in tags)
need = max(int({{inputs.parameters.min_success}}),
           float({{inputs.parameters.min_ratio}}) * len(tags))
print(f"{done} of {len(tags)} items succeeded; {need:g} needed")
sys.exit(0 if done >= need else 1)
"""


_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)
_BARE_EXPRESSIONS = ("expression", "fromExpression")  # fields holding an expression, no braces


def _expressions(value: Any, key: str = "") -> List[str]:
    """The Argo expressions in a rendered value: tag contents, and the bare expression fields."""
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in _expressions(v, k)]
    if isinstance(value, list):
        return [e for v in value for e in _expressions(v, key)]
    if isinstance(value, str):
        return [value] if key in _BARE_EXPRESSIONS else _TAG.findall(value)
    return []


def referenced_names(rendered: Any, prefix: str) -> Set[str]:
    """Names of steps (``prefix="steps"``) or tasks that a rendered step or output refers to;
    literal text (a file named ``data/steps.v1.tar``) is no reference."""
    pattern = re.compile(
        rf"(?<![\w.]){prefix}\.([A-Za-z0-9-]+)\.|(?<![\w.]){prefix}\[\s*'([^']+)'\s*\]"
    )
    return {a or b for text in _expressions(rendered) for a, b in pattern.findall(text)}


class Renderer:
    """Renders the templates reachable from an entrypoint into one registry."""

    def __init__(self, memoize_configmap: str, util_image: str, context: Any = None) -> None:
        self.registry = TemplateRegistry()
        self.memoize_configmap = memoize_configmap
        self.util_image = util_image
        self.context = context
        self.keyed_memoize = False
        self.pvcs: Dict[str, Any] = {}
        self._variants: Dict[Tuple[Any, ...], OPTemplate] = {}
        self._needs_key: Set[str] = set()
        self._stack_templates: Dict[Tuple[Any, ...], Any] = {}

    # -- templates -----------------------------------------------------------------------------

    def template(self, t: OPTemplate, user: str) -> str:
        cached = self.registry.cache.get(id(t))
        if cached is not None:
            return cached
        if isinstance(t, Steps):
            name = self._steps(t, user)
        elif isinstance(t, DAG):
            name = self._dag(t, user)
        else:
            leaf = self.context.render(t) if self.context is not None else t
            for pvc in all_pvcs(leaf):
                self.pvcs[pvc.name] = pvc
            renamable = getattr(leaf, "name_from_op", None) == leaf.name
            body = render_leaf(leaf, self.memoize_configmap)
            name = self.registry.add(body, user, renamable=renamable)
        self.registry.cache[id(t)] = name
        return name

    def _steps(self, t: Steps, user: str) -> str:
        self.registry.reserve(t.name, user)
        self.registry.cache[id(t)] = t.name  # a Steps may call itself
        if not t.steps:
            raise InvalidWorkflowError(f"Steps {t.name!r} has no steps")
        body = render_common(t, self.memoize_configmap)
        groups: List[List[Dict[str, Any]]] = []
        earlier: Set[str] = set()
        for group in t.steps:
            rendered: List[Dict[str, Any]] = []
            follow: List[Dict[str, Any]] = []
            for step in group:
                d, extra = self._step(step, t)
                for ref in referenced_names(_without_hooks(d), "steps"):
                    if ref not in earlier:
                        where = "a later or the same group" if ref in t._names else "no group"
                        raise InvalidWorkflowError(
                            f"step {step.name!r} of Steps {t.name!r} refers to step {ref!r}, "
                            f"which is in {where} of that Steps; only earlier steps can be used"
                        )
                rendered.append(d)
                follow.extend(extra)
            groups.append(rendered)
            if follow:
                groups.append([self._place_check(f) for f in follow])
            earlier.update(s.name for s in group)
            earlier.update(f["name"] for f in follow)
        self._check_output_refs(body, t.name, "steps", set(t._names))
        body["steps"] = groups
        return self._finish(body, user)

    def _dag(self, t: DAG, user: str) -> str:
        self.registry.reserve(t.name, user)
        self.registry.cache[id(t)] = t.name
        if not t.tasks:
            raise InvalidWorkflowError(f"DAG {t.name!r} has no tasks")
        body = render_common(t, self.memoize_configmap)
        names = set(t._names)
        tasks: List[Dict[str, Any]] = []
        checks: Dict[str, str] = {}
        inits: Dict[str, str] = {}  # fan-out -> the task writing its stack when it had no items
        readers: Dict[str, Set[str]] = {}  # task -> the fan-outs it reads only the stack of
        for task in t.tasks:
            d, extra = self._step(task, t)
            refs = referenced_names(_without_hooks(d), "tasks")
            sources = [getattr(a, "step", None) for a in task.artifacts.values()]
            stacked = {s for s in sources if isinstance(s, str) and s in names}  # sliced items
            readers[task.name] = stacked - refs
            refs |= stacked
            unknown = refs - names
            if unknown:
                raise InvalidWorkflowError(
                    f"task {task.name!r} of DAG {t.name!r} refers to task "
                    f"{sorted(unknown)[0]!r}, which is not in that DAG"
                )
            deps: List[str] = []
            for dep in list(getattr(task, "dependencies", [])):
                base = re.split(r"[.\s]", dep.strip("()! "), maxsplit=1)[0]
                if base not in names:
                    raise InvalidWorkflowError(
                        f"task {task.name!r} of DAG {t.name!r} depends on {dep!r}, "
                        "which is not a task of that DAG"
                    )
                if base == task.name:
                    raise InvalidWorkflowError(
                        f"task {task.name!r} of DAG {t.name!r} depends on itself ({dep!r})"
                    )
                term = dep if _wrapped(dep) else f"({dep})"
                if term not in deps:
                    deps.append(term)
            for ref in sorted(refs - {task.name}):
                if not _mentioned(ref, deps):
                    deps.append(f"({ref}.Succeeded)")
            if deps:
                d["depends"] = " && ".join(deps)
            tasks.append(d)
            for follow in extra:
                if STACK_INIT in follow:
                    inits[task.name] = follow["name"]
                    follow = self._place_check(follow)
                    follow["depends"] = f"({task.name})"  # done, or skipped with no items
                    tasks.append(follow)
                    continue
                check = self._place_check(follow)
                done = "Succeeded", "Skipped", "Daemoned", "Failed"  # it continues on failure
                check["depends"] = "(" + " || ".join(f"{task.name}.{r}" for r in done) + ")"
                checks[task.name] = check["name"]
                tasks.append(check)
        for d in tasks:  # a reader of a stack waits for it, written by the items or empty
            for fan_out in sorted(readers.get(d["name"], set()) & set(inits)):
                _wait_for_stack(d, fan_out, inits[fan_out])
        for d in tasks:
            if d["name"] in checks.values() or "depends" not in d:
                continue
            for checked, check_name in checks.items():  # past a counted fan-out: its check
                if f"({checked}.Succeeded)" in d["depends"]:
                    d["depends"] = d["depends"].replace(
                        f"({checked}.Succeeded)", f"({check_name}.Succeeded)"
                    )
                elif _mentioned(checked, [d["depends"]]):
                    d["depends"] += f" && ({check_name}.Succeeded)"
        self._check_output_refs(body, t.name, "tasks", names)
        body["dag"] = {"tasks": tasks}
        return self._finish(body, user)

    @staticmethod
    def _check_output_refs(body: Dict[str, Any], owner: str, prefix: str, names: Set[str]) -> None:
        for ref in referenced_names(body.get("outputs", {}), prefix):
            if ref not in names:
                raise InvalidWorkflowError(
                    f"an output of {owner!r} refers to {prefix[:-1]} {ref!r}, which is not in it"
                )

    # -- steps ---------------------------------------------------------------------------------

    def _step(self, step: Step, parent: OPTemplate) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
        user = f"{step.kind} {step.name!r} of {parent.name!r}"
        missing = step.missing_inputs()
        if missing:
            raise InvalidWorkflowError(
                f"{user}: required {', '.join(missing)} of template {step.template.name!r} "
                "is not set"
            )
        template = self._variant(step, user)
        name = self.template(template, user)
        keyed = step.key is not None and not getattr(template, "keyed_inside", False)
        if keyed:
            name = self._keyed(name, user)
        d: Dict[str, Any] = {"name": step.name, "template": name}
        arguments = render_arguments(step)
        outer_text = getattr(template, "outer_text", None)  # a wrapper passes {{item}} inside
        if callable(outer_text):
            for p in arguments.get("parameters", ()):
                if isinstance(p.get("value"), str):
                    p["value"] = outer_text(p["value"])
        step_arguments = getattr(template, "step_arguments", None)
        if callable(step_arguments):
            for pname, value in step_arguments(step).items():
                arguments.setdefault("parameters", []).append({"name": pname, "value": value})
        if keyed:
            key = str(step.key)
            if callable(outer_text):
                key = outer_text(key)
            arguments.setdefault("parameters", []).append({"name": KEY_PARAMETER, "value": key})
        if arguments:
            d["arguments"] = arguments
        if step.when is not None:
            d["when"] = encode_condition(step.when)
        if getattr(template, "runs_fan_out", False):
            pass  # the template loops inside (a grouped Slices wrapper): the step runs it once
        elif step.with_param is not None:
            d["withParam"] = encode_with_param(step.with_param)
        elif step.with_items is not None:
            d["withItems"] = _unref(list(step.with_items))
        elif step.with_sequence is not None:
            d["withSequence"] = encode_sequence(step.with_sequence)
        counted = (
            step.continue_on_num_success is not None or step.continue_on_success_ratio is not None
        ) and not getattr(template, "checks_success", False)
        continue_on: Dict[str, bool] = {}
        if step.continue_on_failed or counted:
            continue_on["failed"] = True
        if step.continue_on_error:
            continue_on["error"] = True
        if continue_on:
            d["continueOn"] = continue_on
        hooks = {kind: self._hook(hook, kind, step, user) for kind, hook in step.hooks().items()}
        if hooks:
            d["hooks"] = hooks
        extra = [self._check_step(step)] if counted else []
        if "parameters" in arguments and any(loop in d for loop in _LOOPS):
            init = self._stack_init(step, template, arguments["parameters"], parent)
            if init is not None:
                extra.append(init)
        return d, extra

    def _stack_init(
        self,
        step: Step,
        template: OPTemplate,
        parameters: List[Dict[str, Any]],
        parent: OPTemplate,
    ) -> Optional[Dict[str, Any]]:
        """The step after a fan-out stacking artifacts that writes them empty when it had no
        items (see ``dflow.python.stack_init``); None when the fan-out stacks nothing, or a step
        of ``parent`` does it already (a sub-path step's init step, a manifest read back)."""
        from ..python import stack_init

        key = next(
            (p["value"] for p in parameters if p["name"] == stack_init.STACK_PARAMETER), None
        )
        if key is None or f"{step.name}-init-artifact" in getattr(parent, "_names", ()):
            return None
        names = stack_init.stacked_names(template)
        if not names:
            return None
        image = step.util_image or self.util_image
        command = tuple(step.util_command or ["python3"])
        which = (tuple(names), image, command, step.util_image_pull_policy)
        init = self._stack_templates.get(which)
        if init is None:  # one per distinct outputs and image, shared by the fan-outs
            init = stack_init.stack_init_template(names, image, list(command), which[3])
            self._stack_templates[which] = init
        rendered, _ = self._step(stack_init.empty_stack_step(step, key, init), parent)
        rendered[STACK_INIT] = step.name
        return rendered

    def _hook(self, hook: Any, kind: str, step: Step, user: str) -> Dict[str, Any]:
        """An Argo lifecycle hook: the hook's template run when the step reaches a phase."""
        missing = hook.missing_inputs()
        if missing:
            raise InvalidWorkflowError(
                f"{user}: {kind} hook: required {', '.join(missing)} of template "
                f"{hook.template.name!r} is not set"
            )
        phase = HOOK_PHASES[kind]
        expression = hook.expression or f"{step.expr}.status == '{phase}'"
        d: Dict[str, Any] = {
            "template": self.template(hook.template, f"{user} ({kind} hook)"),
            "expression": str(expression),
        }
        arguments = render_arguments(hook)
        if arguments:
            d["arguments"] = arguments
        return d

    def _place_check(self, check: Dict[str, Any]) -> Dict[str, Any]:
        """A step following a step (a success check, a stack's init) made ready for its place."""
        check.pop(STACK_INIT, None)
        if "_step" in check:
            self._check_template(check.pop("_step"))
        return check

    def _check_template(self, step: Step) -> str:
        """The template of success checks (rendered when its first check step is placed)."""
        check = PythonScriptOPTemplate(
            name=CHECK_TEMPLATE,
            inputs=Inputs(
                parameters={
                    "tags": InputParameter(),
                    "min_success": InputParameter(value="0"),
                    "min_ratio": InputParameter(value="0"),
                }
            ),
            image=step.util_image or self.util_image,
            command=step.util_command or ["python3"],
            script=_CHECK_SCRIPT,
            image_pull_policy=step.util_image_pull_policy,
        )
        return self.registry.add(render_leaf(check, self.memoize_configmap), "success checks")

    def _variant(self, step: Step, user: str) -> OPTemplate:
        """The template the step really runs (a copy when the step changes it)."""
        counted = (
            step.continue_on_num_success is not None or step.continue_on_success_ratio is not None
        )
        timeout = encode_duration(step.timeout, user)
        hook = getattr(step.template, "for_step", None)
        cache_key = (
            id(step.template),
            id(step.use_resource),
            id(step.executor),
            timeout,
            step.name if counted else None,
            step.name if hook else None,
            step.fans_out if hook else None,
            tuple((k, v.name, v.subpath) for k, v in step.artifacts.items() if isinstance(v, PVC)),
            tuple((k, id(v)) for k, v in step.artifacts.items() if isinstance(v, CustomArtifact)),
        )
        cached = self._variants.get(cache_key)
        if cached is not None:
            return cached
        template: OPTemplate = step.template
        if hook is not None:
            template = hook(step)
        pvc_inputs = {k: v for k, v in step.artifacts.items() if isinstance(v, PVC)}
        if pvc_inputs:
            template = _with_pvc_inputs(template, pvc_inputs, user)
        for aname, source in step.artifacts.items():
            if isinstance(source, CustomArtifact):
                template = _with_custom_input(template, aname, source, user)
        use_resource = step.use_resource
        if use_resource is None:
            use_resource = getattr(template, "resource", None)
        if use_resource is not None:
            template = use_resource.render(template)
        if step.executor is not None:
            template = step.executor.render(template)
        if timeout is not None and isinstance(template, (Steps, DAG)):
            raise InvalidWorkflowError(
                f"{user}: a step timeout needs a script or container template; "
                f"set timeout on {type(template).__name__} {template.name!r} itself"
            )
        if timeout is not None:
            template = template.replace(
                name=suffixed_name(template.name, "t" + timeout.replace(".", "-")), timeout=timeout
            )
        if counted and not getattr(template, "checks_success", False):
            template = _with_success_tag(template, step, user)
        self._variants[cache_key] = template
        # keep the objects alive so that their ids stay unique while rendering
        self._variants[(id(template), "alive")] = template
        return template

    def _keyed(self, name: str, user: str) -> str:
        body = self.registry.bodies[name]
        if body == {}:  # a Steps/DAG still being rendered (a keyed step calls its own loop)
            self._needs_key.add(name)
            return name
        return self.registry.add(self._with_key(body), user)

    def _with_key(self, body: Dict[str, Any]) -> Dict[str, Any]:
        """``body`` with the ``dflow_key`` input (and its memoization when reusing steps)."""
        params = body.get("inputs", {}).get("parameters", [])
        if any(p["name"] == KEY_PARAMETER for p in params):
            return body
        keyed = dict(body)
        keyed["inputs"] = dict(body.get("inputs", {}))
        keyed["inputs"]["parameters"] = list(params) + [{"name": KEY_PARAMETER, "value": ""}]
        if self.keyed_memoize and "memoize" not in keyed:
            keyed["memoize"] = memoize(KEY_MEMO, self.memoize_configmap)
        return keyed

    def _finish(self, body: Dict[str, Any], user: str) -> str:
        """Register a finished Steps/DAG, keyed if a step inside it called it with a key."""
        if body["name"] in self._needs_key:
            body = self._with_key(body)
        return self.registry.add(body, user)

    def _check_step(self, step: Step) -> Dict[str, Any]:
        tags = f"{{{{{step.prefix}.{step.name}.outputs.parameters.{SUCCESS_TAG}}}}}"
        params = [{"name": "tags", "value": tags}]
        if step.continue_on_num_success is not None:
            params.append({"name": "min_success", "value": str(step.continue_on_num_success)})
        if step.continue_on_success_ratio is not None:
            params.append({"name": "min_ratio", "value": str(step.continue_on_success_ratio)})
        return {
            "name": f"{step.name}-check-success",
            "template": CHECK_TEMPLATE,
            "_step": step,
            "arguments": {"parameters": params},
        }


def _wait_for_stack(task: Dict[str, Any], fan_out: str, init: str) -> None:
    """Make ``task``, which reads the stack of ``fan_out``, wait for its init task ``init``
    instead of needing ``fan_out`` to succeed: a fan-out with no items is skipped."""
    depends = task.get("depends", "")
    if f"({fan_out}.Succeeded)" in depends:
        task["depends"] = depends.replace(f"({fan_out}.Succeeded)", f"({init})")
    elif not _mentioned(init, [depends]):
        task["depends"] = f"{depends} && ({init})" if depends else f"({init})"


def _without_hooks(step: Dict[str, Any]) -> Dict[str, Any]:
    """A rendered step without its lifecycle hooks, which may name the step itself."""
    return {k: v for k, v in step.items() if k != "hooks"}


# the phase each kind of step hook waits for
HOOK_PHASES = {"success": "Succeeded", "running": "Running", "failure": "Failed"}


def _mentioned(name: str, deps: List[str]) -> bool:
    """True when ``name`` is already one of ``deps`` or a task named in one of their expressions."""
    word = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
    return any(dep == name or word.search(dep) for dep in deps)


def _wrapped(term: str) -> bool:
    """True when ``term`` is one parenthesized expression, ``(a.Succeeded || b)``."""
    if not (term.startswith("(") and term.endswith(")")):
        return False
    depth = 0
    for i, char in enumerate(term):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and i < len(term) - 1:
            return False
    return True


def _with_pvc_inputs(template: OPTemplate, pvcs: Dict[str, PVC], user: str) -> OPTemplate:
    """A copy whose input artifacts given as PVCs are mounts of those claims at their paths."""
    if isinstance(template, (Steps, DAG)):
        raise InvalidWorkflowError(
            f"{user}: a PVC can only be the input artifact of a leaf template"
        )
    digest = hashlib.sha1(repr(sorted((k, p.name, p.subpath) for k, p in pvcs.items())).encode())
    mounted = template.replace(name=suffixed_name(template.name, "pvc-" + digest.hexdigest()[:8]))
    paths: Dict[str, str] = {}
    for name, pvc in pvcs.items():
        artifact = mounted.inputs.artifacts.pop(name)
        if not artifact.path:
            raise InvalidWorkflowError(f"{user}: input artifact {name!r} has no path to mount at")
        mounted.pvcs = list(mounted.pvcs) + [pvc.mounted_at(artifact.path)]
        paths[name] = artifact.path
    # which mounts are input artifacts (Argo ignores it; the local engine names them in errors)
    mounted.annotations = {**mounted.annotations, PVC_INPUTS_ANNOTATION: json.dumps(paths)}
    return mounted


def _with_custom_input(
    template: OPTemplate, name: str, source: CustomArtifact, user: str
) -> OPTemplate:
    """The copy ``source.render`` makes to fetch input artifact ``name``, without that input."""
    rendered = source.render(template.replace(), name)
    if not isinstance(rendered, OPTemplate) or rendered is template:
        raise InvalidWorkflowError(
            f"{user}: {type(source).__name__}.render must return a copy of the template"
        )
    if rendered.name == template.name:
        rendered = rendered.replace(name=suffixed_name(template.name, f"custom-{name}"))
    rendered.inputs.artifacts.pop(name, None)
    return rendered


def _with_success_tag(template: OPTemplate, step: Step, user: str) -> OPTemplate:
    """A copy of a script template that writes ``1`` to its success tag when it finishes."""
    if not isinstance(template, ScriptOPTemplate):
        raise InvalidWorkflowError(
            f"{user}: continue_on_num_success/continue_on_success_ratio need a script template, "
            f"got {type(template).__name__}"
        )
    tagged = cast(ScriptOPTemplate, template.replace(name=suffixed_name(template.name, step.name)))
    tagged.outputs.parameters[SUCCESS_TAG] = OutputParameter(
        value_from_path=SUCCESS_TAG_PATH, default="0"
    )
    tag_writer = getattr(tagged, "success_tag_writer", None)
    if callable(tag_writer):
        return cast(OPTemplate, tag_writer(SUCCESS_TAG_PATH))
    elif not is_python_script(tagged):
        # the script runs in a subshell so that its exit code decides, and is kept
        tagged.script = (
            f"(\n{tagged.script}\n)\ndflow_rc=$?\n"
            "if [ $dflow_rc -eq 0 ]; then mkdir -p /tmp/outputs && "
            f"echo 1 > {SUCCESS_TAG_PATH}; fi\n" + SCRIPT_EXIT
        )
    else:
        tagged.script = (
            f"{tagged.script}\nimport os as _os\n_os.makedirs('/tmp/outputs', exist_ok=True)\n"
            f"open({SUCCESS_TAG_PATH!r}, 'w').write('1')\n"
        )
    return tagged


def render_templates(
    entry: OPTemplate,
    memoize_configmap: str,
    util_image: str,
    context: Any = None,
    keyed_memoize: bool = False,
    exit_handler: Optional[OPTemplate] = None,
) -> Tuple[List[Dict[str, Any]], Dict[str, Any]]:
    """Every template reachable from ``entry`` (and the exit handler), entrypoint first, and the
    PVCs they mount."""
    renderer = Renderer(memoize_configmap, util_image, context)
    renderer.keyed_memoize = keyed_memoize
    renderer.template(entry, "the workflow")
    if exit_handler is not None:
        renderer.template(exit_handler, "the exit handler")
    return renderer.registry.templates(), renderer.pvcs


__all__ = ["render_templates", "referenced_names", "Renderer"]
