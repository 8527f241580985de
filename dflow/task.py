"""A task: one use of a template inside a DAG, with explicit or inferred dependencies."""

from __future__ import annotations

import re
from typing import Any, List, Optional, Union

from .context_syntax import join_open_block
from .errors import InvalidWorkflowError
from .step import Step

__all__ = ["Task"]


def _dependency_base(dep: str) -> str:
    """The task a dependency names: ``"train"`` for ``"train"`` or ``"train.Succeeded"``."""
    return re.split(r"[.\s]", dep.strip("()! "), maxsplit=1)[0]


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
            if _dependency_base(self.dependencies[-1]) == name:
                raise InvalidWorkflowError(f"task {name!r} depends on itself")
        join_open_block(self)
