"""The executor extension point: rewrite a step's template so it runs somewhere else."""

from __future__ import annotations

from .lazy import lazy_attributes
from .op_template import OPTemplate

__all__ = ["Executor"]


class Executor:
    """Base of executors. ``render(template)`` returns the template to run in its place.

    It must not change the template it is given: return a copy (``template.replace(...)``) under a
    new name, so that steps without this executor keep the original.
    """

    def render(self, template: OPTemplate) -> OPTemplate:
        return template


# dflow 1.x names of this module, defined in ``dflow.executors`` and imported on first use
__getattr__ = lazy_attributes(
    __name__,
    {
        "ContainerExecutor": "dflow.executors.container",
        "RemoteExecutor": "dflow.executors.remote",
    },
    globals(),
)
