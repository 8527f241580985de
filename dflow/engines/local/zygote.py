"""A fork server for steps: the interpreter and dflow's runtime are loaded once.

Starting ``python3`` and importing the OP runtime costs a few hundred milliseconds per step; the
zygote pays it once, then forks a child per step that sets up the step exactly as a fresh
process would get it (new session, output files, working directory, environment, ``sys.path``)
and runs the script as ``__main__``. Isolated steps (as root) are forked under a keeper (see
``keeper``) in a private mount namespace, commands included: a shell step is then forked here
too and ``exec``s its command. Requests and answers are JSON lines on the zygote's stdin and
stdout.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Dict, Iterable, Iterator, List, NoReturn, Optional, Tuple

from .keeper import Keeper, die_with, end_cgroup, fork_step, libc, own_cgroup, spawn_step

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


def _die_with(parent: int) -> None:
    """Be killed (SIGKILL) as soon as ``parent``, this process's parent, ends."""
    if not die_with(parent, signal.SIGKILL):
        os._exit(137)


def _launch(
    req: Dict[str, Any], base_path: List[str], zygote: int, keeper: Optional[Keeper] = None
) -> NoReturn:
    """In the forked child: start the step, under a keeper when isolated; never returns."""
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        if _channel != 1:  # a spare keeper closed it already
            os.close(_channel)
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(req["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open(req["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        for fd, target in ((null, 0), (out, 1), (err, 2)):
            os.dup2(fd, target)
            os.close(fd)
        if req.get("isolate") and keeper is None:
            keeper = Keeper(zygote)
            keeper.prepare()
    except BaseException:  # noqa: BLE001 - no log to tell it in
        os._exit(1)
    if keeper is not None:
        if req.get("exec"):
            keeper.keep(True, lambda: spawn_step(req["argv"], req["cwd"], req["env"]))
        keeper.keep(True, lambda: fork_step(lambda: _step(req, base_path)))
    try:
        os.setsid()
        _die_with(zygote)
    except BaseException:  # noqa: BLE001
        os._exit(1)
    _step(req, base_path)


def _step(req: Dict[str, Any], base_path: List[str]) -> NoReturn:
    """Become the step process of a Python script: its directory and environment, then the
    script as ``__main__``."""
    code = 1
    try:
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
    _exit(code)


def _exit(code: int) -> NoReturn:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code & 0xFF)


PRELOAD_ENV = "DFLOW_ZYGOTE_PRELOAD"
SPARE_ENV = "DFLOW_ZYGOTE_SPARE"  # set: isolated steps will come, have a keeper ready


_channel = 1  # the descriptor the zygote answers on


def _preload(statements: List[str]) -> None:
    """Import what Python steps will import (only import statements, as their scripts run)."""
    with _silenced():
        for statement in statements:
            try:
                exec(statement, {})
            except BaseException:  # noqa: BLE001 - preloading is an optimization only: a module
                pass  # that fails here fails again, and is reported, in the step that imports it


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    """Send what preloaded modules print to /dev/null (stdout is there already: a module's
    thread may print later); stderr comes back for the zygote's own errors."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved_err = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved_err, 2)
        os.close(saved_err)


class _Spare:
    """A keeper forked ahead of the next isolated step, waiting for its request on a pipe: the
    fork of the zygote and the keeper's cgroup are then ready when the step is asked for."""

    def __init__(self, zygote: int) -> None:
        self.zygote = zygote
        self.pid = 0
        self.pipe = -1

    def make(self, launch: Callable[[Dict[str, Any], Keeper], NoReturn]) -> None:
        if self.pid:
            return
        gc.freeze()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(w)
            _wait_for_request(r, Keeper(self.zygote), launch)
        os.close(r)
        self.pid, self.pipe = pid, w

    def take(self, req: Dict[str, Any]) -> int:
        """Hand ``req`` to the spare keeper; its pid, or 0 when there is none (or it is gone)."""
        pid, pipe = self.pid, self.pipe
        self.pid, self.pipe = 0, -1
        if not pid:
            return 0
        try:
            os.write(pipe, (json.dumps(req) + "\n").encode())
        except OSError:
            pid = 0
        finally:
            os.close(pipe)
        return pid

    def drop(self) -> None:
        """End the spare keeper unused (it reads the end of its pipe and exits)."""
        if self.pid:
            os.close(self.pipe)
            self.pid, self.pipe = 0, -1


def _wait_for_request(
    pipe: int, keeper: Keeper, launch: Callable[[Dict[str, Any], Keeper], NoReturn]
) -> NoReturn:
    """In a spare keeper: get ready, read one request, then start it as a fresh child would."""
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        global _channel
        os.close(_channel)  # the zygote's answers are not this process's to hold open
        _channel = 1
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.close(null)
        keeper.prepare()
        data = b""
        while not data.endswith(b"\n"):
            chunk = os.read(pipe, 1 << 16)
            if not chunk:  # dropped, or the zygote is gone
                keeper.cgroup.leave()
                os._exit(0)
            data += chunk
        os.close(pipe)
        req = json.loads(data)
    except BaseException:  # noqa: BLE001 - the zygote's own error log is not this child's
        os._exit(1)
    launch(req, keeper)


def serve() -> None:
    """The zygote's loop: fork on each request, report each child's pid and exit code.

    The modules Python steps use are loaded before the first Python step is forked: a workflow
    of shell steps only never waits for them.
    """
    global _channel
    _channel = os.dup(1)  # the answers' own descriptor: nothing a module prints can reach it
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
    statements = [f"import {name}" for name in _PRELOAD]
    statements += [s for s in os.environ.pop(PRELOAD_ENV, "").split("\n") if _IMPORT.match(s)]
    base_path = [p for p in sys.path[1:]]
    libc()
    own_cgroup()  # found once, for every keeper
    zygote = os.getpid()
    # a child's end wakes the loop at once: the wakeup pipe is written on SIGCHLD
    ended, wake = os.pipe()
    os.set_blocking(wake, False)
    signal.set_wakeup_fd(wake)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: Dict[int, Tuple[str, bool]] = {}
    spare = _Spare(zygote)
    stdin = sys.stdin.buffer
    buffer = b""
    out = os.fdopen(_channel, "w")

    def answer(obj: Dict[str, Any]) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    def launch(req: Dict[str, Any], keeper: Keeper) -> NoReturn:
        _launch(req, base_path, zygote, keeper)

    if os.environ.pop(SPARE_ENV, ""):
        spare.make(launch)
    answer({"id": "ready", "pid": zygote})
    try:
        while True:
            ready, _, _ = select.select([stdin, ended], [], [], 1.0)
            if ended in ready:
                os.read(ended, 1 << 12)
            if stdin in ready:
                chunk = os.read(stdin.fileno(), 1 << 16)
                if not chunk:
                    break  # the engine is gone
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    req = json.loads(line)
                    if statements and not req.get("exec"):
                        _preload(statements)
                        statements = []
                        spare.drop()  # it lacks what was just loaded
                    isolate = bool(req.get("isolate"))
                    pid = spare.take(req) if isolate else 0
                    if not pid:
                        gc.freeze()  # forks share the objects made so far: none is copied by GC
                        pid = os.fork()
                        if pid == 0:
                            _launch(req, base_path, zygote)
                    children[pid] = (req["id"], isolate)
                    answer({"id": req["id"], "pid": pid})
                    if isolate:
                        spare.make(launch)
            while True:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                child = children.pop(pid, None)
                if child is None or child[1]:  # a keeper (or a spare one): what its cgroup
                    end_cgroup(pid)  # holds if it was killed before it could end its step
                if child is not None:
                    answer({"id": child[0], "exit": os.waitstatus_to_exitcode(status)})
    finally:  # steps never outlive the engine that asked for them (a keeper ends all on SIGHUP)
        keepers = [pid for pid, (_, kept) in children.items() if kept] + [spare.pid]
        spare.drop()
        for pid, (_, kept) in children.items():
            try:
                os.kill(pid, signal.SIGHUP) if kept else os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        _remove_cgroups([pid for pid in keepers if pid])


def _remove_cgroups(keepers: List[int], limit: float = 5.0) -> None:
    """Wait (a while) for ``keepers`` to end, and remove their cgroups."""
    deadline = time.monotonic() + limit
    left = set(keepers)
    while left and time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid in left:
            left.discard(pid)
            end_cgroup(pid)
        elif pid == 0:
            time.sleep(0.005)


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
        isolate: bool,
        exec_argv: bool = False,
    ) -> str:
        """Ask for a step process; returns the request id (``pid``/``exit`` come later).

        ``isolate``: under a keeper in a private mount namespace; ``exec_argv``: run ``argv`` as a
        command (else ``argv`` is a Python script and its arguments, run in the forked child).
        """
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
                "isolate": isolate,
                "exec": exec_argv,
            }
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(req) + "\n").encode())
            self.proc.stdin.flush()
        return rid

    def wait_ready(self, timeout: float) -> None:
        """Wait until the zygote takes requests (or ``timeout`` is over, or it ended)."""
        try:
            self.wait_for("ready", "pid", timeout)
        except OSError:
            pass  # the first step's request reports it

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
