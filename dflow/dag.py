"""DAG: a template made of tasks that start as soon as the tasks they depend on finish."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Union

from .composite import CompositeTemplate
from .context_syntax import claim, close_block, open_block
from .errors import InvalidWorkflowError
from .io import Inputs, Outputs
from .names import generated_name
from .task import Task

__all__ = ["DAG"]


class DAG(CompositeTemplate):
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
