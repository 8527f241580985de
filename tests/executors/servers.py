"""The servers of the executor tests as context managers: an sshd and a one-node Slurm cluster
(munged, slurmctld, slurmd) on this machine. The test fixtures and the benchmarks use them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List

from executor_helpers import SSHD, SSHServer, _stop, _wait_port, free_port


@contextmanager
def running_sshd() -> Iterator[SSHServer]:
    """An sshd on 127.0.0.1 that takes the user key of the returned handle (and SFTP)."""
    if not os.path.exists(SSHD):
        raise RuntimeError("openssh-server is not installed (apt-get install openssh-server)")
    root = Path(tempfile.mkdtemp(prefix="dflow-sshd-", dir="/var/tmp"))
    os.chmod(root, 0o700)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / "host")], check=True
    )
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / "user")], check=True
    )
    shutil.copy(root / "user.pub", root / "authorized_keys")
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation dir
    port = free_port()
    (root / "sshd_config").write_text(
        f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {root / 'host'}\n"
        f"AuthorizedKeysFile {root / 'authorized_keys'}\nPidFile {root / 'sshd.pid'}\n"
        "PermitRootLogin yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "UsePAM no\nStrictModes no\nSubsystem sftp internal-sftp\n"
        f"SetEnv SLURM_CONF={root / 'slurm' / 'slurm.conf'}\n"
    )
    log = root / "sshd.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(root / "sshd_config")],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_port(port, proc, "sshd", log)
        host_pub = (root / "host.pub").read_text().split()
        known = f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}"
        yield SSHServer(root, port, (root / "user").read_text(), known)
    finally:
        _stop(proc)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def running_slurm(sshd: SSHServer) -> Iterator[Path]:
    """A one-node Slurm cluster; returns its slurm.conf (the sshd sessions see it too)."""
    for binary in ("munged", "slurmctld", "slurmd", "sbatch"):
        if shutil.which(binary) is None and not os.path.exists(f"/usr/sbin/{binary}"):
            raise RuntimeError(f"{binary} is missing: apt-get install slurm-wlm")
    base = sshd.slurm_conf.parent
    for sub in ("state", "spool", "log"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    key = base / "munge.key"
    key.write_bytes(os.urandom(1024))
    os.chmod(key, 0o600)
    host = socket.gethostname().split(".")[0]
    ctld, slurmd_port = free_port(), free_port()
    sshd.slurm_conf.write_text(
        f"ClusterName=dflowtest\nSlurmctldHost={host}(127.0.0.1)\nSlurmUser=root\n"
        f"SlurmdUser=root\nSlurmctldPort={ctld}\nSlurmdPort={slurmd_port}\n"
        f"AuthType=auth/munge\nAuthInfo=socket={base / 'munge.sock'}\nCredType=cred/munge\n"
        f"StateSaveLocation={base / 'state'}\nSlurmdSpoolDir={base / 'spool'}\n"
        f"SlurmctldPidFile={base / 'slurmctld.pid'}\nSlurmdPidFile={base / 'slurmd.pid'}\n"
        f"SlurmctldLogFile={base / 'log' / 'slurmctld.log'}\n"
        f"SlurmdLogFile={base / 'log' / 'slurmd.log'}\n"
        "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nSchedulerType=sched/builtin\n"
        "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\nReturnToService=2\n"
        "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n"
        "JobCompType=jobcomp/none\nMpiDefault=none\nSwitchType=switch/none\nMinJobAge=600\n"
        f"NodeName={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count() or 1} State=UNKNOWN\n"
        "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n"
    )
    env = dict(os.environ, SLURM_CONF=str(sshd.slurm_conf))
    procs: List[subprocess.Popen] = []
    munge_log = base / "munged.out"
    try:
        with open(munge_log, "w") as out:
            procs.append(
                subprocess.Popen(
                    [
                        "munged",
                        "-F",
                        "-f",
                        f"--socket={base / 'munge.sock'}",
                        f"--key-file={key}",
                        f"--pid-file={base / 'munged.pid'}",
                        f"--log-file={base / 'munged.log'}",
                        f"--seed-file={base / 'munged.seed'}",
                    ],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        deadline = time.monotonic() + 10
        while not (base / "munge.sock").exists():
            if time.monotonic() > deadline or procs[0].poll() is not None:
                raise RuntimeError(f"munged did not start:\n{munge_log.read_text()}")
            time.sleep(0.05)
        ctld_log = base / "slurmctld.out"
        with open(ctld_log, "w") as out:
            procs.append(
                subprocess.Popen(
                    ["slurmctld", "-D", "-i"], env=env, stdout=out, stderr=subprocess.STDOUT
                )
            )
        _wait_port(ctld, procs[-1], "slurmctld", ctld_log)
        d_log = base / "slurmd.out"
        with open(d_log, "w") as out:
            procs.append(
                subprocess.Popen(["slurmd", "-D"], env=env, stdout=out, stderr=subprocess.STDOUT)
            )
        deadline = time.monotonic() + 30
        while True:
            state = subprocess.run(
                ["sinfo", "-h", "-o", "%t"], env=env, capture_output=True, text=True
            ).stdout.strip()
            if state in ("idle", "mix", "alloc"):
                break
            if time.monotonic() > deadline or procs[-1].poll() is not None:
                raise RuntimeError(f"slurmd is not idle ({state!r}):\n{d_log.read_text()}")
            time.sleep(0.2)
        yield sshd.slurm_conf
    finally:
        for proc in reversed(procs):
            _stop(proc)
