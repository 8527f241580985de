"""Walking a workflow's graph: the templates and steps reachable from its entry template."""

from __future__ import annotations

from typing import Any, Iterator, List

__all__ = ["reachable_templates", "steps_of"]


def _inner_steps(template: Any) -> List[Any]:
    """The steps of a Steps (every group) or the tasks of a DAG, with their lifecycle hooks;
    none for a leaf template."""
    steps = [s for group in getattr(template, "steps", []) for s in group] + list(
        getattr(template, "tasks", [])
    )
    return steps + [hook for s in steps for hook in s.hooks().values()]


def reachable_templates(entry: Any) -> List[Any]:
    """Every template reachable from ``entry`` (itself included), each once."""
    seen: dict = {}
    pending = [entry]
    while pending:
        template = pending.pop()
        if id(template) not in seen:
            seen[id(template)] = template
            pending.extend(step.template for step in _inner_steps(template))
    return list(seen.values())


def steps_of(entry: Any) -> Iterator[Any]:
    """Every step and task reachable from ``entry``, each template visited once."""
    for template in reachable_templates(entry):
        yield from _inner_steps(template)
