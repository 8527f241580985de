"""Slices given to templates after they are built: ``set_slices``/``add_slices`` on a
``PythonOPTemplate``, and ``Steps.add_slices``/``DAG.add_slices``, which slice every inner step
that takes a sliced input of the Steps/DAG.

Slicing a Steps or DAG (``Step(template=steps, slices=Slices(...))`` with a fan-out, or
``steps.add_slices(...)``) works as in the original: the Steps gets an input ``dflow_slice``
(``dflow_slice_<layer>`` when nested), default ``"None"`` (no slicing); each inner step whose input
is a sliced input of the Steps passes ``dflow_slice_<layer+1>`` = the Steps' slice, and its
template slices that input by it (``Slices("{{inputs.parameters.dflow_slice_<layer+1>}}")``),
unless ``dflow_skip_slice_input`` is set. The Steps' inputs travel whole, each item takes its part
inside the Python OPs. A sliced output artifact comes from a Python OP step inside, which saves
it into one stack at the item's slice; the Steps' output, and the fanned-out step's, is the
stack. Inner templates are changed in place, as in the original; a step with ``slices`` changes
a copy of its Steps and of everything in it.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Dict, List, Optional

from ..errors import InvalidWorkflowError
from ..io import BIG_PREFIX, InputParameter, S3Artifact
from .slices import Slices
from .template import (
    SKIP_PARAMETER,
    STACK_PARAMETER,
    StackedArtifact,
    stack_arguments,
    stack_key,
)

__all__ = [
    "SKIP_PARAMETER",
    "stacked_output",
    "composite_arguments",
    "add_slices_to_composite",
    "merge_slices",
    "own_slice_parameters",
    "sliced_composite",
    "slice_parameter",
    "slices_text",
]

_FIELDS = ("input_parameter", "input_artifact", "output_parameter", "output_artifact")
_INPUT_REF = re.compile(r"\{\{\s*inputs\.parameters\.([-\w]+)\s*\}\}")


def slice_parameter(layer: int) -> str:
    """The input that carries the slice index of a Steps/DAG sliced at ``layer``."""
    return "dflow_slice" if layer == 0 else f"dflow_slice_{layer}"


def own_slice_parameters(slices: Slices, template: Any) -> bool:
    """Whether the slice index is read from the template's own inputs
    (``"{{inputs.parameters.dflow_slice_1}}"``), not from the step's fan-out item."""
    names = _INPUT_REF.findall(slices.slices)
    return bool(names) and all(n in template.inputs.parameters for n in names)


def merge_slices(current: Optional[Slices], added: Slices, owner: str) -> Slices:
    """``current`` with the names ``added`` slices; both must slice by the same index."""
    if current is None:
        merged = copy.copy(added)
        for field in _FIELDS:
            setattr(merged, field, list(getattr(added, field)))
        return merged
    if current.slices != added.slices:
        raise InvalidWorkflowError(
            f"{owner}: add_slices slices by {added.slices!r}, but the template already slices "
            f"by {current.slices!r}; one template slices by one index"
        )
    for field in _FIELDS:
        names: List[str] = getattr(current, field)
        names.extend(n for n in getattr(added, field) if n not in names)
    return current


def slices_text(template: Any, slices_dict: Optional[Dict[str, Any]], name: str) -> Any:
    """The slice expression of ``name`` in ``slices_dict``, each ``{{item...}}`` in it replaced
    by an input of the template (``dflow_var_<n>``, whose default is that tag), as the original's
    ``get_slices``."""
    if slices_dict is None:
        return None
    text = slices_dict.get(name)
    if not isinstance(text, str):
        return text
    known: Dict[str, str] = template.__dict__.setdefault("dflow_vars", {})
    for tag in re.findall(r"\{\{item[^}]*\}\}", text):
        if tag not in known:
            known[tag] = f"dflow_var_{len(known)}"
            template.inputs.parameters[known[tag]] = InputParameter(value=tag)
        text = text.replace(tag, "{{inputs.parameters.%s}}" % known[tag])
    return text


def _inner_steps(template: Any) -> List[Any]:
    if hasattr(template, "tasks"):
        return list(template.tasks)
    return [step for group in template.steps for step in group]


