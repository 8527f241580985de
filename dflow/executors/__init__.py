"""Executors: run a step somewhere other than its own container (SSH host, Slurm cluster)."""

from __future__ import annotations

from ..executor import Executor
from .remote import RemoteExecutor
from .slurm import SlurmRemoteExecutor
from .wlm import SlurmJobTemplate

__all__ = ["Executor", "RemoteExecutor", "SlurmRemoteExecutor", "SlurmJobTemplate"]
