"""The container paths a remote run must carry: inputs up, outputs back, and ``/tmp`` remapped.

A step's files live under the container's ``/tmp`` (``/tmp/inputs/...``, ``/tmp/outputs/...``).
On the remote host they live under ``<workdir>/tmp``; the script's ``/tmp`` is rewritten to a token
that the remote runner replaces by that absolute directory once it knows it.
"""

from __future__ import annotations

import hashlib
import re
from typing import List, Tuple

from ..errors import InvalidWorkflowError
from ..io import own_entries
from ..op_template import ScriptOPTemplate

__all__ = ["TMP", "tmp_token", "rewrite_tmp", "transfer_paths", "relative_to_tmp"]

TMP = "/tmp"
# "/tmp" as a path: not inside a longer name, followed by "/" or the end of the word
_TMP_WORD = re.compile(r"(?<![\w./-])/tmp(?=/|(?![\w.-]))")


def tmp_token(template: ScriptOPTemplate) -> str:
    """A word standing for the remote ``/tmp``, unlikely to appear in any script."""
    digest = hashlib.sha1(template.script.encode()).hexdigest()[:10]
    return f"DFLOW_REMOTE_TMP_{digest}"


def rewrite_tmp(text: str, token: str) -> str:
    """``text`` with every ``/tmp`` path prefix replaced by ``token``."""
    return _TMP_WORD.sub(token, text)


def relative_to_tmp(path: str, what: str) -> str:
    """``/tmp/a/b`` -> ``a/b``; any other path is an error naming ``what``."""
    norm = re.sub(r"/+", "/", path).rstrip("/")
    if norm == TMP or not norm.startswith(TMP + "/"):
        raise InvalidWorkflowError(
            f"{what}: path {path!r} is not under /tmp; remote executors carry only files "
            "under the container's /tmp"
        )
    rel = norm[len(TMP) + 1 :]
    if any(part in ("..", ".") for part in rel.split("/")):
        raise InvalidWorkflowError(f"{what}: path {path!r} must not contain '.' or '..'")
    return rel


def transfer_paths(template: ScriptOPTemplate, owner: str) -> Tuple[List[str], List[str]]:
    """The paths (relative to /tmp) to upload before and to bring back after the run."""
    ups = ["inputs"]
    for name, art in own_entries(template.inputs.artifacts).items():
        if art.path is None:
            raise InvalidWorkflowError(f"{owner}: input artifact {name!r} has no path")
        rel = relative_to_tmp(art.path, f"{owner}: input artifact {name!r}")
        if rel not in ups and not rel.startswith("inputs/"):
            ups.append(rel)
    downs = ["outputs"]
    found: List[Tuple[str, str]] = []
    for name, param in own_entries(template.outputs.parameters).items():
        if param.value_from_path is not None:
            found.append((param.value_from_path, f"output parameter {name!r}"))
    for name, art in own_entries(template.outputs.artifacts).items():
        if art.path is not None:
            found.append((art.path, f"output artifact {name!r}"))
    for path, what in found:
        rel = relative_to_tmp(path, f"{owner}: {what}")
        if rel not in downs and not rel.startswith("outputs/"):
            downs.append(rel)
    return ups, downs
