"""``Slices(sub_path=True)`` on a step with no fan-out: one item per entry of the sliced artifact.

The step calls, once, a wrapper Steps template named ``<template>-<step>``. Inside, a small
utility step ``<step>-init-artifact`` reads the catalog of each sliced input artifact and gives
``dflow_slices_path``, the JSON list ``[{"order": 0, "<artifact>": "<its path>"}, ...]``; then
the step itself fans out over that list with its ``Slices`` (``{{item.order}}`` by default), so
each item gets its entry, as with an explicit fan-out. Stacked outputs are saved under the key
the user's step passes the wrapper (``dflow_stack_key``), where the init step first writes them
empty (so that an artifact with no entries gives empty lists), and the wrapper gives the stacked
output parameters.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..config import config
from ..errors import InvalidWorkflowError
from ..io import (
    InputArtifact,
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    S3Artifact,
    own_entries,
)
from ..op_template import PythonScriptOPTemplate
from ..step import Step
from ..steps import Steps
from .template import STACK_PARAMETER
from .wrapper_steps import WrapperSteps, wrapper_inputs

if TYPE_CHECKING:
    from .template import PythonOPTemplate

__all__ = ["sub_path_for_step", "SLICES_PATH_PARAMETER"]

SLICES_PATH_PARAMETER = "dflow_slices_path"
_ROOT = "/tmp/inputs/artifacts/"
_OUT = "/tmp/outputs/parameters/" + SLICES_PATH_PARAMETER
_STACK = "/tmp/outputs/artifacts"

# Runs on the utility image: standard library only.
_LIST_SCRIPT = """\
import json, os
keys = %(keys)r
lists = {}
for key in keys:
    catalog = os.path.join(%(root)r, key, '.dflow')
    entries = {}
    if os.path.isdir(catalog):
        for name in sorted(os.listdir(catalog)):
            with open(os.path.join(catalog, name)) as fd:
                for entry in json.load(fd).get('path_list', []):
                    entries.setdefault(entry['order'], entry['dflow_list_item'])
    lists[key] = [entries[order] for order in sorted(entries)]
count = max((len(v) for v in lists.values()), default=0)
items = []
for order in range(count):
    item = {'order': order}
    for key in keys:
        item[key] = lists[key][order] if order < len(lists[key]) else None
    items.append(item)
os.makedirs(os.path.dirname(%(out)r), exist_ok=True)
with open(%(out)r, 'w') as fd:
    json.dump(items, fd)
for name in %(stacked)r:
    os.makedirs(os.path.join(%(stack)r, name, '.dflow'), exist_ok=True)
    with open(os.path.join(%(stack)r, name, '.dflow', 'init'), 'w') as fd:
        json.dump({'path_list': []}, fd)
"""


def sub_path_for_step(template: PythonOPTemplate, step: Any, slices: Any, name: str) -> Steps:
    """The wrapper Steps a sub-path-sliced step with no fan-out runs instead of its template."""
    where = f"{step.kind} {step.name!r}"
    op = template.op_class.__name__
    if not slices.input_artifact:
        raise InvalidWorkflowError(
            f"{where}: OP {op}: Slices(sub_path=True) without a fan-out needs input_artifact "
            "(the artifacts whose entries the step fans out over)"
        )
    keys = list(slices.input_artifact)
    stacked = list(slices.output_artifact)
    init_name = f"{step.name}-init-artifact"
    init = PythonScriptOPTemplate(
        name=f"{name}-init-artifact",
        inputs=Inputs(artifacts={k: InputArtifact(path=_ROOT + k, optional=True) for k in keys}),
        outputs=Outputs(parameters={SLICES_PATH_PARAMETER: OutputParameter(value_from_path=_OUT)}),
        image=step.util_image or config["util_image"],
        command=step.util_command or ["python3"],
        image_pull_policy=step.util_image_pull_policy,
        script=_LIST_SCRIPT
        % {"keys": keys, "root": _ROOT, "out": _OUT, "stacked": stacked, "stack": _STACK},
    )
    if stacked:  # the stack starts empty, so that no entries give an empty list
        init.inputs.parameters[STACK_PARAMETER] = InputParameter()
        stack_key = "{{inputs.parameters.%s}}" % STACK_PARAMETER
        for key in stacked:
            init.outputs.artifacts[key] = OutputArtifact(
                path=f"{_STACK}/{key}", save=[S3Artifact(f"{stack_key}/{key}")], archive=None
            )
    params, arts = wrapper_inputs(template, step)
    outputs = Outputs()
    for key in own_entries(template.outputs.parameters):
        outputs.parameters[key] = OutputParameter(
            value_from_parameter="{{steps.%s.outputs.parameters.%s}}" % (step.name, key),
            type=list,
        )
    if slices.output_artifact:
        params[STACK_PARAMETER] = InputParameter()
    wrapper = _SubPathSteps(
        name=name, inputs=Inputs(parameters=params, artifacts=arts), outputs=outputs
    )
    # artifacts by reference to the wrapper's inputs, so that an optional one left unset stays so
    given = {k: wrapper.inputs.artifacts[k] for k in arts}
    init_step = Step(init_name, init, artifacts={k: v for k, v in given.items() if k in keys})
    if step.key is not None:  # keyed as the original's, after the key with its items as "group"
        init_step.key = wrapper.inside(wrapper.outer_text(str(step.key)) + "-init-artifact", _same)
    if stacked:
        init_step.set_parameters({STACK_PARAMETER: "{{inputs.parameters.%s}}" % STACK_PARAMETER})
    wrapper.add(init_step)
    parameters = {}
    for k in own_entries(template.inputs.parameters):
        value = step.parameters.get(k)
        # a value naming the item is read by the items themselves
        parameters[k] = (
            wrapper.inside(value, _same)
            if wrapper.names_item(value)
            else ("{{inputs.parameters.%s}}" % k)
        )
    items = Step(
        step.name,
        template,
        parameters=parameters,
        artifacts=given,
        with_param="{{steps.%s.outputs.parameters.%s}}" % (init_name, SLICES_PATH_PARAMETER),
        slices=slices,
        continue_on_failed=step.continue_on_failed,
        key=None if step.key is None else wrapper.inside(str(step.key), _same),
    )
    wrapper.keyed_inside = step.key is not None  # the items are keyed, as the original's
    items.passes_stack = True  # type: ignore[attr-defined]  # the key given to the wrapper
    wrapper.add(items)
    return wrapper


class _SubPathSteps(WrapperSteps):
    """The wrapper a sub-path-sliced step runs; the step passes it where its items stack."""

    item_tag = re.compile(r"\{\{=?[^{}]*(?<![\w.])item\b[^{}]*\}\}")
    """Any tag reading the item (``{{item}}``, ``{{item.order}}``, ``{{=item.order + 1}}``)."""


def _same(tag: str) -> str:
    """An item tag inside the wrapper: the items there are the ones the step means."""
    return tag
