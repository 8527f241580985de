"""``PythonOPTemplate``: a Python OP as a script template whose inputs/outputs follow its signs.

The rendered script is a short bootstrap (see ``dflow.python.runtime``); parameters reach it
through environment variables set from ``{{inputs.parameters.<key>}}``, big parameters and
artifacts at fixed paths under ``/tmp``. The container image must have dflow installed.
"""

from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Optional, Union

from ..config import config
from ..errors import InvalidWorkflowError
from ..io import (
    BIG_PREFIX,
    UNSET,
    InputArtifact,
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    S3Artifact,
)
from ..names import suffixed_name, template_name_from
from ..op_template import PythonScriptOPTemplate
from ..success_tag import SUCCESS_TAG, SUCCESS_TAG_PATH
from .errors import SignError
from .op import OP
from .signs import Artifact, BigParameter, as_sign, type_name
from .slices import Slices, is_reference
from .source import locate

__all__ = [
    "PythonOPTemplate",
    "handle_packages_script",
    "upload_packages",
    "PACKAGES_ARTIFACT",
    "SLICE_PARAMETER",
    "STACK_PARAMETER",
]

ROOT = "/tmp/"
PACKAGES_ARTIFACT = "dflow_python_packages"
SLICE_PARAMETER = "dflow_slice"
SKIP_PARAMETER = "dflow_skip_slice_input"
SKIP_ENV = "DFLOW_SKIP_SLICE_INPUT"
SHARED_STACK_ENV = "DFLOW_SHARED_STACK"
STACK_PARAMETER = "dflow_stack_key"
upload_packages: List[str] = []
"""Local paths of packages shipped into every Python OP built after they are added."""


