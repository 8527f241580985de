"""Small, exact shell-building helpers: quoting, here-documents and remote path expressions.

Everything generated here is POSIX ``sh``. Text from users (scripts, paths, headers) is quoted
with ``shlex.quote`` or carried in a quoted here-document, never pasted into code.
"""

from __future__ import annotations

import hashlib
import shlex
from typing import Iterable, List

__all__ = ["q", "words", "heredoc", "remote_dir", "tmp_word"]


def q(text: str) -> str:
    """``text`` as one shell word."""
    return shlex.quote(text)


def words(items: Iterable[str]) -> str:
    """Several shell words, each quoted."""
    return " ".join(q(item) for item in items)


def heredoc(target: str, body: str) -> str:
    """Shell code writing ``body`` verbatim to the file ``target`` (a shell word).

    A quoted here-document keeps ``$``, backquotes and backslashes as they are, and leaves
    ``{{...}}`` tags visible to Argo, which substitutes them in the script before it runs.
    """
    digest = hashlib.sha1(body.encode()).hexdigest()[:12]
    tag = f"DFLOW_EOF_{digest}"
    while tag in body.splitlines():  # pragma: no cover - needs a hash collision in the text
        tag += "_"
    if not body.endswith("\n"):
        body += "\n"
    return f"cat > {target} <<'{tag}'\n{body}{tag}\n"


def remote_dir(workdir: str) -> str:
    """A shell expression for ``workdir`` on the remote host; ``~/`` means its home."""
    if workdir == "~":
        return '"$HOME"'
    if workdir.startswith("~/"):
        return '"$HOME"/' + q(workdir[2:])
    return q(workdir)


def tmp_word(text: str, token: str, base: str) -> str:
    """``text`` as one shell word where each ``token`` becomes ``<base>/tmp`` (``base`` a variable).

    ``/tmp`` is spelled ``"$W/"tmp`` so that nothing that maps container paths (the local
    engine's rewriting) mistakes the remote path for the container's.
    """
    parts: List[str] = text.split(token)
    out = q(parts[0]) if parts[0] else ""
    for part in parts[1:]:
        out += f'"${{{base}}}/"tmp' + (q(part) if part else "")
    return out or "''"
