"""The workflow context extension point: ``Workflow(context=...)`` rewrites every template."""

from __future__ import annotations

from typing import Any

__all__ = ["Context"]


class Context:
    """Base of contexts. ``render(template)`` returns the template to submit in its place, for
    every template of a workflow (e.g. to add a label, a sidecar or a node selector to all).

    Like an executor it must not change the template it is given: return a copy. A context with
    ``renders_workflow = True`` is also given (a copy of) the workflow itself, whose annotations
    and labels it may set, as the original's cloud contexts do.
    """

    renders_workflow: bool = False

    def render(self, template: Any) -> Any:
        return template
