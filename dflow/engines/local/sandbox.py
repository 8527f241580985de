"""Path mapping: a step's container ``/tmp`` becomes its own directory on the host.

Two ways, chosen once per process: ``namespace`` runs the step in a private mount namespace with
its directory bind-mounted on ``/tmp`` (root, or unprivileged user namespaces), so scripts see the
very paths Argo gives them; ``rewrite`` replaces ``/tmp`` in the script text, command, arguments,
environment and template paths by the step's directory (works everywhere, but misses paths a
script builds at run time, e.g. ``"/t" + "mp"``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import List, Optional

from ...errors import DflowError

__all__ = ["Sandbox", "probe_namespace", "CONTAINER_TMP"]

CONTAINER_TMP = "/tmp"
_TMP = re.compile(r"(?<![\w./-])/tmp(?=/|\b|$)")
_BIND = 'mount --bind "$0" /tmp && cd /tmp/.argo/work && exec "$@"'
_probed: Optional[bool] = None


def _unshare_argv() -> List[str]:
    argv = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        argv.insert(1, "--map-root-user")
    return argv


def probe_namespace() -> bool:
    """Whether this machine lets us bind a directory on /tmp in a private mount namespace."""
    global _probed
    if _probed is None:
        if shutil.which("unshare") is None or shutil.which("mount") is None:
            _probed = False
        else:
            with tempfile.TemporaryDirectory() as probe:
                Path(probe, ".argo", "work").mkdir(parents=True)
                Path(probe, "seen").write_text("ok")
                argv = _unshare_argv() + ["sh", "-c", _BIND, probe, "cat", "/tmp/seen"]
                try:
                    done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
                    _probed = done.returncode == 0 and done.stdout.strip() == "ok"
                except (OSError, subprocess.SubprocessError):
                    _probed = False
    return _probed


class Sandbox:
    """Maps container paths of one step into its directory and wraps its command."""

    def __init__(self, mode: str = "auto") -> None:
        if mode not in ("auto", "namespace", "rewrite"):
            raise DflowError(f"debug isolation {mode!r}: choose auto, namespace or rewrite")
        if mode == "auto":
            mode = "namespace" if probe_namespace() else "rewrite"
        elif mode == "namespace" and not probe_namespace():
            raise DflowError("debug isolation 'namespace' is not allowed on this machine")
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
        """Script text, a command word or an environment value as the step process sees it."""
        if self.mode == "namespace":
            return text
        return _TMP.sub(str(step_dir / "tmp"), text)

    def visible_path(self, step_dir: Path, path: str) -> str:
        """How the step process names a file it should find at container ``path``."""
        if self.mode == "namespace":
            return path
        return _TMP.sub(str(step_dir / "tmp"), path)

    def wrap(self, step_dir: Path, argv: List[str]) -> List[str]:
        """The command that runs ``argv`` with the step's directory as its /tmp."""
        if self.mode == "namespace":
            return _unshare_argv() + ["sh", "-c", _BIND, str(step_dir / "tmp"), *argv]
        return argv
