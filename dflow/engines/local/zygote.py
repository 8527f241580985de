"""A fork server for Python script steps: the interpreter and dflow's runtime are loaded once.

Starting ``python3`` and importing the OP runtime costs a few hundred milliseconds per step; the
zygote pays it once, then forks a child per step that sets up the step exactly as a fresh
process would get it (new session, a private mount namespace when asked, working
directory, environment, ``sys.path``, output files) and runs the script as ``__main__``.
Requests and answers are JSON lines on the zygote's stdin and stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

__all__ = ["Zygote"]

_PRELOAD = (
    "dflow.python.runtime",
    "dflow.python",
    "dflow.python.template",
    "dflow.python.slices",
    # an OP defined in a user's script ships with the lines above it, which usually import
    # dflow's DSL (Step, Workflow, ...): loaded once here, not once per step
    "dflow.step",
    "dflow.steps",
    "dflow.dag",
    "dflow.task",
    "dflow.workflow",
    "jsonpickle",
    "typeguard",
)
_CLONE_NEWNS, _CLONE_NEWPID = 0x00020000, 0x20000000
_MS_REC, _MS_PRIVATE = 16384, 262144
_PR_SET_PDEATHSIG = 1
_libc: Any = None


def _load_libc() -> Any:
    global _libc
    if _libc is None:
        import ctypes

        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _fail(call: str) -> None:
    import ctypes

    raise OSError(ctypes.get_errno(), call)


def _private_mounts() -> None:
    """Enter a private mount namespace: mounts the step makes stay its own."""
    libc = _load_libc()
    if libc.unshare(_CLONE_NEWNS) != 0:
        _fail("unshare(CLONE_NEWNS)")
    if libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        _fail("mount --make-rprivate /")


def _die_with(parent: Optional[int]) -> None:
    """Be killed (SIGKILL) as soon as ``parent``, this process's parent, ends.

    ``None`` for the first process of a PID namespace, whose parent is outside it (``getppid``
    answers 0 there).
    """
    if _load_libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        _fail("prctl(PR_SET_PDEATHSIG)")
    if parent is not None and os.getppid() != parent:  # it ended before this took effect
        os._exit(137)


def _exit_on_signal(signum: int, _frame: Any) -> None:
    os._exit(128 + signum)


class _PidNamespaces:
    """Forks children each as the first process of a new PID namespace (root only).

    ``unshare(CLONE_NEWPID)`` puts the zygote's next child in a new namespace; ``setns`` back to
    its own one right after, so that the next request can get a fresh namespace again.
    """

    def __init__(self) -> None:
        try:
            self.own: Optional[int] = os.open("/proc/self/ns/pid", os.O_RDONLY)
        except OSError:
            self.own = None

    def fork(self, isolated: bool) -> Tuple[int, bool]:
        """``os.fork()``, in a new PID namespace when ``isolated`` and allowed; (pid, isolated)."""
        libc = _load_libc()
        if not isolated or self.own is None or libc.unshare(_CLONE_NEWPID) != 0:
            return os.fork(), False
        pid = -1
        try:
            pid = os.fork()
            return pid, True
        finally:
            if pid != 0 and libc.setns(self.own, _CLONE_NEWPID) != 0:
                self.own = None  # cannot go back: later children share this process's namespace


def _child(req: Dict[str, Any], base_path: List[str], zygote: int, pid1: bool) -> None:
    """In the forked child: become the step process and run its script; never returns.

    The child dies with the zygote. As ``pid1``, the first process of its own PID namespace,
    every process it starts, ``setsid`` or not, ends when it ends.
    """
    code = 1
    try:
        os.setsid()
        _die_with(None if pid1 else zygote)
        if pid1:  # the first process of a PID namespace ignores signals it has no handler for
            signal.signal(signal.SIGTERM, _exit_on_signal)
            signal.signal(signal.SIGHUP, _exit_on_signal)
        os.close(_channel)
        fd = os.open(os.devnull, os.O_RDONLY)
        os.dup2(fd, 0)
        out = os.open(req["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open(req["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, 1)
        os.dup2(err, 2)
        if req.get("private_mounts"):
            _private_mounts()
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        script = req["argv"][0]
        extra = [p for p in req["env"].get("PYTHONPATH", "").split(os.pathsep) if p]
        sys.path[:] = [os.path.dirname(os.path.abspath(script))] + extra + base_path
        sys.argv = list(req["argv"])
        import runpy

        try:
            runpy.run_path(script, run_name="__main__")
            code = 0
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                print(exc.code, file=sys.stderr)
                code = 1
    except BaseException:  # noqa: BLE001 - report like an uncaught exception in python3
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code & 0xFF)


PRELOAD_ENV = "DFLOW_ZYGOTE_PRELOAD"
_channel = 1


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    """Send what preloaded modules print to /dev/null; stdout stays there after (a module's
    thread may print later), stderr comes back for the zygote's own errors."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved_err = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved_err, 2)
        os.close(saved_err)


