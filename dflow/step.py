"""A step: one use of a template inside a Steps, with its arguments and control flow."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from .artifact_sources import CustomArtifact, LocalArtifact
from .big_params import add_user, big_value_error, is_big, make_big
from .context_syntax import join_open_block
from .errors import InvalidWorkflowError
from .expressions import ArgoSequence, ArgoVar
from .http_template import HTTPArtifact
from .io import (
    BIG_PREFIX,
    PVC,
    UNSET,
    InputArtifact,
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    RawArtifact,
    S3Artifact,
    own_entries,
)
from .lazy import lazy_attributes
from .names import check_step_name, is_static_key_valid

__all__ = ["Step", "HookStep"]


class Step:
    """One use of ``template`` with arguments, inside a ``Steps`` (or, as ``Task``, a ``DAG``).

    Args:
        name: the step name (letters, digits and '-').
        template: the template it runs (a script template, a Python OP template, a Steps or DAG).
        parameters: input parameter values by name; values may be references to other steps.
        artifacts: input artifacts by name: another step's output, an ``S3Artifact``, or None
            for an optional artifact.
        when: a condition (a comparison of references, or an Argo condition string).
        with_param / with_items / with_sequence: fan the step out over a list or a sequence.
        continue_on_failed / continue_on_error: let the workflow go on if it fails.
        continue_on_num_success / continue_on_success_ratio: for a fan-out, go on when at least
            that many (or that share) of its items succeed.
        key: a stable key (may contain ``{{item}}`` or other references) to find or reuse the step.
        executor: an object whose ``render(template)`` returns the template to run instead.
        use_resource: a ``Resource`` that runs the step as a Kubernetes resource.
        timeout: seconds before the step is killed (overrides the template's).
        success_hook / running_hook / failure_hook: a ``HookStep`` Argo runs when this step
            succeeds / starts running / fails (an Argo lifecycle hook of the step).
    """

    prefix = "steps"
    kind = "step"
    joins_in_init = True  # join an open ``with`` block at the end of ``__init__``

    def __init__(
        self,
        name: str,
        template: Any,
        parameters: Optional[Dict[str, Any]] = None,
        artifacts: Optional[Dict[str, Any]] = None,
        when: Any = None,
        with_param: Any = None,
        continue_on_failed: bool = False,
        continue_on_error: bool = False,
        continue_on_num_success: Optional[int] = None,
        continue_on_success_ratio: Optional[float] = None,
        with_sequence: Optional[ArgoSequence] = None,
        with_items: Optional[List[Any]] = None,
        key: Union[str, ArgoVar, None] = None,
        executor: Any = None,
        use_resource: Any = None,
        util_image: Optional[str] = None,
        util_image_pull_policy: Optional[str] = None,
        util_command: Optional[List[str]] = None,
        parallelism: Optional[int] = None,
        slices: Any = None,
        timeout: Union[int, float, str, None] = None,
        success_hook: Optional[HookStep] = None,
        running_hook: Optional[HookStep] = None,
        failure_hook: Optional[HookStep] = None,
    ) -> None:
        self.name = check_step_name(name, self.kind)
        if not hasattr(template, "inputs") or not hasattr(template, "outputs"):
            raise InvalidWorkflowError(
                f"{self.kind} {name!r}: template must be an OPTemplate, Steps or DAG, "
                f"got {type(template).__name__}"
            )
        self.template = template
        self.parameters: Dict[str, Any] = {}
        self.artifacts: Dict[str, Any] = {}
        self.set_parameters(parameters or {})
        self.set_artifacts(artifacts or {})
        self.when = when
        loops = [x for x in (with_param, with_sequence, with_items) if x is not None]
        if len(loops) > 1:
            raise InvalidWorkflowError(
                f"{self.kind} {name!r}: give at most one of with_param, with_sequence, with_items"
            )
        if with_param is not None and not (
            isinstance(with_param, (list, tuple, ArgoVar))
            or (isinstance(with_param, str) and "{{" in with_param)
        ):
            raise InvalidWorkflowError(
                f"{self.kind} {name!r}: with_param must be a list or a reference "
                f"(an output parameter, argo_range(...), a '{{{{...}}}}' string), "
                f"got {type(with_param).__name__} {with_param!r}"
            )
        if with_sequence is not None and not isinstance(with_sequence, ArgoSequence):
            raise InvalidWorkflowError(
                f"{self.kind} {name!r}: with_sequence must come from argo_sequence(...)"
            )
        if with_items is not None and not isinstance(with_items, (list, tuple)):
            raise InvalidWorkflowError(f"{self.kind} {name!r}: with_items must be a list")
        self.with_param = list(with_param) if isinstance(with_param, tuple) else with_param
        self.with_sequence = with_sequence
        self.with_items = list(with_items) if with_items is not None else None
        if (continue_on_num_success is not None or continue_on_success_ratio is not None) and (
            not loops
        ):
            raise InvalidWorkflowError(
                f"{self.kind} {name!r}: continue_on_num_success/continue_on_success_ratio "
                "need a fan-out (with_param, with_items or with_sequence)"
            )
        if continue_on_success_ratio is not None and not 0 <= continue_on_success_ratio <= 1:
            raise InvalidWorkflowError(
                f"{self.kind} {name!r}: continue_on_success_ratio must be between 0 and 1"
            )
        self.continue_on_failed = continue_on_failed
        self.continue_on_error = continue_on_error
        self.continue_on_num_success = continue_on_num_success
        self.continue_on_success_ratio = continue_on_success_ratio
        if isinstance(key, str) and "{{" not in key and not is_static_key_valid(key):
            raise InvalidWorkflowError(
                f"{self.kind} {name!r}: key {key!r} is not a lower-case RFC 1123 name"
            )
        self.key = key
        self.executor = executor
        self.use_resource = use_resource
        self.util_image = util_image
        self.util_image_pull_policy = util_image_pull_policy
        self.util_command = util_command
        if parallelism is not None:
            raise InvalidWorkflowError(
                f"{self.kind} {name!r}: Step(parallelism=...) is not supported; set parallelism "
                "on the template (a Steps or DAG) or on the Workflow"
            )
        self.parallelism = parallelism
        self.slices = slices
        if not loops:
            self.with_param = self._fan_out_of_slices()
        self.timeout = timeout
        for which, hook in (
            ("success_hook", success_hook),
            ("running_hook", running_hook),
            ("failure_hook", failure_hook),
        ):
            if hook is not None and not isinstance(hook, HookStep):
                raise InvalidWorkflowError(
                    f"{self.kind} {name!r}: {which} must be a HookStep, got {type(hook).__name__}"
                )
        self.success_hook = success_hook
        self.running_hook = running_hook
        self.failure_hook = failure_hook
        self._outputs: Optional[Outputs] = None
        self._inputs: Optional[Inputs] = None
        self._joined: Any = None  # the ``with`` block this step joined, if any
        if type(self).joins_in_init:
            join_open_block(self)

    def hooks(self) -> Dict[str, HookStep]:
        """The lifecycle hooks given, by Argo's hook name (success, running, failure)."""
        given = {
            "success": self.success_hook,
            "running": self.running_hook,
            "failure": self.failure_hook,
        }
        return {k: v for k, v in given.items() if v is not None}

    # -- arguments -------------------------------------------------------------------------------

    def set_parameters(self, parameters: Dict[str, Any]) -> None:
        """Give (or change) input parameter values; unknown names are an error."""
        known = self.template.inputs.parameters
        for pname, value in parameters.items():
            if dict.__contains__(known, pname) and is_big(value) and self._takes_big(pname):
                make_big(known[pname])  # a Steps/DAG input a big value flows into becomes big
            big = self.template.inputs.artifacts.get(BIG_PREFIX + pname)
            if not dict.__contains__(known, pname) and big is not None and big.big_parameter:
                # a big parameter travels as a file: a value inline, a big one by reference
                if isinstance(value, InputParameter) and value.step is None and not is_big(value):
                    make_big(value)  # a template's own input given to a big one becomes big
                self.artifacts[BIG_PREFIX + pname] = value if is_big(value) else RawArtifact(value)
                continue
            if pname in known and is_big(value):
                raise big_value_error(
                    f"{self.kind} {self.name!r}: input parameter {pname!r} of template "
                    f"{self.template.name!r}",
                    value,
                )
            if pname in known and isinstance(value, (InputArtifact, OutputArtifact)):
                raise InvalidWorkflowError(
                    f"{self.kind} {self.name!r}: input parameter {pname!r} is given an artifact "
                    f"({value}); pass it in artifacts=, or give a parameter"
                )
            if pname not in known:
                raise InvalidWorkflowError(
                    f"{self.kind} {self.name!r}: template {self.template.name!r} has no input "
                    f"parameter {pname!r} (it takes: {', '.join(known) or 'none'})"
                )
            if isinstance(value, str) and "\0" in value:
                raise InvalidWorkflowError(
                    f"{self.kind} {self.name!r}: input parameter {pname!r} contains a NUL byte, "
                    "which no script, argument or environment variable can carry"
                )
            self.parameters[pname] = value
            add_user(value, (self, pname))
        self._inputs = None

    def _fan_out_of_slices(self) -> Any:
        """A template (or a step's ``slices``) sliced over input parameters, run by a step with
        no loop, fans out over the first one's entries, as in the original."""
        slices = self.slices or getattr(self.template, "slices", None)
        names = getattr(slices, "input_parameter", None)
        if slices is None or not names or getattr(slices, "sub_path", False):
            return None
        from .python.slice_management import inferred_fan_out, own_slice_parameters

        if own_slice_parameters(slices, self.template):
            return None  # sliced by an index its Steps/DAG passes, not by a loop
        name = names[0]
        return inferred_fan_out(
            slices, self.parameters.get(name, self.artifacts.get(BIG_PREFIX + name))
        )

    def _takes_big(self, pname: str) -> bool:
        """Whether the template's plain input ``pname`` may turn big: a Steps or DAG input
        (a script reads its parameters as text, so its big inputs are declared as such)."""
        from .dag import DAG
        from .steps import Steps

        return isinstance(self.template, (Steps, DAG))

    def set_artifacts(self, artifacts: Dict[str, Any]) -> None:
        """Give (or change) input artifacts; unknown names are an error."""
        known = self.template.inputs.artifacts
        for aname, value in artifacts.items():
            if aname not in known:
                raise InvalidWorkflowError(
                    f"{self.kind} {self.name!r}: template {self.template.name!r} has no input "
                    f"artifact {aname!r} (it takes: {', '.join(known) or 'none'})"
                )
            sources = (ArgoVar, S3Artifact, PVC, str, HTTPArtifact, LocalArtifact, CustomArtifact)
            if value is not None and not isinstance(value, sources):
                raise InvalidWorkflowError(
                    f"{self.kind} {self.name!r}: input artifact {aname!r} must be an output "
                    "artifact of a step, an input artifact, an S3Artifact, an HTTPArtifact, a "
                    f"LocalArtifact, a CustomArtifact or None, got {type(value).__name__}"
                )
            if isinstance(value, (InputParameter, OutputParameter)):
                raise InvalidWorkflowError(
                    f"{self.kind} {self.name!r}: input artifact {aname!r} is given a parameter "
                    f"({value}); pass it in parameters=, or give an artifact"
                )
            if value is None:
                known[aname].optional = True  # given None: the template takes it as optional
            self.artifacts[aname] = value
        self._inputs = None

    def missing_inputs(self) -> List[str]:
        """Names of required inputs (no value, no default, not optional) left unset."""
        missing = [
            f"input parameter {n!r}"
            for n, p in own_entries(self.template.inputs.parameters).items()
            if p.value is UNSET and n not in self.parameters
        ]
        missing += [
            f"input artifact {n!r}"
            for n, a in own_entries(self.template.inputs.artifacts).items()
            if not a.optional and a.source is None and n not in self.artifacts
        ]
        return missing

    # -- references --------------------------------------------------------------------------------

    @property
    def outputs(self) -> Outputs:
        """The template's outputs as references to this step's values."""
        if self._outputs is None:
            outputs = self.template.outputs.bound(f"{self.prefix}.{self.name}", self)
            stacked: Any = getattr(self.template, "stacked_output", None)  # a sliced Steps/DAG's
            for aname in list(own_entries(outputs.artifacts)) if stacked is not None else ():
                stack = stacked(self, aname)
                if stack is not None:
                    dict.__setitem__(outputs.artifacts, aname, stack)
            self._outputs = outputs
        return self._outputs

    @property
    def inputs(self) -> Inputs:
        """The template's inputs as references to this step's values, with their given values."""
        if self._inputs is None:
            inputs = self.template.inputs.bound(f"{self.prefix}.{self.name}", self)
            for pname, value in self.parameters.items():
                inputs.parameters[pname].value = value
            for aname, value in self.artifacts.items():
                inputs.artifacts[aname].source = value
            self._inputs = inputs
        return self._inputs

    @property
    def expr(self) -> str:
        """This step in Argo's expression language (``steps['name']``, ``tasks['name']`` for a
        task), e.g. for a hook's ``expression``: ``f"{step.expr}.status == 'Failed'"``."""
        return f"{self.prefix}['{self.name}']"

    @property
    def fans_out(self) -> bool:
        return (
            self.with_param is not None
            or self.with_items is not None
            or self.with_sequence is not None
        )

    # -- dict forms ------------------------------------------------------------------------------

    def convert_to_graph(self) -> Dict[str, Any]:
        """This step as a dict of its fields: its template by name, references as their tags."""
        from .graph_format import step_graph

        return step_graph(self)

    @classmethod
    def from_graph(cls, graph: Dict[str, Any], templates: Dict[str, Any]) -> Any:
        """The step of a ``convert_to_graph`` dict; ``templates`` maps template names to
        templates."""
        from .graph_format import step_from_graph

        return step_from_graph(graph, templates, cls)

    @classmethod
    def from_dict(cls, d: Dict[str, Any], templates: Dict[str, Any]) -> Any:
        """The step of an Argo step dict (as in a manifest); ``templates`` maps template names
        to templates."""
        from .argo_dicts import step_from_dict

        return step_from_dict(cls, d, templates)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, template={self.template.name!r})"


