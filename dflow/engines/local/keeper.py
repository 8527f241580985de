"""The keeper: a step's first process as root, which outlives nothing the step started.

The keeper is a child subreaper (``PR_SET_CHILD_SUBREAPER``): a process the step leaves behind
(``setsid``, ``nohup``, a daemon's double fork) becomes the keeper's child instead of init's, so
every process the step started stays below the keeper, under the host's own process ids (``ps``,
``kill -0`` and ``/proc`` in the step name them as on the host). When the step's main process ends
the keeper kills what is left; ``SIGTERM`` (sent to the step's process group on timeout and
terminate) is passed on to the step's processes outside that group and followed by ``SIGKILL``
after ``GRACE``; ``SIGHUP``, also sent when the keeper's parent dies, kills them at once. When
cgroup v2 is writable the keeper and its step also live in a cgroup of their own: should the
keeper be killed (``kill -9``) before it ends its step, the zygote ends the step's processes
with ``cgroup.kill``.
"""

from __future__ import annotations

import errno
import functools
import os
import signal
import sys
import time
from typing import Any, Callable, Dict, List, NoReturn, Optional

__all__ = [
    "Keeper",
    "fork_step",
    "spawn_step",
    "end_cgroup",
    "own_cgroup",
    "GRACE",
    "descendants",
    "private_mounts",
]

GRACE = 2.0  # seconds between SIGTERM and SIGKILL
_CLONE_NEWNS = 0x00020000
_MS_REC, _MS_PRIVATE = 16384, 262144
_PR_SET_PDEATHSIG, _PR_SET_NAME, _PR_SET_CHILD_SUBREAPER = 1, 15, 36
_libc: Any = None


def libc() -> Any:
    """The C library, loaded once (``ctypes`` is imported on first use)."""
    global _libc
    if _libc is None:
        import ctypes

        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _check(result: int, call: str) -> None:
    if result != 0:
        import ctypes

        raise OSError(ctypes.get_errno(), call)