class PythonOPTemplate(PythonScriptOPTemplate):
    """Run ``op_class`` in a container (or, on the local engine, a subprocess).

    Args:
        op_class: an ``OP`` subclass, or an OP object (it runs with the attributes its
            constructor set; ``@OP.function`` gives one).
        image / command: the container image (with dflow installed) and interpreter.
        slices: how a fanned-out step slices inputs and stacks outputs.
        python_packages: packages shipped into the container: an ``S3Artifact`` of an upload,
            or local paths (recorded in ``python_packages``, uploaded at submission).
        timeout: seconds (or an Argo duration) before the step is killed.
        retry_on_transient_error: how many times a ``TransientError`` (exit code 1) is retried.
        timeout_as_transient_error: retry a timed-out run too.
        retry_on_failure / retry_on_error / retry_on_failure_and_error: how many times a failed
            run (non-zero exit) / an errored run (the pod could not run) / either is retried.
        output_artifact_save / _archive / _global_name, output_parameter_default / _global_name:
            per-output settings by key, overriding the sign's.
        upload_dflow: ship this machine's dflow package with the step (when
            ``config["ship_dflow"]``); False for images that bring their own.
        tmp_root: where dflow keeps a step's inputs and outputs in the container (``/tmp``).
        pre_script / post_script: Python code run before / after the OP in the step's script.
        success_tag: the step reports ``dflow_success_tag`` ("1" once the OP succeeded).
        create_slice_dir: sliced output artifacts keep each slice in its own directory
            (``<item>/``); without it (nor ``Slices(create_dir=True)``) the items' files keep
            the paths the OP gave and merge into one tree, as in the original.
        skip_slice_input: with ``Slices``, each item is given its slice already (e.g.
            ``"{{item}}"``): the step's inputs are not sliced again, its outputs are stacked.
        requests / limits: container resources as Kubernetes dicts (``{"cpu": "2"}``).
    """

    def __init__(
        self,
        op_class: Any,
        image: Optional[str] = None,
        command: Union[str, List[str], None] = None,
        output_artifact_save: Optional[Dict[str, List[Any]]] = None,
        output_artifact_archive: Optional[Dict[str, Optional[str]]] = None,
        output_parameter_default: Optional[Dict[str, Any]] = None,
        input_artifact_slices: Any = None,
        input_parameter_slices: Any = None,
        output_artifact_slices: Any = None,
        output_parameter_slices: Any = None,
        output_artifact_global_name: Optional[Dict[str, str]] = None,
        output_parameter_global_name: Optional[Dict[str, str]] = None,
        slices: Optional[Slices] = None,
        python_packages: Any = None,
        timeout: Any = None,
        retry_on_transient_error: Optional[int] = None,
        timeout_as_transient_error: bool = False,
        retry_on_failure: Optional[int] = None,
        retry_on_error: Optional[int] = None,
        retry_on_failure_and_error: Optional[int] = None,
        input_artifact_prefix: Optional[Dict[str, str]] = None,
        upload_dflow: bool = True,
        tmp_root: str = "/tmp",
        pre_script: str = "",
        post_script: str = "",
        success_tag: bool = False,
        create_slice_dir: bool = False,
        skip_slice_input: bool = False,
        name: Optional[str] = None,
        **options: Any,
    ) -> None:
        op_state: Optional[str] = None
        if isinstance(op_class, OP):
            # an OP object runs as it is: its class, and the state its constructor left
            preset = dict(getattr(op_class, "template_options", None) or {})
            image = _given(image, preset.pop("image", None))
            command = _given(command, preset.pop("command", None))
            python_packages = _given(python_packages, preset.pop("python_packages", None))
            timeout = _given(timeout, preset.pop("timeout", None))
            options = {**preset, **options}
            op_state = _state_of(op_class)
            op_class = type(op_class)
        if not (isinstance(op_class, type) and issubclass(op_class, OP)):
            raise SignError(f"PythonOPTemplate needs an OP subclass or object, got {op_class!r}")
        for old in (
            input_artifact_slices,
            input_parameter_slices,
            output_artifact_slices,
            output_parameter_slices,
        ):
            if old is not None:
                raise InvalidWorkflowError(
                    f"PythonOPTemplate({op_class.__name__}): the *_slices arguments are not "
                    "supported; use slices=Slices(...)"
                )
        retries = (retry_on_failure, retry_on_error, retry_on_failure_and_error)
        if retry_on_transient_error is not None and any(r is not None for r in retries):
            raise InvalidWorkflowError(
                f"PythonOPTemplate({op_class.__name__}): retry_on_transient_error and "
                "retry_on_failure/_error/_failure_and_error exclude each other"
            )
        if input_artifact_prefix:
            raise InvalidWorkflowError(
                f"PythonOPTemplate({op_class.__name__}): input_artifact_prefix is not supported "
                "(dflow 1.8 renders it into a script that cannot run); mount the data at the "
                "artifact's path instead"
            )
        if tmp_root.rstrip("/") != "/tmp":
            raise InvalidWorkflowError(
                f"PythonOPTemplate({op_class.__name__}): tmp_root={tmp_root!r} is not supported: "
                "dflow keeps a step's files under /tmp, which each step has to itself"
            )
        self.op_class = op_class
        self.op_state = op_state
        self.upload_dflow = upload_dflow
        self.tmp_root = tmp_root
        self.pre_script = pre_script
        self.post_script = post_script
        self.success_tag = success_tag
        self.create_slice_dir = create_slice_dir
        self.skip_slice_input = skip_slice_input
        self.slices = slices
        self.retry_on_transient_error = retry_on_transient_error
        self.timeout_as_transient_error = timeout_as_transient_error
        packages_source = python_packages if isinstance(python_packages, S3Artifact) else None
        if isinstance(python_packages, (str, os.PathLike)):
            python_packages = [python_packages]  # one path, not its characters
        local = [] if packages_source is not None else list(python_packages or [])
        # one path named twice (python_packages and upload_packages alike) is shipped once
        unique: Dict[str, str] = {}
        for path in local + list(upload_packages):
            unique.setdefault(os.path.abspath(str(path)), str(path))
        self.python_packages = list(unique.values())
        op = op_class.__name__
        in_sign, out_sign = op_class.get_input_sign(), op_class.get_output_sign()
        if slices is not None:
            slices.check(op, in_sign, out_sign)
        inputs, envs = _inputs(op, in_sign)
        outputs = _outputs(
            op,
            out_sign,
            output_artifact_save or {},
            output_artifact_archive or {},
            output_parameter_default or {},
            output_artifact_global_name or {},
            output_parameter_global_name or {},
            slices,
        )
        # always there (optional): submission may ship packages, dflow itself among them
        inputs.artifacts[PACKAGES_ARTIFACT] = InputArtifact(
            path=f"{ROOT}inputs/artifacts/{PACKAGES_ARTIFACT}",
            optional=True,
            source=packages_source,
        )
        envs.update(options.pop("envs", None) or {})
        super().__init__(
            name=name or template_name_from(op),
            inputs=inputs,
            outputs=outputs,
            image=image or "python:3.11",
            command=command or ["python3"],
            timeout=timeout,
            retry_strategy=_retry(retry_on_transient_error, timeout_as_transient_error, timeout, op)
            or _retry_policy(op, retry_on_failure, retry_on_error, retry_on_failure_and_error),
            envs=envs,
            **options,
        )
        # a name made from the OP may be changed to tell apart different templates of one OP
        self.name_from_op = None if name else self.name
        if success_tag:
            self.outputs.parameters[SUCCESS_TAG] = OutputParameter(
                value_from_path=SUCCESS_TAG_PATH, default="0"
            )
        self.script = self.bootstrap(success_tag=SUCCESS_TAG_PATH if success_tag else None)

    # -- the script --------------------------------------------------------------------------------

    def bootstrap(
        self,
        sliced: Optional[Slices] = None,
        success_tag: Optional[str] = None,
        grouped: Optional[Slices] = None,
    ) -> str:
        """The script: import (or define) the OP, then hand it to the runtime."""
        code, ref = locate(self.op_class)
        if grouped is not None:
            return self._group_bootstrap(code, ref, grouped, success_tag)
        lines = ["from dflow.python.runtime import run as dflow_run"]
        if PACKAGES_ARTIFACT in self.inputs.artifacts:
            packages = f"{ROOT}inputs/artifacts/{PACKAGES_ARTIFACT}"
            lines = [
                handle_packages_script(packages),
                "from dflow.python.runtime import run as dflow_run",
            ]
        lines.append(code)
        args = [ref, f'root="{ROOT}"']
        if self.op_state is not None:
            args.append(f"state={self.op_state!r}")
        if sliced is not None:
            skip = self.skip_slice_input and SKIP_ENV not in self.envs  # else decided per step
            args.append(f"sliced={[] if skip else sliced.inputs!r}")
            args.append(f"stacked={sliced.output_artifact + sliced.output_parameter!r}")
            if self.create_slice_dir or sliced.create_dir:
                args.append("slice_dirs=True")
        success_tag = success_tag or (SUCCESS_TAG_PATH if self.success_tag else None)
        if success_tag:
            args.append(f"success_tag={success_tag!r}")
        lines.append(f"dflow_run({', '.join(args)})")
        return _around(self, "\n".join(lines) + "\n")

    def _group_bootstrap(
        self, code: str, ref: str, grouped: Slices, success_tag: Optional[str] = None
    ) -> str:
        """The script of a grouped fan-out's pod: the runtime runs each item of its group."""
        lines = []
        if PACKAGES_ARTIFACT in self.inputs.artifacts:
            packages = f"{ROOT}inputs/artifacts/{PACKAGES_ARTIFACT}"
            lines.append(handle_packages_script(packages))
        lines.append("from dflow.python.runtime.group import run_group as dflow_run_group")
        lines.append(code)
        args = [ref, f'root="{ROOT}"', f"sliced={grouped.inputs!r}"]
        if self.op_state is not None:
            args.append(f"state={self.op_state!r}")
        args.append(f"group_size={grouped.group_size!r}")
        if grouped.pool_size is not None:
            args.append(f"pool_size={grouped.pool_size!r}")
        if grouped.pool_timeout is not None:
            args.append(f"pool_timeout={grouped.pool_timeout!r}")
        if grouped.shuffle:
            args.append(f"shuffle=True, random_seed={grouped.random_seed!r}")
        if self.create_slice_dir or grouped.create_dir:
            args.append("slice_dirs=True")
        if grouped.pool_size is None:  # the OP runs once over the group: lists in and out
            args.append(f"stacked={grouped.output_artifact + grouped.output_parameter!r}")
        if success_tag:
            args.append(f"success_tag={success_tag!r}")
            strict = grouped.raise_for_group or config["raise_for_group"]
            args.append(f"raise_for_group={bool(strict)!r}")
        # a pool forks workers: the OP must be importable or defined before this line
        lines.append(f"if __name__ == '__main__':\n    dflow_run_group({', '.join(args)})")
        return _around(self, "\n".join(lines) + "\n")

    # -- slices given after the template is built (dflow.python.slice_management) -----------------

    def set_slices(self, slices: Optional[Slices]) -> None:
        """Slice by ``slices`` from now on, instead of what the template sliced (None: nothing)."""
        if slices is not None:
            op = self.op_class.__name__
            slices.check(op, self.op_class.get_input_sign(), self.op_class.get_output_sign())
        self.slices = slices

    def add_slices(self, slices: Slices, layer: int = 0) -> None:
        """Slice the names of ``slices`` too (by the same index as the template's other slices);
        ``layer`` is the nesting depth of a Steps/DAG that slices this template's step."""
        from .slice_management import merge_slices

        op = self.op_class.__name__
        slices.check(op, self.op_class.get_input_sign(), self.op_class.get_output_sign())
        self.slices = merge_slices(self.slices, slices, f"PythonOPTemplate {self.name!r}")

    def get_slices(self, slices_dict: Optional[Dict[str, Any]], name: str) -> Any:
        """The slice expression of ``name`` in ``slices_dict`` (None if it has none); each
        ``{{item...}}`` in it becomes an input ``dflow_var_<n>`` of this template."""
        from .slice_management import slices_text

        return slices_text(self, slices_dict, name)

    def set_skip_slice_input(self) -> None:
        """Take the input ``dflow_skip_slice_input`` (default 0): a step that passes a true value
        hands the OP its sliced inputs whole (a Steps sliced around it passes it on)."""
        from .slice_management import SKIP_PARAMETER

        self.skip_slice_input = True
        self.inputs.parameters[SKIP_PARAMETER] = InputParameter(value=0)

    # -- hooks the renderer calls ------------------------------------------------------------------

    def for_step(self, step: Any) -> PythonOPTemplate:
        """The template a step runs: sliced when the step or the template has ``Slices``."""
        slices = step.slices if step.slices is not None else self.slices
        if slices is None:
            return self
        op = self.op_class.__name__
        slices.check(op, self.op_class.get_input_sign(), self.op_class.get_output_sign())
        where = f"{step.kind} {step.name!r}"
        from .slice_management import own_slice_parameters

        if step.slices is None and not step.fans_out and own_slice_parameters(slices, self):
            return self._sliced_by_inputs(step, slices)
        if not step.fans_out and slices.sub_path:
            from .sub_paths import sub_path_for_step

            wrapper = suffixed_name(self.name, f"{step.name}-entries")
            return sub_path_for_step(self, step, slices, wrapper)  # type: ignore[return-value]
        if not step.fans_out:
            raise InvalidWorkflowError(
                f"{where}: Slices need a fan-out (with_param, with_sequence or with_items)"
            )
        for key in slices.input_parameter:
            value = step.parameters.get(key, UNSET)
            if (
                value is not UNSET
                and not is_reference(value)
                and not isinstance(value, (list, tuple))
            ):
                raise InvalidWorkflowError(
                    f"{where}: sliced input parameter {key!r} of OP {op} must be a list, "
                    f"got {type(value).__name__} {value!r}"
                )
        if slices.group_size is not None:
            from .grouping import grouped_for_step

            return grouped_for_step(self, step, slices, suffixed_name(self.name, step.name))  # type: ignore[return-value]
        variant: PythonOPTemplate = self.replace(name=suffixed_name(self.name, step.name))  # type: ignore[assignment]
        variant.slices = slices
        variant.inputs.parameters[SLICE_PARAMETER] = InputParameter()
        variant.envs = dict(self.envs, DFLOW_SLICE="{{inputs.parameters.%s}}" % SLICE_PARAMETER)
        if SKIP_PARAMETER in variant.inputs.parameters:
            variant.envs[SKIP_ENV] = "{{inputs.parameters.%s}}" % SKIP_PARAMETER
        stack_outputs(variant, slices.output_artifact)
        variant.script = variant.bootstrap(sliced=slices)
        return variant

    def _sliced_by_inputs(self, step: Any, slices: Slices) -> PythonOPTemplate:
        """A variant slicing by an index among its own inputs (set by a sliced Steps/DAG)."""
        if slices.group_size is not None or slices.sub_path:
            raise InvalidWorkflowError(
                f"{step.kind} {step.name!r}: Slices({slices.slices!r}) with group_size or "
                "sub_path need a fan-out of the step itself"
            )
        variant: PythonOPTemplate = self.replace(name=suffixed_name(self.name, step.name))  # type: ignore[assignment]
        variant.slices = slices
        variant.envs = dict(self.envs, DFLOW_SLICE=slices.slices)
        if SKIP_PARAMETER in variant.inputs.parameters:
            variant.envs[SKIP_ENV] = "{{inputs.parameters.%s}}" % SKIP_PARAMETER
        stack_outputs(variant, slices.output_artifact)  # under the key its Steps/DAG forwards
        variant.script = variant.bootstrap(sliced=slices)
        return variant

    def step_arguments(self, step: Any) -> Dict[str, str]:
        """Extra parameters the step passes to this template (its slice index, where it stacks)."""
        args: Dict[str, str] = {}
        if SLICE_PARAMETER in self.inputs.parameters:
            args[SLICE_PARAMETER] = self.slices.slices if self.slices else "{{item}}"
        args.update(stack_arguments(self, step))
        return args

    def success_tag_writer(self, path: str) -> PythonOPTemplate:
        """A copy whose runtime writes ``1`` to ``path`` once the OP succeeded."""
        tagged: PythonOPTemplate = self.replace()  # type: ignore[assignment]
        sliced = self.slices if SLICE_PARAMETER in self.inputs.parameters else None
        tagged.script = tagged.bootstrap(sliced=sliced, success_tag=path)
        return tagged


