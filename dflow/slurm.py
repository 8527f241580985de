"""dflow 1.x's ``dflow.slurm``: Slurm executors, which live in ``dflow.executors``."""

from __future__ import annotations

from .executors.slurm import SlurmRemoteExecutor
from .executors.slurm_job import SlurmJob
from .executors.wlm import SlurmJobTemplate

__all__ = ["SlurmJob", "SlurmJobTemplate", "SlurmRemoteExecutor"]
