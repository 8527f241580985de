"""Lifecycle hooks of a step (``hooks`` of an Argo step or task), run as Argo runs them: each
hook's template once its expression holds for the step's phase (Running, then its end)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping

from ...errors import DflowError
from .arguments import resolve_arguments
from .expressions import ExpressionError, evaluate

if TYPE_CHECKING:  # pragma: no cover
    from .scheduler import Run

__all__ = ["with_hooks"]


def _fire(
    run: Run,
    step: Mapping[str, Any],
    hook_name: str,
    hook: Mapping[str, Any],
    scope: Dict[str, Any],
    phase: str,
    name: str,
    display: str,
    boundary: str,
    parent: str,
    who: str,
) -> bool:
    """Run one hook if its expression holds with the step in ``phase``; whether it ran."""
    sname = step["name"]
    local = {**scope, f"steps.{sname}.status": phase, f"tasks.{sname}.status": phase}
    hwho = f"{who}, {hook_name} hook"
    node_name, node_display = f"{name}.hooks.{hook_name}", f"{display}.hooks.{hook_name}"
    template = str(hook.get("template", ""))
    try:
        if not evaluate(str(hook.get("expression", "false")), local):
            return False
        params, arts = resolve_arguments(hook, local, hwho)
    except (DflowError, ExpressionError) as exc:
        run._error_node(node_name, node_display, template, boundary, parent, str(exc))
        return True
    run.execute(template, params, arts, node_name, node_display, boundary, parent, hwho)
    return True


def with_hooks(
    run: Run,
    step: Mapping[str, Any],
    scope: Dict[str, Any],
    name: str,
    display: str,
    boundary: str,
    parent: str,
    who: str,
    execute: Callable[[], Dict[str, Any]],
) -> Dict[str, Any]:
    """``execute()`` the step, with its hooks: those that hold while it runs are started beside
    it, those that hold for its final phase run after it; each hook runs at most once."""
    hooks: Dict[str, Any] = dict(step.get("hooks") or {})
    if not hooks:
        return execute()
    fired: List[str] = []
    threads = []
    for hook_name, hook in hooks.items():
        args = (run, step, hook_name, hook, scope, "Running", name, display, boundary, parent, who)
        try:
            if evaluate(
                str(hook.get("expression", "false")),
                {
                    **scope,
                    f"steps.{step['name']}.status": "Running",
                    f"tasks.{step['name']}.status": "Running",
                },
            ):
                fired.append(hook_name)
                thread = threading.Thread(target=_fire, args=args, daemon=True)
                thread.start()
                threads.append(thread)
        except ExpressionError:
            pass  # decided (and reported) once the step has finished
    node = execute()
    for thread in threads:
        thread.join()
    for hook_name, hook in hooks.items():
        if hook_name not in fired:
            _fire(
                run,
                step,
                hook_name,
                hook,
                scope,
                node["phase"],
                name,
                display,
                boundary,
                parent,
                who,
            )
    return node
