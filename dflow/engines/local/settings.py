"""The original's ``debug_*`` settings, read once per engine and mapped onto the local engine.

- ``debug_workdir``: the engine's root; ``debug_artifact_dir``: the local artifact store.
- ``debug_workers`` (ours) or ``debug_pool_workers`` (the original's; ``-1`` for no limit): how
  many steps run at once.
- ``debug_batch_size`` / ``debug_batch_interval``: the items of a fan-out start in batches of
  that size, ``debug_batch_interval`` seconds apart.
- ``debug_failfast``: the first failure that its step does not tolerate stops the workflow's
  running steps at once (Argo's default lets them finish).
- ``debug_copy_method`` / ``debug_save_copy_method`` (``symlink``, ``link`` or ``copy``): each step
  always gets its own copy of its inputs and its outputs are stored as copies, so that no step can
  change another's files; another method is accepted and logged as mapped to ``copy``.
- ``debug_s3``: artifacts in S3 instead of the local store.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from ...errors import DflowError

__all__ = ["DebugSettings", "DEBUG_KEYS"]

# what a detached runner process needs to know of them
DEBUG_KEYS = (
    "debug_artifact_dir",
    "debug_pool_workers",
    "debug_batch_size",
    "debug_batch_interval",
    "debug_failfast",
    "debug_copy_method",
    "debug_save_copy_method",
)

_COPY_METHODS = ("symlink", "link", "copy")
_UNLIMITED = 1 << 16
log = logging.getLogger("dflow")


def _count(settings: Mapping[str, Any], key: str) -> Optional[int]:
    value = settings.get(key)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DflowError(f"config[{key!r}] must be an integer, got {value!r}") from None


@dataclass(frozen=True)
class DebugSettings:
    """What the local engine takes from ``config``."""

    workers: int
    batch_size: Optional[int]
    batch_interval: float
    failfast: bool

    @classmethod
    def from_config(cls, settings: Mapping[str, Any]) -> DebugSettings:
        workers = _count(settings, "debug_workers")
        if workers is None:
            workers = _count(settings, "debug_pool_workers")
            if workers == -1:
                workers = _UNLIMITED
        if workers is not None and workers < 1:
            raise DflowError(f"the local engine needs at least one worker, got {workers}")
        batch = _count(settings, "debug_batch_size")
        if batch is not None and batch < 1:
            raise DflowError(f"config['debug_batch_size'] must be positive, got {batch}")
        try:
            interval = float(settings.get("debug_batch_interval") or 0)
        except (TypeError, ValueError):
            raise DflowError(
                "config['debug_batch_interval'] must be a number of seconds, "
                f"got {settings.get('debug_batch_interval')!r}"
            ) from None
        for key in ("debug_copy_method", "debug_save_copy_method"):
            method = settings.get(key)
            if method is None:
                continue
            if method not in _COPY_METHODS:
                raise DflowError(f"config[{key!r}] is {method!r}: choose symlink, link or copy")
            if method != "copy":
                log.info(
                    "config[%r] = %r: the local engine copies, so that no step changes "
                    "another's files",
                    key,
                    method,
                )
        return cls(
            workers=workers or os.cpu_count() or 1,
            batch_size=batch,
            batch_interval=max(interval, 0.0),
            failfast=bool(settings.get("debug_failfast")),
        )
