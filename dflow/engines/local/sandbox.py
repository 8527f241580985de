"""Path mapping: the container paths of a step (its ``/tmp``) live in the step's own directory.

As in the original's debug mode, the template's own text (script, command, arguments, environment
values) has ``/tmp`` replaced by the step's directory *before* parameters are substituted: the
paths dflow uses in the container (inputs, outputs, the script, a template's declared paths) are
private to the step, while every host file, ``/tmp`` included, stays visible under its own name
(an interpreter or virtual environment under ``/tmp``, a path given as a parameter, a module
imported at run time). ``namespace`` also runs each step in a private mount namespace (mounts it
makes stay its own) under a keeper (see ``keeper``), so that every process it starts (``setsid``
or not) ends with it, while it sees the host's processes under their own ids as a plain process
does; ``rewrite`` runs it as a plain process group (a child that leaves the group can outlive the
step); ``auto`` picks ``namespace`` for root. Either way the step's first process is killed when
the engine that started it dies.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import sys
from pathlib import Path
from typing import List, Tuple

from ...errors import DflowError

__all__ = ["Sandbox", "probe_namespace", "CONTAINER_TMP"]

CONTAINER_TMP = "/tmp"
_TMP = re.compile(r"(?<![\w./-])/tmp(?=/|\b|$)")


@functools.cache
def _die_with_engine() -> Tuple[str, ...]:
    """The prefix that has the step killed when the engine thread that started it ends."""
    setpriv = shutil.which("setpriv")
    return (setpriv, "--pdeathsig", "KILL") if setpriv else ()


def probe_namespace() -> bool:
    """Whether steps can run in a private mount namespace without changing their user id."""
    return sys.platform.startswith("linux") and os.geteuid() == 0


class Sandbox:
    """Maps container paths of one step into its directory and wraps its command."""

    def __init__(self, mode: str = "auto") -> None:
        if mode not in ("auto", "namespace", "rewrite"):
            raise DflowError(f"debug isolation {mode!r}: choose auto, namespace or rewrite")
        if mode == "auto":
            mode = "namespace" if probe_namespace() else "rewrite"
        elif mode == "namespace" and not probe_namespace():
            raise DflowError("debug isolation 'namespace' needs root on Linux")
        self.mode = mode

    def host_path(self, step_dir: Path, path: str, what: str) -> Path:
        """Where the container path ``path`` of a step lives on the host."""
        if path == CONTAINER_TMP or path.startswith(CONTAINER_TMP + "/"):
            return step_dir / "tmp" / path[len(CONTAINER_TMP) :].lstrip("/")
        if not os.path.isabs(path):
            return step_dir / "tmp" / ".argo" / "work" / path
        raise DflowError(
            f"{what}: path {path!r} is outside /tmp; the local engine maps only /tmp "
            "(and relative paths) into the step's directory"
        )

    def text(self, step_dir: Path, text: str) -> str:
        """Template text (before substitution) as the step process sees it."""
        return _TMP.sub(str(step_dir / "tmp"), text)

    def visible_path(self, step_dir: Path, path: str) -> str:
        """How the step process names a file it should find at container ``path``."""
        return _TMP.sub(str(step_dir / "tmp"), path)

    def wrap(self, step_dir: Path, argv: List[str]) -> List[str]:
        """The command that runs ``argv`` as a plain step process (``namespace`` steps are
        forked by the zygote under a keeper instead)."""
        return [*_die_with_engine(), *argv]