def serve() -> None:
    """The zygote's loop: fork on each request, report each child's pid and exit code."""
    global _channel
    _channel = os.dup(1)  # the answers' own descriptor: nothing a module prints can reach it
    statements = [f"import {name}" for name in _PRELOAD]
    statements += [s for s in os.environ.pop(PRELOAD_ENV, "").split("\n") if _IMPORT.match(s)]
    with _silenced():
        for statement in statements:
            try:  # only import statements, as the steps' own scripts will run them
                exec(statement, {})
            except BaseException:  # noqa: BLE001 - preloading is an optimization only: a module
                pass  # that fails here fails again, and is reported, in the step that imports it
    base_path = [p for p in sys.path[1:]]
    _load_libc()
    zygote = os.getpid()
    namespaces = _PidNamespaces()
    children: Dict[int, str] = {}
    stdin = sys.stdin.buffer
    buffer = b""
    out = os.fdopen(_channel, "w")

    def answer(obj: Dict[str, Any]) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    try:
        while True:
            ready, _, _ = select.select([stdin], [], [], 0.002 if children else 0.2)
            if ready:
                chunk = os.read(stdin.fileno(), 1 << 16)
                if not chunk:
                    break  # the engine is gone
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    req = json.loads(line)
                    pid, pid1 = namespaces.fork(bool(req.get("private_mounts")))
                    if pid == 0:
                        _child(req, base_path, zygote, pid1)
                    children[pid] = req["id"]
                    answer({"id": req["id"], "pid": pid})
            while children:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                rid = children.pop(pid, None)
                if rid is not None:
                    answer({"id": rid, "exit": os.waitstatus_to_exitcode(status)})
    finally:  # steps never outlive the engine that asked for them
        for pid in children:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass


_IMPORT = re.compile(r"^(?:from ([A-Za-z_][\w.]*) import [\w, ]+|import ([A-Za-z_][\w.]*))\s*$")


def op_imports(templates: Iterable[Dict[str, Any]]) -> List[str]:
    """The top-level import statements of a manifest's Python OP scripts, to run once in the
    zygote: an OP module that imports numpy then costs every step a fork, not the import (and
    ``from dflow import Step`` loads its lazy names once)."""
    statements: Dict[str, None] = {}
    for template in templates:
        source = (template.get("script") or {}).get("source", "")
        if "dflow.python.runtime" not in source:
            continue
        for line in source.splitlines():
            if _IMPORT.match(line):
                statements[line.strip()] = None
    return list(statements)


class Zygote:
    """The engine's handle on one zygote process."""

    def __init__(self, env: Dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dflow.engines.local.zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        self._lock = threading.Lock()
        self._waiting: Dict[str, Dict[str, Any]] = {}
        self._cond = threading.Condition()
        self._count = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:  # not an answer: pass it on rather than lose the zygote
                sys.stderr.write(line.decode(errors="replace"))
                continue
            with self._cond:
                self._waiting.setdefault(msg["id"], {}).update(msg)
                self._cond.notify_all()
        with self._cond:
            self._waiting["__dead__"] = {}
            self._cond.notify_all()

    def start(
        self,
        argv: List[str],
        cwd: str,
        env: Dict[str, str],
        stdout: str,
        stderr: str,
        private_mounts: bool,
    ) -> str:
        """Ask for a step process; returns the request id (``pid``/``exit`` come later)."""
        with self._lock:
            self._count += 1
            rid = str(self._count)
            req = {
                "id": rid,
                "argv": argv,
                "cwd": cwd,
                "env": env,
                "stdout": stdout,
                "stderr": stderr,
                "private_mounts": private_mounts,
            }
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(req) + "\n").encode())
            self.proc.stdin.flush()
        return rid

    def wait_for(self, rid: str, field: str, timeout: Optional[float]) -> Optional[int]:
        with self._cond:
            ok = self._cond.wait_for(
                lambda: field in self._waiting.get(rid, {}) or "__dead__" in self._waiting, timeout
            )
            if not ok:
                return None
            if field not in self._waiting.get(rid, {}):
                raise OSError("the zygote process ended")
            value = self._waiting[rid][field]
            if field == "exit":
                del self._waiting[rid]
            return int(value)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


if __name__ == "__main__":
    serve()
