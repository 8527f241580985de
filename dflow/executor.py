"""The executor extension point: rewrite a step's template so it runs somewhere else."""

from __future__ import annotations

from .op_template import OPTemplate

__all__ = ["Executor"]


class Executor:
    """Base of executors. ``render(template)`` returns the template to run in its place.

    It must not change the template it is given: return a copy (``template.replace(...)``) under a
    new name, so that steps without this executor keep the original.
    """

    def render(self, template: OPTemplate) -> OPTemplate:
        return template
