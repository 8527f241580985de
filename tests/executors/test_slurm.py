"""SlurmRemoteExecutor against a real one-node Slurm cluster reached over a real sshd."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from executor_helpers import (
    Container,
    SSHServer,
    awkward_template,
    failing_template,
    sleeping_template,
)

from dflow import InvalidWorkflowError
from dflow.executors import SlurmRemoteExecutor
from dflow.secrets import Secret

KEY = Secret(name="ssh-key", key="ssh-privatekey")
HEADER = '#!/bin/sh\n#SBATCH --ntasks=1\n#SBATCH --comment="it\'s odd"\n'


def _executor(sshd: SSHServer, workdir: Path, **kw: object) -> SlurmRemoteExecutor:
    return SlurmRemoteExecutor(
        host="127.0.0.1",
        port=sshd.port,
        private_key=KEY,
        workdir=str(workdir),
        header=HEADER,
        interval=0.2,
        known_hosts=sshd.known_hosts,
        **kw,  # type: ignore[arg-type]
    )


def _squeue(slurm: Path, job: str) -> str:
    env = dict(os.environ, SLURM_CONF=str(slurm))
    done = subprocess.run(
        ["scontrol", "-o", "show", "job", job], env=env, capture_output=True, text=True
    )
    return done.stdout


def _job_id(err: str) -> str:
    for line in err.splitlines():
        if "submitted Slurm job" in line:
            return line.split("submitted Slurm job ")[1].split()[0]
    raise AssertionError(f"no job id in {err!r}")


def test_job_runs_and_outputs_and_log_come_back(
    slurm: Path, sshd: SSHServer, container: Container, remote_dir: Path
) -> None:
    container.write("/tmp/inputs/artifacts/data/a file 'one'", "A$1\n")
    rendered = _executor(sshd, remote_dir).render(awkward_template())
    assert rendered.name.startswith("awkward-slurm-")
    done = container.run(rendered.script, {"DFLOW_SSH_KEY": sshd.key})
    assert done.returncode == 0, done.stderr
    assert f"ran in {remote_dir}" in done.stdout  # the job's log is the step's log
    assert container.path("/tmp/outputs/msg").read_text().startswith('it\'s "quoted" $HOME')
    assert container.path("/tmp/outputs/dir/joined").read_text() == "A$1\n"
    job = _job_id(done.stderr)
    info = _squeue(slurm, job)
    assert "JobState=COMPLETED" in info and "NumTasks=1" in info


def test_failed_job_fails_the_step_with_its_exit_code(
    slurm: Path, sshd: SSHServer, container: Container, remote_dir: Path
) -> None:
    rendered = _executor(sshd, remote_dir).render(failing_template(3))
    done = container.run(rendered.script, {"DFLOW_SSH_KEY": sshd.key})
    assert done.returncode == 3
    assert "remote says: boom" in done.stdout + done.stderr
    assert "failed with exit code 3" in done.stderr
    assert "JobState=FAILED" in _squeue(slurm, _job_id(done.stderr))


def test_job_cancelled_outside_fails_the_step(
    slurm: Path, sshd: SSHServer, container: Container, remote_dir: Path
) -> None:
    rendered = _executor(sshd, remote_dir).render(sleeping_template(120))
    proc = container.start(rendered.script, {"DFLOW_SSH_KEY": sshd.key})
    started = remote_dir / "tmp" / "outputs" / "started"
    deadline = time.monotonic() + 60
    while not started.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the job did not start"
        time.sleep(0.05)
    env = dict(os.environ, SLURM_CONF=str(slurm))
    jobs = subprocess.run(
        ["squeue", "-h", "-o", "%i"], env=env, capture_output=True, text=True
    ).stdout.split()
    subprocess.run(["scancel", *jobs], env=env, check=True)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143  # killed by SIGTERM
    # whether the job script could record its exit code first or not, the state is named
    assert "JobState=CANCELLED" in err, err


def test_stopping_the_step_cancels_the_job(
    slurm: Path, sshd: SSHServer, container: Container, remote_dir: Path
) -> None:
    rendered = _executor(sshd, remote_dir).render(sleeping_template(120))
    proc = container.start(rendered.script, {"DFLOW_SSH_KEY": sshd.key})
    started = remote_dir / "tmp" / "outputs" / "started"
    deadline = time.monotonic() + 60
    while not started.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the job did not start"
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143
    job = _job_id(err)
    assert f"Slurm job {job} was cancelled" in err
    deadline = time.monotonic() + 30
    while "JobState=CANCELLED" not in _squeue(slurm, job):
        assert time.monotonic() < deadline, _squeue(slurm, job)
        time.sleep(0.1)


def test_sbatch_rejection_fails_with_slurm_message(
    slurm: Path, sshd: SSHServer, container: Container, remote_dir: Path
) -> None:
    executor = _executor(sshd, remote_dir)
    executor.header_lines = ["#!/bin/sh", "#SBATCH --partition=no-such-partition"]
    done = container.run(executor.render(failing_template()).script, {"DFLOW_SSH_KEY": sshd.key})
    assert done.returncode != 0
    assert "invalid partition" in done.stderr.lower()
    assert "sbatch failed on root@127.0.0.1" in done.stderr


def test_header_must_be_directives() -> None:
    with pytest.raises(InvalidWorkflowError, match=r"header line 2 \('rm -rf x'\)"):
        SlurmRemoteExecutor(host="h", header="#SBATCH -N 1\nrm -rf x")