def _around(template: PythonOPTemplate, script: str) -> str:
    """The script with the user's ``pre_script`` before it and ``post_script`` after it."""
    pre = getattr(template, "pre_script", "") or ""
    post = getattr(template, "post_script", "") or ""
    if pre and not pre.endswith("\n"):
        pre += "\n"
    if post and not post.endswith("\n"):
        post += "\n"
    return pre + script + post


def _retry_policy(
    op: str, on_failure: Optional[int], on_error: Optional[int], on_both: Optional[int]
) -> Optional[Dict[str, Any]]:
    """The Argo ``retryStrategy`` of ``retry_on_failure`` / ``_error`` / ``_failure_and_error``."""
    given = [
        (k, policy, v)
        for k, policy, v in (
            ("retry_on_failure", "OnFailure", on_failure),
            ("retry_on_error", "OnError", on_error),
            ("retry_on_failure_and_error", "Always", on_both),
        )
        if v is not None
    ]
    if not given:
        return None
    if len(given) > 1:
        raise InvalidWorkflowError(
            f"OP {op}: give one of {', '.join(k for k, _, _ in given)}, not several"
        )
    key, policy, limit = given[0]
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise InvalidWorkflowError(f"OP {op}: {key} must be a count, got {limit!r}")
    return {"limit": str(limit), "retryPolicy": policy}