def _slice_inner(template: Any, step: Any, inner: Slices, layer: int) -> None:
    """Make ``step`` of ``template`` take its part of a sliced input (see the module)."""
    outer_par, inner_par = slice_parameter(layer), slice_parameter(layer + 1)
    template.inputs.parameters[SKIP_PARAMETER] = InputParameter(value=0)
    target = step.template
    if hasattr(target, "set_skip_slice_input"):
        target.set_skip_slice_input()
    else:
        target.inputs.parameters[SKIP_PARAMETER] = InputParameter(value=0)
    target.inputs.parameters[inner_par] = InputParameter()
    target.add_slices(inner, layer=layer + 1)
    step.set_parameters(
        {
            inner_par: "{{inputs.parameters.%s}}" % outer_par,
            SKIP_PARAMETER: "{{inputs.parameters.%s}}" % SKIP_PARAMETER,
        }
    )


def add_slices_to_composite(template: Any, slices: Slices, layer: int = 0) -> None:
    """Slice the inner steps of a Steps/DAG that take its sliced inputs (see the module)."""
    owner = f"{type(template).__name__} {template.name!r}"
    if slices.sub_path or slices.group_size is not None:
        raise InvalidWorkflowError(
            f"{owner}: add_slices takes neither sub_path nor group_size on a Steps or DAG; "
            "give them to the Slices of its Python OP templates"
        )
    for field, kind in (("input_parameter", "parameters"), ("input_artifact", "artifacts")):
        for name in getattr(slices, field):
            if name not in getattr(template.inputs, kind):
                raise InvalidWorkflowError(f"{owner}: Slices.{field} names {name!r}, not its input")
    for name in slices.output_parameter:
        if name not in template.outputs.parameters:
            raise InvalidWorkflowError(
                f"{owner}: Slices.output_parameter names {name!r}, not its output"
            )
    sources = {name: _stacking_sources(template, name, owner) for name in slices.output_artifact}
    template.inputs.parameters[slice_parameter(layer)] = InputParameter(value="None")
    index = "{{inputs.parameters.%s}}" % slice_parameter(layer + 1)
    for step in _inner_steps(template):
        for name in slices.input_parameter:
            sliced = template.inputs.parameters[name]
            given = list(step.parameters.items())
            big = [(k, v) for k, v in step.artifacts.items() if k.startswith(BIG_PREFIX)]
            given += [(k[len(BIG_PREFIX) :], v) for k, v in big]  # passed on as its artifact
            for key, value in given:
                if value is sliced:
                    inner = Slices(index, input_parameter=[key], pool_size=slices.pool_size)
                    _slice_inner(template, step, inner, layer)
        for name in slices.input_artifact:
            sliced = template.inputs.artifacts[name]
            for key, value in list(step.artifacts.items()):
                if value is sliced:
                    inner = Slices(index, input_artifact=[key], pool_size=slices.pool_size)
                    _slice_inner(template, step, inner, layer)
    for name, found in sources.items():
        template.inputs.parameters[STACK_PARAMETER] = InputParameter()
        template.outputs.artifacts[name].from_expression = None
        for step, key in found:
            _stack_source(template, step, key, name, layer)


def _stack_source(template: Any, step: Any, key: str, name: str, layer: int) -> None:
    """Make inner ``step`` save its output ``key`` into the stack of ``template``'s output
    ``name`` (the key the fanned-out step passes, forwarded inside)."""
    forward = "{{inputs.parameters.%s}}" % STACK_PARAMETER
    outer_par = slice_parameter(layer)
    output = template.outputs.artifacts[name]
    if step.template is template:  # a recursive call: same slice and stack, inputs whole
        template.inputs.parameters[SKIP_PARAMETER] = InputParameter(value=0)
        step.set_parameters(
            {
                SKIP_PARAMETER: 1,
                outer_par: "{{inputs.parameters.%s}}" % outer_par,
                STACK_PARAMETER: forward,
            }
        )
        return
    if step.fans_out:  # a sliced fan-out: each of its items saves into the outer stack too
        target = step.template
        param = f"{STACK_PARAMETER}_{layer + 1}"
        target.inputs.parameters[param] = InputParameter()
        target.__dict__.setdefault("stack_into", {})[key] = (param, name)
        step.set_parameters({param: forward})
        output._from = S3Artifact(f"{forward}/{name}")
        return
    index = "{{inputs.parameters.%s}}" % slice_parameter(layer + 1)
    target = step.template
    inner_par = slice_parameter(layer + 1)
    target.inputs.parameters[inner_par] = InputParameter()
    target.inputs.parameters[STACK_PARAMETER] = InputParameter()
    target.add_slices(Slices(index, output_artifact=[key]), layer=layer + 1)
    step.set_parameters(
        {inner_par: "{{inputs.parameters.%s}}" % outer_par, STACK_PARAMETER: forward}
    )
    output._from = S3Artifact(f"{forward}/{key}")


