"""The ``with`` syntax: steps and tasks built inside ``with Workflow/Steps/DAG(...)`` join it.

The innermost open block gets each Step or Task built while it is open (in the order they are
built). A step that is later added explicitly elsewhere, or within a parallel group, moves there;
adding it alone to the block it already joined is a no-op; so mixing ``with`` and ``add`` never
runs a step twice. Open blocks are per thread. ``Range_Context`` is dflow 1.x's record of a
range block (its open flag and parameter name).
"""

from __future__ import annotations

import threading
import warnings
from typing import Any, List, Optional

__all__ = [
    "open_block",
    "close_block",
    "join_open_block",
    "claim",
    "innermost_block",
    "Range_Context",
]

_state = threading.local()


def _stack() -> List[Any]:
    if not hasattr(_state, "stack"):
        _state.stack = []
    return _state.stack  # type: ignore[no-any-return]


def open_block(container: Any) -> None:
    """Start collecting the steps built from now on into ``container`` (a Steps or a DAG)."""
    _stack().append(container)


def close_block(container: Any) -> None:
    """Stop collecting into ``container`` (the innermost open block)."""
    stack = _stack()
    if not stack or stack[-1] is not container:
        raise RuntimeError("'with' blocks of dflow templates must close in the order they opened")
    stack.pop()


def innermost_block() -> Optional[Any]:
    """The Steps or DAG of the innermost open ``with`` block, None outside any."""
    stack = _stack()
    return stack[-1] if stack else None


def join_open_block(step: Any) -> None:
    """Add a just-built step to the innermost open block, if any."""
    stack = _stack()
    if stack:
        container = stack[-1]
        container.add(step)
        step._joined = container


def claim(step: Any, container: Any, regroup: bool = False) -> bool:
    """Before ``container.add(step)``: False when the step already joined ``container`` (it keeps
    its place), unless ``regroup`` (it is added within a parallel group: it moves there)."""
    joined: Optional[Any] = getattr(step, "_joined", None)
    if joined is None:
        return True
    step._joined = None
    if joined is container and not regroup:
        return False
    joined.remove(step)
    return True


class Range_Context:  # noqa: N801 - the name of dflow 1.x
    """Whether code runs inside a range block, and the name of its range parameter."""

    def __init__(self) -> None:
        self.range_param_name: Optional[str] = None
        self.range_target_name: Optional[str] = None
        self.range_param_len = 0
        self.current_step: Any = None
        self._in_context = False

    @property
    def in_context(self) -> bool:
        """Whether a range block is open; setting it to False forgets the range."""
        return self._in_context

    @in_context.setter
    def in_context(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise ValueError(f"Unsupported in_context value: {value!r}, expected a bool")
        if not value:
            self.range_param_name = self.range_target_name = None
            self.range_param_len = 0
            self.current_workflow = None
        self._in_context = value

    def to_in_context(self) -> None:
        """Mark the range block open (a warning if it was open already)."""
        if self._in_context:
            warnings.warn("already in a range context", stacklevel=2)
        self._in_context = True

    def to_out_context(self) -> None:
        """Mark the range block closed (a warning if it was closed already)."""
        if not self._in_context:
            warnings.warn("not in a range context", stacklevel=2)
        self._in_context = False

    def get_current_range_param_name(self) -> str:
        """The range parameter's name; ``SyntaxError`` outside a range that has one."""
        if not self.range_param_name:
            raise SyntaxError("no range parameter is set in this range context")
        return self.range_param_name