def _given(value: Any, preset: Any) -> Any:
    return value if value is not None else preset


def _state_of(op: OP) -> Optional[str]:
    """The attributes an OP object carries into its step (None when it has none)."""
    state = {k: v for k, v in vars(op).items() if not k.startswith("progress_")}
    if not state:
        return None
    from ..wire import encode_value

    return encode_value(state)


class StackedArtifact(S3Artifact):
    """The artifact a sliced step's items stacked under one key prefix; ``step`` is the name of
    that step, which a DAG task taking it waits for."""

    step: Optional[str] = None

    def __repr__(self) -> str:
        return f"StackedArtifact(key={self.key!r})"


class _OutputArtifact(OutputArtifact):
    """An OP's output artifact; seen from a sliced fan-out step it is the stacked artifact."""

    def bound(self, scope: str, owner: Any) -> Any:
        template = getattr(owner, "template", None)
        slices = getattr(owner, "slices", None) or getattr(template, "slices", None)
        if (
            template is not None
            and slices is not None
            and self.name in slices.output_artifact
            and (owner.fans_out or slices.sub_path)
        ):
            stacked = StackedArtifact(stack_key(owner.name, str(self.name)))
            stacked.step = owner.name
            return stacked
        return super().bound(scope, owner)


def stack_prefix(step: str) -> str:
    """Where one run of the sliced step ``step`` stacks its items' artifacts.

    The key holds a digest of the name of the Steps/DAG node running the step (``node.name``,
    evaluated where the step's arguments are), so every run of the step, e.g. each round of a
    recursive Steps, stacks its own items only; the step and the steps reading the stack, all
    in that node, get the same key.
    """
    return "{{workflow.name}}/dflow-stacked/{{=sprig.sha1sum(node.name)}}/" + step


