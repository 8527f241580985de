"""Real components for executor tests: an sshd and a Slurm cluster (munged, slurmctld, slurmd)
on this machine, and a directory standing for a step's container."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from executor_helpers import Container, SSHServer
from servers import running_slurm, running_sshd


@pytest.fixture(scope="session")
def sshd() -> Iterator[SSHServer]:
    with running_sshd() as server:
        yield server


@pytest.fixture(scope="session")
def slurm(sshd: SSHServer) -> Iterator[Path]:
    """A one-node Slurm cluster; returns its slurm.conf (the sshd sessions see it too)."""
    with running_slurm(sshd) as conf:
        yield conf


@pytest.fixture
def container(tmp_path: Path) -> Container:
    root = tmp_path / "container tmp"
    root.mkdir()
    return Container(root)


@pytest.fixture
def remote_dir() -> Iterator[Path]:
    """A remote work dir outside /tmp (the container's /tmp is mapped)."""
    base = Path(tempfile.mkdtemp(prefix="dflow-remote-", dir="/var/tmp"))
    try:
        yield base / "work"
    finally:
        shutil.rmtree(base, ignore_errors=True)
