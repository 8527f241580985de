"""Whether a workflow's runner lives: it holds an exclusive lock on a file for its whole life.

The kernel drops the lock when the last holder ends, however it ends (``kill -9`` included), so
a reader that can take the lock knows that no process runs the workflow. The submitting process
takes the lock when it creates the workflow and hands the locked descriptor to a detached runner,
so there is no moment between creation and run in which a dead submitter goes unnoticed.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import Optional

__all__ = ["RunnerLock", "is_held"]


class RunnerLock:
    """An exclusive lock on a workflow's lock file, held until ``release``."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    @classmethod
    def claim(cls, path: Path, wait: float = 1.0) -> Optional[RunnerLock]:
        """Take the lock, trying for ``wait`` seconds; None when another process holds it."""
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return cls(fd)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return None
                time.sleep(0.02)

    @classmethod
    def adopt(cls, fd: int) -> RunnerLock:
        """The lock whose locked descriptor ``fd`` this process inherited."""
        os.set_inheritable(fd, False)
        return cls(fd)

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def is_held(path: Path) -> bool:
    """True while some process holds the lock at ``path`` (False if there is no such file)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing also drops a lock this probe took
    return False