class HookStep(Step):
    """A template run by Argo when something happens to a step or to the workflow: give it as
    ``Step(success_hook=...)`` (or ``running_hook`` / ``failure_hook``); ``expression``, an Argo
    expression, replaces the condition the hook kind implies.

    Its other keywords are a step's (``parameters``, ``artifacts``, ...).
    """

    kind = "hook"
    joins_in_init = False  # a hook belongs to the step it is given to, never to a ``with`` block

    def __init__(self, template: Any, expression: Optional[str] = None, **kwargs: Any) -> None:
        nested = [k for k in ("success_hook", "running_hook", "failure_hook") if kwargs.get(k)]
        if nested:
            raise InvalidWorkflowError(f"a HookStep cannot have hooks of its own ({nested[0]})")
        name = kwargs.pop("name", "hook")
        super().__init__(name, template, **kwargs)
        self.expression = expression


# dflow 1.x names of this module, defined where they belong and imported on first use
__getattr__ = lazy_attributes(
    __name__,
    dict.fromkeys(
        [
            "ArgoConcat",
            "ArgoEnumerate",
            "ArgoLen",
            "ArgoRange",
            "ArgoSequence",
            "ArgoSum",
            "argo_concat",
            "argo_enumerate",
            "argo_len",
            "argo_range",
            "argo_sequence",
            "argo_sum",
        ],
        "dflow.expressions",
    )
    | {"upload_python_packages": "dflow.submission"},
    globals(),
)