def stack_key(step: str, key: str) -> str:
    """The key prefix under which every item of one run of ``step`` saves artifact ``key``."""
    return f"{stack_prefix(step)}/{key}"


def stack_outputs(template: Any, keys: List[str]) -> None:
    """Save ``template``'s output artifacts ``keys`` unpacked under the key its step passes, or
    (``stack_into``: key -> (parameter, name), set by a sliced Steps/DAG around the step) into
    the stack of the Steps/DAG's output ``name``, whose key the step passes as ``parameter``."""
    if not keys:
        return
    template.inputs.parameters[STACK_PARAMETER] = InputParameter()
    into: Dict[str, Any] = getattr(template, "stack_into", None) or {}
    for key in keys:
        art = template.outputs.artifacts[key]
        art.archive = None
        param, name = into.get(key, (STACK_PARAMETER, key))
        art.save = [S3Artifact("{{inputs.parameters.%s}}/%s" % (param, name))]
    if any(key in into for key in keys):
        # the items of every run of the step share that stack: catalogs must not collide
        template.envs = dict(template.envs, **{SHARED_STACK_ENV: "1"})


def stack_arguments(template: Any, step: Any) -> Dict[str, str]:
    """The stack key a step passes to a template that stacks artifacts (none otherwise).

    A step that runs inside a wrapper of the user's step (``passes_stack``) forwards the key the
    wrapper was given, so that it is the one seen where the user's step is.
    """
    if STACK_PARAMETER not in template.inputs.parameters or STACK_PARAMETER in step.parameters:
        return {}
    if getattr(step, "passes_stack", False):
        return {STACK_PARAMETER: "{{inputs.parameters.%s}}" % STACK_PARAMETER}
    return {STACK_PARAMETER: stack_prefix(step.name)}


