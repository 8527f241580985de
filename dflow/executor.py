"""The executor extension point: rewrite a step's template so it runs somewhere else."""

from __future__ import annotations

import hashlib
from typing import Any, List

from .errors import InvalidWorkflowError
from .lazy import lazy_attributes
from .names import suffixed_name
from .op_template import OPTemplate, ScriptOPTemplate

__all__ = ["Executor"]


class Executor:
    """Base of executors. ``render(template)`` returns the template to run in its place.

    It must not change the template it is given: return a copy (``template.replace(...)``) under a
    new name, so that steps without this executor keep the original.

    The simple form of dflow 1.0 works too: a subclass that sets ``image`` and/or ``command`` and
    defines ``get_script(command, script)`` (and no ``render``) runs a script template's script
    as ``get_script`` wraps it, with that image and command.
    """

    image: Any = None  # the image to run in (None: the template's)
    command: Any = None  # the command to run the script with (None: the template's)

    def render(self, template: OPTemplate) -> OPTemplate:
        wraps = type(self).get_script is not Executor.get_script
        if not wraps and self.image is None and self.command is None:
            return template
        if not isinstance(template, ScriptOPTemplate):
            raise InvalidWorkflowError(
                f"executor {type(self).__name__}: template {template.name!r} is not a script "
                "template, so get_script/image/command cannot apply to it"
            )
        script = self.get_script(list(template.command), template.script) if wraps else None
        if wraps and not isinstance(script, str):
            raise InvalidWorkflowError(
                f"executor {type(self).__name__}: get_script must return the script text, "
                f"got {type(script).__name__}"
            )
        command = self.command
        changes: dict = {
            "image": self.image if self.image is not None else template.image,
            "command": [command] if isinstance(command, str) else list(command or template.command),
            "script": script if script is not None else template.script,
        }
        digest = hashlib.sha1(repr(sorted(changes.items())).encode()).hexdigest()[:8]
        changes["name"] = suffixed_name(template.name, f"exec-{digest}")
        return template.replace(**changes)

    def get_script(self, command: List[str], script: str) -> Any:
        """The script that runs ``script`` (meant for ``command``) under this executor."""
        return script


# dflow 1.x names of this module, defined in ``dflow.executors`` and imported on first use
__getattr__ = lazy_attributes(
    __name__,
    {
        "ContainerExecutor": "dflow.executors.container",
        "RemoteExecutor": "dflow.executors.remote",
    },
    globals(),
)
