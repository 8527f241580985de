"""``Slices(group_size=g)``: a fan-out whose pods each run ``g`` consecutive items.

A grouped step calls, once, a wrapper Steps template named ``<template>-<step>``. The step passes
it its inputs and ``dflow_items``, the JSON list it would have fanned out over (its
``with_param``, ``with_items`` or a literal ``with_sequence``). Inside, one step fans out over
the group starts ``toJson(sprig.untilStep(0, len(items), g))`` into the group template, a copy of
the OP template whose runtime runs its group's items (see ``dflow.python.runtime.group``). Each
output parameter of the wrapper joins the groups' lists with ``valueFrom.expression``, so the
step's outputs are one entry per item, in item order, as without grouping; stacked artifacts are
saved under the key the step passes, as without grouping.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Dict

from ..errors import InvalidWorkflowError
from ..io import (
    BIG_PREFIX,
    UNSET,
    InputParameter,
    Inputs,
    OutputParameter,
    Outputs,
    own_entries,
)
from ..step import Step
from ..steps import Steps
from ..success_tag import SUCCESS_TAG, SUCCESS_TAG_PATH
from .signs import BigParameter, as_sign
from .template import STACK_PARAMETER, stack_outputs
from .wrapper_steps import WrapperSteps, wrapper_inputs

if TYPE_CHECKING:
    from .template import PythonOPTemplate

__all__ = [
    "GroupedSteps",
    "grouped_for_step",
    "joined",
    "in_item_order",
    "ITEMS_PARAMETER",
    "GROUP_PARAMETER",
]

ITEMS_PARAMETER = "dflow_items"
GROUP_PARAMETER = "dflow_group"
_ITEM_TAG = re.compile(r"\{\{=?\s*item\s*\}\}")
GROUP_STARTS = "{{=toJson(sprig.untilStep(0, len(sprig.fromJson(inputs.parameters.%s)), %d))}}"


class GroupedSteps(WrapperSteps):
    """The wrapper a grouped step calls once instead of fanning out itself."""

    item_tag = _ITEM_TAG

    runs_fan_out = True
    """The renderer leaves the step's own loop out: the wrapper's inner step loops over groups."""

    checks_success = False
    """Whether the wrapper itself fails unless enough items succeeded (``continue_on_num_success``
    / ``continue_on_success_ratio`` of the step), so the renderer adds no check of its own."""

    def __init__(self, items: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.items = items

    def step_arguments(self, step: Any) -> Dict[str, str]:
        """The item list the calling step passes (and where its items stack artifacts, and the
        parts of its keys and values only it can resolve)."""
        return {ITEMS_PARAMETER: self.items, **super().step_arguments(step)}


def grouped_for_step(template: PythonOPTemplate, step: Any, slices: Any, name: str) -> Steps:
    """The wrapper Steps (and inside it, the group template) a grouped step runs."""
    op = template.op_class.__name__
    where = f"{step.kind} {step.name!r}"
    _refuse(op, where, step, template)
    group = _group_template(template, step, slices, name)
    params, arts = wrapper_inputs(template, step)
    params[ITEMS_PARAMETER] = InputParameter()
    if STACK_PARAMETER in group.inputs.parameters:
        params[STACK_PARAMETER] = InputParameter()
    outputs = Outputs()
    for key in own_entries(template.outputs.parameters):
        # the stacked list of the items' values, read back as a list
        expression = in_item_order(step.name, key) if slices.shuffle else joined(step.name, key)
        outputs.parameters[key] = OutputParameter(value_from_expression=expression, type=list)
    wrapper = GroupedSteps(
        items=items_text(step, where),
        name=name,
        inputs=Inputs(parameters=params, artifacts=arts),
        outputs=outputs,
    )
    arguments: Dict[str, Any] = {
        k: "{{inputs.parameters.%s}}" % k for k in own_entries(template.inputs.parameters)
    }
    for forwarded in (ITEMS_PARAMETER, STACK_PARAMETER):
        if forwarded in params:
            arguments[forwarded] = "{{inputs.parameters.%s}}" % forwarded
    arguments[GROUP_PARAMETER] = "{{item}}"
    size = slices.group_size
    for key, value in step.parameters.items():
        if wrapper.names_item(value):
            arguments[key] = _inside(wrapper, value, size)  # the group's index, as a key's
    counted = _counted(step)
    wrapper.keyed_inside = step.key is not None and wrapper.names_item(str(step.key))
    wrapper.add(
        Step(
            step.name,
            group,
            parameters=arguments,
            artifacts={k: wrapper.inputs.artifacts[k] for k in arts},  # optional ones stay so
            with_param=GROUP_STARTS % (ITEMS_PARAMETER, size),
            continue_on_failed=step.continue_on_failed or counted,
            key=_inside(wrapper, str(step.key), size) if wrapper.keyed_inside else None,
        )
    )
    if counted:
        wrapper.checks_success = True
        wrapper.add(_check_step(step))
    return wrapper


def _inside(wrapper: GroupedSteps, text: str, size: int) -> str:
    """``text`` naming ``{{item}}`` as the groups inside ``wrapper`` read it: the item is the
    group's index, as in the original (the groups fan out over their first positions); parts
    with other tags come in from the calling step."""
    return wrapper.inside(text, lambda tag: "{{=sprig.div(item, %d)}}" % size)


def _counted(step: Any) -> bool:
    return step.continue_on_num_success is not None or step.continue_on_success_ratio is not None


def _check_step(step: Any) -> Step:
    """The step failing the wrapper unless enough items succeeded, counted over the groups'
    success tags (each the number of its items that succeeded) against the item count."""
    from ..config import config
    from ..success_checks import CheckNumSuccess, CheckSuccessRatio

    image = step.util_image or config["util_image"]
    pull = step.util_image_pull_policy
    tags = "{{steps.%s.outputs.parameters.%s}}" % (step.name, SUCCESS_TAG)
    name = f"{step.name}-check-success"
    if step.continue_on_num_success is not None:
        check: Any = CheckNumSuccess(image=image, image_pull_policy=pull)
        threshold = step.continue_on_num_success
        return Step(name, check, parameters={"success": tags, "threshold": threshold})
    check = CheckSuccessRatio(image=image, image_pull_policy=pull)
    total = "{{=len(sprig.fromJson(inputs.parameters.%s))}}" % ITEMS_PARAMETER
    ratio = step.continue_on_success_ratio
    return Step(name, check, parameters={"success": tags, "total": total, "threshold": ratio})


def joined(step: str, key: str) -> str:
    """An expression joining the groups' JSON lists of output ``key`` into one list.

    Each group's value is a JSON list; a fan-out aggregates it as a string (Argo) or as the
    parsed list (the local engine); both are turned back into the group's JSON text, stripped of
    its brackets and joined, so the values reach the consumer as the groups wrote them.
    """
    groups = f"sprig.fromJson(steps['{step}'].outputs.parameters['{key}'])"
    text = "(sprig.hasPrefix('\"', toJson(#)) ? # : toJson(#))"
    inner = f"sprig.trimSuffix(']', sprig.trimPrefix('[', {text}))"
    return _unless_empty(step, f"'[' + sprig.join(',', map({groups}, {{{inner}}})) + ']'")


def in_item_order(step: str, key: str) -> str:
    """An expression putting shuffled groups' values of output ``key`` back in item order.

    Each group's value is a JSON list of ``{"p": position, "v": "<value's JSON>"}``; the pairs of
    every group are sorted by position and the value texts joined, so the values are not
    re-encoded.
    """
    groups = f"sprig.fromJson(steps['{step}'].outputs.parameters['{key}'])"
    pairs = f"flatten(map({groups}, {{sprig.hasPrefix('\"', toJson(#)) ? sprig.fromJson(#) : #}}))"
    return _unless_empty(
        step, f"'[' + sprig.join(',', map(sortBy({pairs}, {{#.p}}), {{#.v}})) + ']'"
    )


def _unless_empty(step: str, expression: str) -> str:
    """``expression``, or the empty list when the step had no groups (no items): Argo skips a
    fan-out over nothing, and a skipped step has no values to join."""
    return f"steps['{step}'].status == 'Skipped' ? '[]' : ({expression})"


def items_text(step: Any, where: str) -> str:
    """The JSON list (or a reference to one) the step would have fanned out over."""
    from ..render.values import _unref, encode_with_param

    if step.with_param is not None:
        return encode_with_param(step.with_param)
    if step.with_items is not None:
        return json.dumps(_unref(list(step.with_items)))
    seq = step.with_sequence
    values = {f: getattr(seq, f) for f in ("count", "start", "end")}
    if seq.format is not None or any(
        v is not None and not (isinstance(v, int) and not isinstance(v, bool))
        for v in values.values()
    ):
        raise InvalidWorkflowError(
            f"{where}: Slices(group_size=...) over with_sequence needs literal int count/start/end "
            "and no format; use with_param (e.g. argo_range) instead"
        )
    start = values["start"] or 0
    if values["count"] is not None:
        items = list(range(start, start + values["count"]))
    else:
        end = values["end"]
        items = list(range(start, end + 1)) if start <= end else list(range(start, end - 1, -1))
    return json.dumps(items)


def _refuse(op: str, where: str, step: Any, template: PythonOPTemplate) -> None:
    """Combinations a grouped step cannot honour are errors naming the OP and the option."""
    unsupported = {
        "a step timeout": step.timeout is not None,
        "an executor": step.executor is not None,
        "use_resource": step.use_resource is not None,
    }
    for option, present in unsupported.items():
        if present:
            raise InvalidWorkflowError(
                f"{where}: OP {op}: Slices(group_size=...) cannot be combined with {option}"
            )
    for key, art in own_entries(template.outputs.artifacts).items():
        if getattr(art, "big_parameter", False) or _is_big(template, key):
            raise InvalidWorkflowError(
                f"{where}: OP {op}: Slices(group_size=...) does not support the BigParameter "
                f"output {key.removeprefix(BIG_PREFIX)!r}"
            )


def _is_big(template: PythonOPTemplate, key: str) -> bool:
    sign = template.op_class.get_output_sign()
    return key in sign and isinstance(as_sign(sign[key]), BigParameter)


def _group_template(
    template: PythonOPTemplate, step: Any, slices: Any, wrapper: str
) -> PythonOPTemplate:
    from ..names import suffixed_name

    group: PythonOPTemplate = template.replace(name=suffixed_name(wrapper, "group"))  # type: ignore[assignment]
    group.slices = None
    group.inputs.parameters[ITEMS_PARAMETER] = InputParameter()
    group.inputs.parameters[GROUP_PARAMETER] = InputParameter()
    group.envs = dict(
        template.envs,
        DFLOW_ITEMS="{{inputs.parameters.%s}}" % ITEMS_PARAMETER,
        DFLOW_GROUP="{{inputs.parameters.%s}}" % GROUP_PARAMETER,
    )
    stack_outputs(group, slices.output_artifact)
    for p in own_entries(group.outputs.parameters).values():
        p.global_name = None  # a group's partial list is no global output
        p.type = list
        if p.default is not UNSET:
            p.default = UNSET
    tag = None
    if _counted(step):
        tag = SUCCESS_TAG_PATH
        group.outputs.parameters[SUCCESS_TAG] = OutputParameter(value_from_path=tag, default="0")
    group.script = group.bootstrap(grouped=slices, success_tag=tag)
    return group
