"""Running a step's command as a process group: timeout, termination, and a periodic tick."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Dict, List, Optional

from .keeper import GRACE

__all__ = ["Outcome", "ProcessGroups", "kill_group"]


@dataclass
class Outcome:
    """How a step process ended: its exit code, or a timeout, or a termination."""

    exit_code: Optional[int]
    timed_out: bool = False
    cancelled: bool = False


def _private(path: str) -> BinaryIO:
    """A log file for writing, readable by this user only."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")


def kill_group(pgid: int, grace: float = GRACE) -> None:
    """SIGTERM the process group, then SIGKILL it if it is still there after ``grace``."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.05)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class ProcessGroups:
    """The step processes of one workflow run; ``terminate`` ends them all."""

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self._lock = threading.Lock()
        self._groups: Dict[int, float] = {}  # process group -> its grace after SIGTERM

    def run(
        self,
        argv: List[str],
        cwd: str,
        env: Dict[str, str],
        stdout: str,
        stderr: str,
        timeout: Optional[float],
        tick: Optional[Callable[[int], None]] = None,
        tick_every: float = 1.0,
    ) -> Outcome:
        """Run ``argv`` in a new session with output to files; ``tick(pid)`` runs while it waits."""
        if self.cancelled.is_set():
            return Outcome(None, cancelled=True)
        with _private(stdout) as out, _private(stderr) as err:
            proc = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        with self._lock:
            self._groups[proc.pid] = GRACE
        if self.cancelled.is_set():  # terminate ran before the group was registered
            kill_group(proc.pid)
        if tick is not None:
            tick(proc.pid)
        deadline = None if timeout is None else time.monotonic() + timeout
        timed_out = False
        try:
            while True:
                wait = tick_every
                if deadline is not None:
                    wait = min(wait, max(deadline - time.monotonic(), 0.0))
                try:
                    proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    if deadline is not None and time.monotonic() >= deadline:
                        timed_out = True
                        kill_group(proc.pid)
                        proc.wait()
                        break
                    if tick is not None:
                        tick(proc.pid)
        finally:
            with self._lock:
                self._groups.pop(proc.pid, None)
            # a script may leave background children behind in its group: end them too
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.cancelled.is_set():
            return Outcome(proc.returncode, cancelled=True)
        return Outcome(None if timed_out else proc.returncode, timed_out=timed_out)

    def run_forked(
        self,
        zygote: Any,
        argv: List[str],
        cwd: str,
        env: Dict[str, str],
        stdout: str,
        stderr: str,
        isolate: bool,
        timeout: Optional[float],
        tick: Optional[Callable[[int], None]] = None,
        tick_every: float = 1.0,
        exec_argv: bool = False,
    ) -> Outcome:
        """Like ``run``, for a step forked from the zygote (see ``Zygote.start``)."""
        if self.cancelled.is_set():
            return Outcome(None, cancelled=True)
        rid = zygote.start(argv, cwd, env, stdout, stderr, isolate, exec_argv)
        pid = zygote.wait_for(rid, "pid", None)
        # a keeper passes SIGTERM on and kills after its own grace: give it the time to
        grace = GRACE + 1.0 if isolate else GRACE
        with self._lock:
            self._groups[pid] = grace
        if self.cancelled.is_set():  # terminate ran before the group was registered
            kill_group(pid, grace)
        deadline = None if timeout is None else time.monotonic() + timeout
        timed_out = False
        code: Optional[int] = None
        try:
            while code is None:
                wait = tick_every
                if deadline is not None:
                    wait = min(wait, max(deadline - time.monotonic(), 0.0))
                code = zygote.wait_for(rid, "exit", wait)
                if code is None and deadline is not None and time.monotonic() >= deadline:
                    timed_out = True
                    kill_group(pid, grace)
                    code = zygote.wait_for(rid, "exit", None)
                elif code is None and tick is not None:
                    tick(pid)
        finally:
            with self._lock:
                self._groups.pop(pid, None)
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.cancelled.is_set():
            return Outcome(code, cancelled=True)
        return Outcome(None if timed_out else code, timed_out=timed_out)

    def terminate(self) -> None:
        """Stop every running step process (their whole process groups)."""
        self.cancelled.set()
        with self._lock:
            groups = list(self._groups.items())
        threads = [threading.Thread(target=kill_group, args=g) for g in groups]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
