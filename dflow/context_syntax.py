"""The ``with`` syntax: steps and tasks built inside ``with Workflow/Steps/DAG(...)`` join it.

The innermost open block gets each Step or Task built while it is open (in the order they are
built). A step that is later added explicitly elsewhere, or within a parallel group, moves there;
adding it alone to the block it already joined is a no-op; so mixing ``with`` and ``add`` never
runs a step twice. Open blocks are per thread.
"""

from __future__ import annotations

import threading
from typing import Any, List, Optional

__all__ = ["open_block", "close_block", "join_open_block", "claim"]

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