def _inputs(op: str, sign: Any) -> tuple:
    inputs = Inputs()
    envs: Dict[str, str] = {}
    for key in sign:
        s = as_sign(sign[key])
        if isinstance(s, Artifact):
            inputs.artifacts[key] = InputArtifact(
                path=f"{ROOT}inputs/artifacts/{key}", optional=s.optional, type=s.type
            )
        elif isinstance(s, BigParameter):
            inputs.artifacts[BIG_PREFIX + key] = InputArtifact(
                path=f"{ROOT}inputs/parameters/{key}",
                optional=s.has_default,
                type=s.type,
                big_parameter=True,
            )
        else:
            _check_default(op, key, s.type, s.default)
            inputs.parameters[key] = InputParameter(
                value=s.default, type=s.type, description=s.description
            )
            envs[f"DFLOW_INPUT_{key}"] = "{{inputs.parameters.%s}}" % key
    return inputs, envs


def _outputs(
    op: str,
    sign: Any,
    save: Dict[str, Any],
    archive: Dict[str, Any],
    defaults: Dict[str, Any],
    art_globals: Dict[str, str],
    param_globals: Dict[str, str],
    slices: Optional[Slices],
) -> Outputs:
    for field, given in (
        ("output_artifact_save", save),
        ("output_artifact_archive", archive),
        ("output_artifact_global_name", art_globals),
        ("output_parameter_default", defaults),
        ("output_parameter_global_name", param_globals),
    ):
        for key in given:
            if key not in sign:
                raise SignError(f"OP {op}: {field} names {key!r}, which is not an output of the OP")
    outputs = Outputs()
    for key in sign:
        s = as_sign(sign[key])
        if isinstance(s, Artifact):
            art = _OutputArtifact(
                path=f"{ROOT}outputs/artifacts/{key}",
                archive=archive.get(key, s.archive),
                save=save.get(key, s.save),
                global_name=art_globals.get(key, s.global_name),
                type=s.type,
                optional=s.optional,
            )
            outputs.artifacts[key] = art
        elif isinstance(s, BigParameter):
            outputs.artifacts[BIG_PREFIX + key] = OutputArtifact(
                path=f"{ROOT}outputs/parameters/{key}",
                global_name=param_globals.get(key, s.global_name),
                type=s.type,
                big_parameter=True,
            )
        else:
            default = defaults.get(key, s.default)
            _check_default(op, key, s.type, default, "output")
            outputs.parameters[key] = OutputParameter(
                value_from_path=f"{ROOT}outputs/parameters/{key}",
                default=default,
                global_name=param_globals.get(key, s.global_name),
                type=s.type,
            )
    return outputs


