"""The Steps template a sliced step calls once in place of its own template (grouped slices,
sub-path slices), and what the step passes it.

Inside the wrapper, a step fans out over the items. A key or parameter value of the user's step
that names the item is read by that inner step; its other tags (``{{inputs.parameters.tag}}`` of
an enclosing Steps) only the calling step can resolve, so they come in as inputs
``dflow_passed_<n>`` of the wrapper. The calling step itself passes such a text with its item
tags read as ``group``, as the original's group key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, ClassVar, Dict, Pattern, Tuple

from ..io import InputArtifact, InputParameter, own_entries
from ..steps import Steps
from .template import stack_arguments

if TYPE_CHECKING:
    from .template import PythonOPTemplate

__all__ = ["WrapperSteps", "wrapper_inputs", "PASSED_PREFIX"]

PASSED_PREFIX = "dflow_passed_"


class WrapperSteps(Steps):
    """A Steps a sliced step calls once, whose inner step fans out over the items."""

    item_tag: ClassVar[Pattern[str]]
    """The tags of a key or parameter value that name the item of the inner fan-out."""

    keyed_inside = False
    """Whether the step inside carries the calling step's key (read there): the calling step
    then has none, so the keys listed are the items' only, as in the original."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.passed: Dict[str, str] = {}
        """Inputs of the wrapper the calling step sets: parts of keys and parameter values that
        refer to the caller's scope, by input name."""

    def names_item(self, text: Any) -> bool:
        """Whether ``text`` (a key or parameter value) names the item of the inner fan-out."""
        return isinstance(text, str) and self.item_tag.search(text) is not None

    def outer_text(self, text: str) -> str:
        """A key or parameter value as the calling step passes it: item tags read ``group``."""
        return self.item_tag.sub("group", text)

    def inside(self, text: str, item: Callable[[str], str]) -> str:
        """``text`` as the inner step reads it: each item tag becomes ``item(tag)``, and a part
        between them holding other tags comes in through an input the calling step sets."""
        parts = []
        start = 0
        for match in self.item_tag.finditer(text):
            parts.append(self._passed_in(text[start : match.start()]))
            parts.append(item(match.group(0)))
            start = match.end()
        parts.append(self._passed_in(text[start:]))
        return "".join(parts)

    def _passed_in(self, part: str) -> str:
        if "{{" not in part:
            return part
        name = next((n for n, value in self.passed.items() if value == part), None)
        if name is None:
            name = f"{PASSED_PREFIX}{len(self.passed)}"
            self.passed[name] = part
            self.inputs.parameters[name] = InputParameter()
        return "{{inputs.parameters.%s}}" % name

    def step_arguments(self, step: Any) -> Dict[str, str]:
        """What the calling step passes besides its own arguments: where its items stack
        artifacts, and the parts of its keys and values only it can resolve."""
        return {**stack_arguments(self, step), **self.passed}


def wrapper_inputs(
    template: PythonOPTemplate, step: Any
) -> Tuple[Dict[str, InputParameter], Dict[str, InputArtifact]]:
    """The inputs of a wrapper Steps that runs ``template`` for ``step``: every parameter of the
    template (with its default), and the artifacts the step gives or the template has a source
    for (optional ones stay optional, so one left unset reaches the inner step unset)."""
    params = {
        key: InputParameter(value=p.value)
        for key, p in own_entries(template.inputs.parameters).items()
    }
    given = {k for k, v in step.artifacts.items() if v is not None}
    arts = {}
    for key, art in own_entries(template.inputs.artifacts).items():
        if key in given or art.source is not None:
            arts[key] = InputArtifact(optional=art.optional)
            arts[key].source = art.source
    return params, arts