def private_mounts() -> None:
    """Enter a private mount namespace: mounts the step makes stay its own."""
    _check(libc().unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _check(
        libc().mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "mount --make-rprivate /"
    )


def die_with(parent: int, signum: int) -> bool:
    """Get ``signum`` as soon as ``parent``, this process's parent, ends; False if it has."""
    _check(libc().prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")
    return os.getppid() == parent


def descendants(root: int) -> List[int]:
    """The processes below ``root``, found by their parent ids in ``/proc``."""
    children: Dict[int, List[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(name))
    found: List[int] = []
    todo = [root]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _signal_all(pids: List[int], signum: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, signum)
        except OSError:
            pass


class _Cgroup:
    """The cgroup v2 of one keeper, ``dflow-step-<pid>`` beside the zygote's (path None when
    this process may not make one)."""

    def __init__(self, pid: int) -> None:
        base = own_cgroup()
        self.path: Optional[str] = None if base is None else os.path.join(base, f"dflow-step-{pid}")

    def make_and_enter(self) -> None:
        """Make the cgroup and move this process into it (the step's processes are born in it).

        Moving a process waits for the kernel (an RCU grace period, milliseconds): a spare keeper
        does it before its step is asked for."""
        if self.path is None:
            return
        try:
            os.mkdir(self.path)
            if not os.path.exists(os.path.join(self.path, "cgroup.kill")):  # before Linux 5.14
                raise OSError("cgroup.kill")
            self._write("cgroup.procs", "0")
        except OSError:
            self._rmdir()
            self.path = None

    def leave(self) -> None:
        """Move this process back beside its parent and remove the cgroup (the parent is gone
        and cannot remove it)."""
        base = own_cgroup()
        if self.path is not None and base is not None:
            try:
                with open(os.path.join(base, "cgroup.procs"), "w") as fh:
                    fh.write("0")
            except OSError:
                return
            self._rmdir()

    def end(self) -> None:
        """Kill whatever is in the cgroup, then remove it (in the keeper's parent)."""
        if self.path is not None and os.path.isdir(self.path):
            self._write("cgroup.kill", "1")
            self._rmdir()

    def _write(self, name: str, value: str) -> None:
        assert self.path is not None
        with open(os.path.join(self.path, name), "w") as fh:
            fh.write(value)

    def _rmdir(self) -> None:
        for _ in range(100 if self.path is not None else 0):
            try:
                os.rmdir(self.path)  # type: ignore[arg-type]
                return
            except OSError as exc:  # busy for a moment while the last of its processes exit
                if exc.errno != errno.EBUSY:
                    return
                time.sleep(0.005)


@functools.cache
def own_cgroup() -> Optional[str]:
    """The directory of this process's cgroup v2, if the unified hierarchy is mounted writable."""
    try:
        with open("/proc/self/cgroup") as fh:
            rel = next((line[3:].strip() for line in fh if line.startswith("0::")), None)
        with open("/proc/self/mountinfo") as fh:
            mounts = [line.split() for line in fh]
    except OSError:
        return None
    if rel is None:
        return None
    for fields in mounts:
        sep = fields.index("-")
        if fields[sep + 1] == "cgroup2" and "rw" in fields[5].split(","):
            path = os.path.join(fields[4], rel.lstrip("/"))
            return path if os.access(path, os.W_OK) else None
    return None


def end_cgroup(keeper: int) -> None:
    """In the zygote, once ``keeper`` has exited: kill what is left in its cgroup (there is
    something only if the keeper was killed before it could end its step) and remove it."""
    _Cgroup(keeper).end()


class Keeper:
    """The keeper of one step, in a child forked by the zygote (``parent``)."""

    def __init__(self, parent: int) -> None:
        self.parent = parent
        self.pid = os.getpid()
        self.cgroup = _Cgroup(self.pid)
        self.group = 0
        self.main = 0
        self.code: Optional[int] = None

    def prepare(self) -> None:
        """What may be done before the step is known (by a spare keeper): its cgroup."""
        self.cgroup.make_and_enter()

    def keep(self, isolate_mounts: bool, start: Callable[[], int]) -> NoReturn:
        """Keep the step that ``start()`` starts (``fork_step`` or ``spawn_step``; it returns the
        pid of the step's main process); never returns.

        Exits with the step's exit code, or ``128 + signal`` when a signal ended it, as a shell
        does.
        """
        code = 1
        try:
            os.setsid()
            self.group = os.getpgid(0)
            for signum in _HANDLED:
                signal.signal(signum, self.on_signal)
            if not die_with(self.parent, signal.SIGHUP):
                code = 128 + signal.SIGHUP
            else:
                _check(libc().prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl(SUBREAPER)")
                libc().prctl(_PR_SET_NAME, b"dflow-keeper", 0, 0, 0)  # how ps -o comm names it
                if isolate_mounts:
                    private_mounts()
                code = self.run(start)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - the step's log says why it could not start
            import traceback

            traceback.print_exc()
        finally:
            try:
                sys.stderr.flush()
                if os.getppid() != self.parent:
                    self.cgroup.leave()
            finally:
                os._exit(code & 0xFF)

    def on_signal(self, signum: int, _frame: Any) -> None:
        if os.getpid() != self.pid:  # the step, before it set its own handlers
            os._exit(128 + signum)
        if signum == signal.SIGTERM:
            outside = []
            for pid in descendants(self.pid):
                try:
                    if os.getpgid(pid) != self.group:
                        outside.append(pid)
                except OSError:
                    pass
            _signal_all(outside, signal.SIGTERM)
            signal.setitimer(signal.ITIMER_REAL, GRACE)
        else:  # SIGHUP or SIGINT, or the grace after SIGTERM is over
            self.end_all()

    def reap(self, flags: int) -> bool:
        """Wait for a child (raises ``ChildProcessError`` when none is left); True if one ended."""
        pid, status = os.waitpid(-1, flags)
        if pid == self.main and pid > 0:
            code = os.waitstatus_to_exitcode(status)
            self.code = 128 - code if code < 0 else code
        return pid > 0

    def run(self, start: Callable[[], int]) -> int:
        """Start the step's main process, wait for it, then end what it left behind."""
        self.main = start()
        try:
            while self.code is None:
                self.reap(0)
        except ChildProcessError:  # a signal's handler ended and reaped them all
            pass
        self.end_all()
        return 137 if self.code is None else self.code

    def end_all(self) -> None:
        """Kill every process below the keeper and reap them all."""
        try:
            while True:
                while self.reap(os.WNOHANG):
                    pass
                _signal_all(descendants(self.pid), signal.SIGKILL)
                self.reap(0)
        except ChildProcessError:
            pass


_HANDLED = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGALRM)


def fork_step(step: Callable[[], NoReturn]) -> int:
    """Start the step's main process as a fork of the keeper running ``step()``."""
    pid = os.fork()
    if pid == 0:
        for signum in _HANDLED:
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        step()
    return pid


def spawn_step(argv: List[str], cwd: str, env: Dict[str, str]) -> int:
    """Start the step's main process as the command ``argv`` (``posix_spawn``: no copy of the
    keeper's memory); a command that cannot run ends the step as a shell would (126, 127)."""
    try:
        os.chdir(cwd)
        # the signals this process handles or Python ignores are the command's to have
        restore = {*_HANDLED, signal.SIGPIPE, signal.SIGXFSZ}
        return os.posix_spawn(argv[0], argv, env, setsigdef=restore)
    except OSError as exc:
        print(f"{argv[0]}: {exc.strerror}", file=sys.stderr)
        raise SystemExit(127 if isinstance(exc, FileNotFoundError) else 126) from None
