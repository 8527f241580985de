"""The step that gives a sliced fan-out's stacked artifacts when the fan-out had no items.

The items of a sliced step save their output artifacts under one stack key (``stack_key``).
With no items (``with_param`` an empty list) nothing is saved there, and Argo marks the step
Skipped ("Skipped, empty params"). So right after such a step, in the same Steps or DAG, a step
``<step>-init-artifact`` (named as in dflow 1.x) runs when the step was skipped, and writes an
empty list artifact under the same key: the steps reading the stack get an empty list, as in
dflow 1.x. After a fan-out with items it is skipped and runs no pod. Its template, an
``InitArtifactForSlices`` saving under the key it is given, is shared by the fan-outs that stack
the same outputs.
"""

from __future__ import annotations

from typing import Any, List

from ..io import own_entries
from ..step import Step
from .slice_init import InitArtifactForSlices
from .template import STACK_PARAMETER

__all__ = ["empty_stack_step", "stack_init_template", "stacked_names", "STACK_PARAMETER"]

TEMPLATE_NAME = "dflow-init-stack"


def stacked_names(template: Any) -> List[str]:
    """The output artifacts ``template`` saves (or, a Steps/DAG, gives) from the stack its step
    passes in ``dflow_stack_key``."""
    prefix = "{{inputs.parameters.%s}}/" % STACK_PARAMETER
    names = []
    for name, art in own_entries(template.outputs.artifacts).items():
        sources = list(getattr(art, "save", None) or []) + [getattr(art, "_from", None)]
        if any(str(getattr(s, "key", "")).startswith(prefix) for s in sources):
            names.append(name)
    return names


def stack_init_template(
    names: List[str], image: str, command: Any, image_pull_policy: Any
) -> InitArtifactForSlices:
    """The template writing empty list artifacts ``names`` under the stack key it is given."""
    init = InitArtifactForSlices(
        None,
        image=image,
        command=command,
        image_pull_policy=image_pull_policy,
        key=None,
        sliced_output_artifact=names,
        stack=True,
        name=TEMPLATE_NAME,
    )
    init.name_from_op = init.name  # type: ignore[attr-defined]  # others take <name>-<n>
    return init


def empty_stack_step(step: Any, key: str, init: InitArtifactForSlices) -> Step:
    """The step running ``init`` when the fanned-out ``step``, which stacks under ``key``, is
    skipped."""
    status = "{{%s.%s.status}}" % (step.prefix, step.name)
    return Step(
        f"{step.name}-init-artifact",
        init,
        parameters={STACK_PARAMETER: key},
        when=f"{status} == Skipped",
    )
