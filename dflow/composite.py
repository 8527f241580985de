"""What Steps and DAG templates share: reading back, the graph form, and slices over them."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Type, TypeVar

from .op_template import OPTemplate

__all__ = ["CompositeTemplate"]

_C = TypeVar("_C", bound="CompositeTemplate")


class CompositeTemplate(OPTemplate):
    """A template made of steps or tasks (``Steps``, ``DAG``)."""

    def convert_to_graph(self) -> Tuple[Dict[str, Any], List[OPTemplate]]:  # type: ignore[override]
        """This template's graph dict, and the templates its steps run."""
        from .graph_format import template_graph

        return template_graph(self)

    @classmethod
    def from_dict(
        cls: Type[_C], d: Dict[str, Any], templates: Optional[Dict[str, Any]] = None
    ) -> _C:
        """The template of an Argo template dict; the templates its steps run are found in
        ``templates`` by name (or in ``d`` itself, for a template that runs itself)."""
        from .argo_dicts import composite_from_dict

        return composite_from_dict(cls, d, templates or {})  # type: ignore[no-any-return]

    # -- slices (dflow.python.slice_management) ----------------------------------------------------

    def add_slices(self, slices: Any, layer: int = 0) -> None:
        """Slice the inner steps that take a sliced input of this template, in place: the slice
        index comes in as input ``dflow_slice`` (``dflow_slice_<layer>`` at a nesting ``layer``)."""
        from .python.slice_management import add_slices_to_composite

        add_slices_to_composite(self, slices, layer)

    def for_step(self: _C, step: Any) -> _C:
        """What a step runs: a sliced copy when the step has ``slices``, else this template."""
        if step.slices is None:
            return self
        from .python.slice_management import sliced_composite

        return sliced_composite(self, step)  # type: ignore[no-any-return]

    def stacked_output(self, step: Any, name: str) -> Any:
        """For a fanned-out step slicing output artifact ``name``: the stack of its items."""
        if step.slices is None:
            return None
        from .python.slice_management import stacked_output

        return stacked_output(self, step, name)

    def step_arguments(self, step: Any) -> Dict[str, str]:
        """What a step with ``slices`` passes to its sliced copy (slice index, stack key)."""
        if step.slices is None:
            return {}
        from .python.slice_management import composite_arguments

        return composite_arguments(self, step)
