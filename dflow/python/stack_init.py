"""The step that gives a sliced fan-out's stacked artifacts when the fan-out had no items.

The items of a sliced step save their output artifacts under one stack key (``stack_key``).
With no items (``with_param`` an empty list) nothing is saved there, and Argo marks the step
Skipped ("Skipped, empty params"). So right after such a step, in the same Steps or DAG, a step
``<step>-init-artifact`` (template ``InitArtifactForSlices``, named as in dflow 1.x) runs when the
step was skipped, and writes an empty list artifact under the same key: the steps reading the
stack get an empty list, as in dflow 1.x. After a fan-out with items it is skipped and runs no pod.
"""

from __future__ import annotations

from typing import Any, List, Optional

from ..config import config
from ..step import Step
from .slice_init import InitArtifactForSlices
from .template import STACK_PARAMETER

__all__ = ["empty_stack_step", "stacked_names", "STACK_PARAMETER"]


def stacked_names(template: Any) -> List[str]:
    """The output artifacts ``template`` saves (or, a Steps/DAG, gives) from the stack its step
    passes in ``dflow_stack_key``."""
    prefix = "{{inputs.parameters.%s}}/" % STACK_PARAMETER
    names = []
    for name, art in template.outputs.artifacts.items():
        sources = list(getattr(art, "save", None) or []) + [getattr(art, "_from", None)]
        if any(str(getattr(s, "key", "")).startswith(prefix) for s in sources):
            names.append(name)
    return names


def empty_stack_step(
    template: Any, step: Any, key: str, util_image: Optional[str] = None
) -> Optional[Step]:
    """The step writing the empty stacked artifacts of the fanned-out ``step`` (which runs
    ``template`` and passes it the stack key ``key``) when ``step`` is skipped; None if it
    stacks nothing. It runs on the step's util image, else ``util_image``, else the config's."""
    names = stacked_names(template)
    if not names:
        return None
    init = InitArtifactForSlices(
        template,
        image=step.util_image or util_image or config["util_image"],
        command=step.util_command,
        image_pull_policy=step.util_image_pull_policy,
        key=None,
        sliced_output_artifact=names,
        stack=True,
    )
    status = "{{%s.%s.status}}" % (step.prefix, step.name)
    return Step(
        f"{step.name}-init-artifact",
        init,
        parameters={STACK_PARAMETER: key},
        when=f"{status} == Skipped",
    )
