"""A task: one use of a template inside a DAG, with explicit or inferred dependencies."""

from __future__ import annotations

from typing import Any, List, Optional, Union

from .context_syntax import join_open_block
from .errors import InvalidWorkflowError
from .step import Step

__all__ = ["Task"]


class Task(Step):
    """A ``Step`` in a ``DAG``. It starts when every task it depends on has finished.

    Dependencies are the tasks whose outputs it references, plus ``dependencies``: tasks or task
    names, or Argo ``depends`` terms such as ``"train.Succeeded"``.
    """

    prefix = "tasks"
    kind = "task"
    joins_in_init = False  # joins once its dependencies are set

    def __init__(
        self,
        name: str,
        template: Any,
        *args: Any,
        dependencies: Optional[List[Union[Task, str]]] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, template, *args, **kwargs)
        self.dependencies: List[str] = []
        for dep in dependencies or []:
            if isinstance(dep, Task):
                self.dependencies.append(f"{dep.name}.Succeeded")
            elif isinstance(dep, str) and dep:
                self.dependencies.append(dep)
            else:
                raise InvalidWorkflowError(
                    f"task {name!r}: a dependency must be a Task or a task name, got {dep!r}"
                )
        join_open_block(self)