def _check_default(op: str, key: str, expected: Any, default: Any, what: str = "input") -> None:
    """A default that does not match its parameter's type is an error when the template is built."""
    if default is UNSET or is_reference(default):
        return
    from .errors import TypeCheckError
    from .typecheck import check_value

    try:
        check_value(op, key, default, expected, what)
    except TypeCheckError:
        raise SignError(
            f"OP {op}: the default of {what} parameter {key!r} should be {type_name(expected)}, "
            f"got {type(default).__name__} {default!r}"
        ) from None


def _retry(
    limit: Optional[int], on_timeout: bool, timeout: Any, op: str
) -> Optional[Dict[str, Any]]:
    if limit is None:
        return None
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise InvalidWorkflowError(
            f"OP {op}: retry_on_transient_error must be a count, got {limit!r}"
        )
    expression = "asInt(lastRetry.exitCode) == 1"
    seconds = _seconds(timeout)
    if on_timeout and seconds is not None:
        expression += f" || asFloat(lastRetry.duration) >= {seconds:g}"
    elif on_timeout:
        expression += " || asInt(lastRetry.exitCode) == -1"
    return {"limit": str(limit), "retryPolicy": "Always", "expression": expression}


_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _seconds(timeout: Any) -> Optional[float]:
    if timeout is None or isinstance(timeout, bool):
        return None
    if isinstance(timeout, (int, float)):
        return float(timeout)
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)?", str(timeout))
    return float(m.group(1)) * _UNITS[m.group(2) or "s"] if m else None


def handle_packages_script(package_root: str) -> str:
    """Python lines that put the packages shipped at ``package_root`` on ``sys.path``.

    The root itself goes first, so that a shipped copy of dflow is the one imported.
    """
    return (
        f'import sys; sys.path.insert(0, "{package_root}")\n'
        "from dflow.python.runtime import use_packages\n"
        f'use_packages("{package_root}")'
    )
