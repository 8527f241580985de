"""Steps: a template made of groups of steps run one after another, each group in parallel."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Union

from .composite import CompositeTemplate
from .context_syntax import claim, close_block, open_block
from .errors import InvalidWorkflowError
from .io import Inputs, Outputs
from .names import generated_name
from .step import Step

__all__ = ["Steps"]


class Steps(CompositeTemplate):
    """A template whose body is steps: outer list sequential, inner lists parallel.

    A ``Steps`` is a template itself: use it as the template of a ``Step`` in a higher Steps, or in
    itself (under a ``when``) to loop.
    """

    def __init__(
        self,
        name: Optional[str] = None,
        inputs: Optional[Inputs] = None,
        outputs: Optional[Outputs] = None,
        steps: Optional[Sequence[Union[Step, Sequence[Step]]]] = None,
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
        self.steps: List[List[Step]] = []
        self._names: Dict[str, Step] = {}
        for item in steps or []:
            self.add(item)

    def _default_name(self) -> str:
        return generated_name("steps")

    def add(self, step: Union[Step, Sequence[Step]]) -> None:
        """Append a step, or a list of steps that run in parallel, after what is already there."""
        group = [step] if isinstance(step, Step) else list(step)
        if not group:
            raise InvalidWorkflowError(f"Steps {self.name!r}: cannot add an empty group of steps")
        for item in group:
            if not isinstance(item, Step):
                raise InvalidWorkflowError(
                    f"Steps {self.name!r}: can only add Step objects, got {type(item).__name__}"
                )
        group = [item for item in group if claim(item, self, regroup=len(group) > 1)]
        if not group:
            return
        seen = set(self._names)
        for item in group:
            if item.name in seen:
                raise InvalidWorkflowError(
                    f"Steps {self.name!r}: two steps are named {item.name!r}"
                )
            seen.add(item.name)
        for item in group:
            self._names[item.name] = item
        self.steps.append(group)

    def remove(self, step: Step) -> None:
        """Take ``step`` out (a step built in a ``with`` block that is then added elsewhere)."""
        self._names.pop(step.name, None)
        self.steps = [[s for s in g if s is not step] for g in self.steps]
        self.steps = [g for g in self.steps if g]

    def __enter__(self) -> Steps:
        open_block(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        close_block(self)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.steps)
