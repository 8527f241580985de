"""``run_command``: run a program, collect its output, fail with the output in the error."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import threading
from typing import IO, Any, List, Optional, Tuple, Union

from .errors import DflowError

__all__ = ["CommandFailedError", "run_command"]


class CommandFailedError(DflowError, AssertionError):
    """A command exited non-zero (an ``AssertionError`` too, as dflow 1.x raised)."""

    def __init__(self, cmd: Any, returncode: int, stdout: str, stderr: str) -> None:
        self.cmd = cmd
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        super().__init__(
            f"command {cmd!r} failed with exit code {returncode}:\n{stdout}\n{stderr}".rstrip()
        )


def _pump(source: IO[str], chunks: List[str], sinks: List[IO[str]]) -> None:
    for line in iter(source.readline, ""):
        chunks.append(line)
        for sink in sinks:
            sink.write(line)
            sink.flush()
    source.close()


def run_command(
    cmd: Union[str, List[str]],
    raise_error: bool = True,
    input: Optional[str] = None,
    try_bash: bool = False,
    login: bool = True,
    interactive: bool = True,
    shell: bool = False,
    print_oe: bool = False,
    stdout: Optional[IO[str]] = None,
    stderr: Optional[IO[str]] = None,
    **kwargs: Any,
) -> Tuple[int, str, str]:
    """Run ``cmd``; return ``(returncode, stdout, stderr)``.

    Args:
        cmd: a program and its arguments; a string is split like a shell would, unless ``shell``.
        raise_error: raise ``CommandFailedError`` on a non-zero exit instead of returning.
        input: text written to the command's standard input.
        try_bash: run ``cmd`` as a shell command line (a list: its words joined by spaces) by
            ``bash`` when there is one, else by ``sh``; ``shell`` is then not needed.
        login / interactive: with ``try_bash``, start bash as a login shell (``-l``) / as an
            interactive one (``-i``, when this process has a terminal), so the user's profile
            and aliases apply.
        print_oe: also print the output and error streams as they come.
        stdout / stderr: text files that also receive the streams as they come.
        kwargs: passed on to ``subprocess.Popen`` (``cwd``, ``env``, ...).
    """
    if try_bash:
        # a command line for the shell: a list is its words joined by spaces, unquoted
        text = cmd if isinstance(cmd, str) else " ".join(str(word) for word in cmd)
        args: Union[str, List[str]] = ["sh", "-c", text]
        if shutil.which("bash"):
            flags = ["-l"] if login else []
            if interactive and sys.stdin.isatty():
                flags.append("-i")
            args = ["bash", *flags, "-c", text]
        shell = False
    elif isinstance(cmd, str) and not shell:
        args = shlex.split(cmd)
    else:
        # with ``shell``, a list goes to the shell as ``subprocess`` passes it: its first item is
        # the command line, the others the shell's positional arguments (as dflow 1.x does)
        args = cmd
    with subprocess.Popen(
        args,
        shell=shell,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    ) as proc:
        out: List[str] = []
        err: List[str] = []
        pumps = [
            threading.Thread(
                target=_pump,
                args=(
                    proc.stdout,
                    out,
                    [s for s in (stdout, sys.stdout if print_oe else None) if s],
                ),
            ),
            threading.Thread(
                target=_pump,
                args=(
                    proc.stderr,
                    err,
                    [s for s in (stderr, sys.stderr if print_oe else None) if s],
                ),
            ),
        ]
        for pump in pumps:
            pump.start()
        if input is not None:
            assert proc.stdin is not None
            proc.stdin.write(input)
            proc.stdin.close()
        for pump in pumps:
            pump.join()
        code = proc.wait()
    result = (code, "".join(out), "".join(err))
    if raise_error and code != 0:
        raise CommandFailedError(cmd, *result)
    return result
