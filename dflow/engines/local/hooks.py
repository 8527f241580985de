"""Lifecycle hooks of a step (``hooks`` of an Argo step or task), run as Argo runs them: each
hook's template once its expression holds for the step's phase (Running, then its end)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, NamedTuple

from ...errors import DflowError
from .arguments import resolve_arguments
from .expressions import ExpressionError, evaluate

if TYPE_CHECKING:  # pragma: no cover
    from .scheduler import Run

__all__ = ["HookedStep", "with_hooks"]


class HookedStep(NamedTuple):
    """A step whose hooks may fire: the step, the scope it was resolved in, and its node's place
    in the tree (node name, display name, boundary, parent node, and the name errors give)."""

    run: Run
    step: Mapping[str, Any]
    scope: Dict[str, Any]
    name: str
    display: str
    boundary: str
    parent: str
    who: str

    def holds(self, hook: Mapping[str, Any], phase: str) -> bool:
        """Whether ``hook``'s expression holds with the step in ``phase``."""
        return bool(evaluate(str(hook.get("expression", "false")), self.in_phase(phase)))

    def in_phase(self, phase: str) -> Dict[str, Any]:
        """The scope with the step's status set to ``phase``, as hook expressions read it."""
        sname = self.step["name"]
        return {**self.scope, f"steps.{sname}.status": phase, f"tasks.{sname}.status": phase}


def _fire(at: HookedStep, hook_name: str, hook: Mapping[str, Any], phase: str) -> None:
    """Run one hook if its expression holds with the step in ``phase``."""
    name, display = f"{at.name}.hooks.{hook_name}", f"{at.display}.hooks.{hook_name}"
    who = f"{at.who}, {hook_name} hook"
    template = str(hook.get("template", ""))
    try:
        if not at.holds(hook, phase):
            return
        params, arts = resolve_arguments(hook, at.in_phase(phase), who)
    except (DflowError, ExpressionError) as exc:
        at.run._error_node(name, display, template, at.boundary, at.parent, str(exc))
        return
    at.run.execute(template, params, arts, name, display, at.boundary, at.parent, who)


def with_hooks(at: HookedStep, execute: Callable[[], Dict[str, Any]]) -> Dict[str, Any]:
    """``execute()`` the step, with its hooks: those that hold while it runs are started beside
    it, those that hold for its final phase run after it; each hook runs at most once."""
    hooks: Dict[str, Any] = dict(at.step.get("hooks") or {})
    if not hooks:
        return execute()
    fired: List[str] = []
    threads = []
    for hook_name, hook in hooks.items():
        try:
            running = at.holds(hook, "Running")
        except ExpressionError:
            continue  # decided (and reported) once the step has finished
        if running:
            fired.append(hook_name)
            thread = threading.Thread(
                target=_fire, args=(at, hook_name, hook, "Running"), daemon=True
            )
            thread.start()
            threads.append(thread)
    node = execute()
    for thread in threads:
        thread.join()
    for hook_name, hook in hooks.items():
        if hook_name not in fired:
            _fire(at, hook_name, hook, node["phase"])
    return node
