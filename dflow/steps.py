"""Steps: a template made of groups of steps run one after another, each group in parallel."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Union

from .errors import InvalidWorkflowError
from .io import Inputs, Outputs
from .names import generated_name
from .op_template import OPTemplate
from .step import Step

__all__ = ["Steps"]


class Steps(OPTemplate):
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
        seen = set(self._names)
        for item in group:
            if not isinstance(item, Step):
                raise InvalidWorkflowError(
                    f"Steps {self.name!r}: can only add Step objects, got {type(item).__name__}"
                )
            if item.name in seen:
                raise InvalidWorkflowError(
                    f"Steps {self.name!r}: two steps are named {item.name!r}"
                )
            seen.add(item.name)
        for item in group:
            self._names[item.name] = item
        self.steps.append(group)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.steps)