def _stacking_sources(template: Any, name: str, owner: str) -> List[Any]:
    """The inner steps and outputs whose items stack into output ``name``: its ``_from`` step
    (running a Python OP), or each branch of its ``from_expression`` (such a step, a sliced
    fan-out's stacked output, or a recursive call of the template itself)."""
    art = template.outputs.artifacts.get(name)
    if art is None:
        raise InvalidWorkflowError(
            f"{owner}: Slices.output_artifact names {name!r}, not its output"
        )
    expression = getattr(art, "from_expression", None)
    branches = [art._from] if art._from is not None else []
    if not branches and expression is not None:
        branches = [getattr(expression, "then", None), getattr(expression, "otherwise", None)]
    by_name = {s.name: s for s in _inner_steps(template)}
    found = []
    for source in branches:
        key: Optional[str]
        if isinstance(source, StackedArtifact):  # a sliced fan-out's stack: its step and output
            step, key = by_name.get(str(source.step)), source.key.rsplit("/", 1)[-1]
        else:
            step, key = getattr(source, "_scope_object", None), getattr(source, "name", None)
        inner = getattr(step, "template", None)
        if inner is not template and not hasattr(inner, "op_class"):
            raise InvalidWorkflowError(
                f"{owner}: sliced output artifact {name!r} must come (_from, or each branch of "
                "from_expression) from a Python OP step inside it"
            )
        found.append((step, key or name))
    if not found:
        raise InvalidWorkflowError(
            f"{owner}: sliced output artifact {name!r} must come (_from) from a Python OP step "
            "inside it"
        )
    return found


def stacked_output(template: Any, step: Any, name: str) -> Any:
    """What ``step.outputs.artifacts[name]`` is for a fanned-out ``step`` slicing output artifact
    ``name`` of the Steps/DAG ``template``: the stack its items save into (None otherwise)."""
    slices = step.slices
    if slices is None or name not in slices.output_artifact or not step.fans_out:
        return None
    _stacking_sources(template, name, f"{type(template).__name__} {template.name!r}")
    stacked = StackedArtifact(stack_key(step.name, name))
    stacked.step = step.name
    return stacked


def composite_arguments(template: Any, step: Any) -> Dict[str, str]:
    """What a step passes to a sliced Steps/DAG: its slice index and where its items stack."""
    args: Dict[str, str] = {}
    if step.slices is not None and "dflow_slice" in template.inputs.parameters:
        args["dflow_slice"] = step.slices.slices
    args.update(stack_arguments(template, step))
    return args


def sliced_composite(template: Any, step: Any) -> Any:
    """The copy of a Steps/DAG that ``step`` (with ``slices``) runs, named ``<template>-<step>``."""
    from ..names import suffixed_name

    if not step.fans_out:
        raise InvalidWorkflowError(
            f"{step.kind} {step.name!r}: Slices need a fan-out (with_param, with_sequence or "
            "with_items)"
        )
    sliced = copy.deepcopy(template)
    sliced.name = suffixed_name(template.name, step.name)
    sliced.add_slices(step.slices)
    return sliced


def inferred_fan_out(slices: Slices, given: Any) -> Any:
    """The ``with_param`` a step with sliced inputs and no loop of its own fans out with, as in
    the original: one item per entry of the first sliced input parameter's value ``given``
    (a list, its JSON text, or a reference); None when nothing can be inferred."""
    import json

    from ..expressions import ArgoVar, argo_len, argo_range
    from ..io import RawArtifact

    if isinstance(given, RawArtifact):  # a big parameter given inline
        given = given.value
    if isinstance(given, ArgoVar):
        return argo_range(argo_len(given))
    if isinstance(given, str):
        tag = re.fullmatch(r"\{\{=(.*)\}\}", given.strip(), re.S)
        if tag:
            return argo_range(argo_len(ArgoVar(tag.group(1))))
        ref = re.fullmatch(r"\{\{(\w+)\.([^.{}]+)\.(\w+)\.parameters\.([^.{}]+)\}\}", given.strip())
        if ref:
            group, owner, direction, name = ref.groups()
            expr = f"{group}['{owner}'].{direction}.parameters['{name}']"
            return argo_range(argo_len(ArgoVar(expr)))
        try:
            given = json.loads(given)
        except ValueError:
            return None
    if isinstance(given, (list, tuple)):
        return argo_range(len(given))
    return None
