"""DAG: a template made of tasks that start as soon as the tasks they depend on finish."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from .context_syntax import claim, close_block, open_block
from .errors import InvalidWorkflowError
from .io import Inputs, Outputs
from .names import generated_name
from .op_template import OPTemplate
from .task import Task

__all__ = ["DAG"]


class DAG(OPTemplate):
    """A template whose body is a graph of tasks; dependencies come from references and
    ``Task(dependencies=...)``."""

    def __init__(
        self,
        name: Optional[str] = None,
        inputs: Optional[Inputs] = None,
        outputs: Optional[Outputs] = None,
        tasks: Optional[Sequence[Task]] = None,
        memoize_key: Optional[str] = None,
        annotations: Optional[Dict[str, str]] = None,
        parallelism: Optional[int] = None,
        **common: Any,
    ) -> None:
        super().__init__(
            name,
            inputs,
            outputs,
            memoize_key=memoize_key,
            annotations=annotations,
            parallelism=parallelism,
            **common,
        )
        self.tasks: List[Task] = []
        self._names: Dict[str, Task] = {}
        for task in tasks or []:
            self.add(task)

    def _default_name(self) -> str:
        return generated_name("dag")

    def remove(self, task: Task) -> None:
        """Take ``task`` out (a task built in a ``with`` block that is then added elsewhere)."""
        self._names.pop(task.name, None)
        self.tasks = [t for t in self.tasks if t is not task]

    def convert_to_graph(self) -> Tuple[Dict[str, Any], List[OPTemplate]]:  # type: ignore[override]
        """This template's graph dict, and the templates its steps run."""
        from .graph_format import template_graph

        return template_graph(self)

    @classmethod
    def from_dict(cls, d: Dict[str, Any], templates: Optional[Dict[str, Any]] = None) -> DAG:
        """The DAG of an Argo template dict; the templates its steps run are found in
        ``templates`` by name (or in ``d`` itself, for a DAG that runs itself)."""
        from .argo_dicts import composite_from_dict

        return composite_from_dict(cls, d, templates or {})  # type: ignore[no-any-return]

    # -- slices (dflow.python.slice_management) ----------------------------------------------------

    def add_slices(self, slices: Any, layer: int = 0) -> None:
        """Slice the inner steps that take a sliced input of this template, in place: the slice
        index comes in as input ``dflow_slice`` (``dflow_slice_<layer>`` at a nesting ``layer``)."""
        from .python.slice_management import add_slices_to_composite

        add_slices_to_composite(self, slices, layer)

    def for_step(self, step: Any) -> DAG:
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

    def __enter__(self) -> DAG:
        open_block(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        close_block(self)

    def add(self, task: Union[Task, Sequence[Task]]) -> None:
        """Add a task, or several."""
        for item in [task] if isinstance(task, Task) else list(task):
            if not isinstance(item, Task):
                raise InvalidWorkflowError(
                    f"DAG {self.name!r}: can only add Task objects, got {type(item).__name__}"
                )
            if not claim(item, self):
                continue
            if item.name in self._names:
                raise InvalidWorkflowError(f"DAG {self.name!r}: two tasks are named {item.name!r}")
            self._names[item.name] = item
            self.tasks.append(item)
