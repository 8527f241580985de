"""A real run: a Ray head on 127.0.0.1 and a step on the local engine that is its driver.

Ray's servers listen on every interface and turn 127.0.0.1 into the machine's address, so the
head, the engine and the step run in a private network (and PID) namespace of their own
(``unshare``): only a loopback interface exists there, and every process ends with it.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

UNSHARE = ["unshare", "--user", "--map-root-user", "--net", "--pid", "--fork", "--mount-proc",
           "--kill-child"]  # fmt: skip


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run([*UNSHARE, "ip", "link", "set", "lo", "up"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="needs the 'ray' extra")
@pytest.mark.skipif(not _namespaces_work(), reason="needs unprivileged user/net/pid namespaces")
def test_step_runs_its_ray_tasks_on_a_local_head() -> None:
    # short path: Ray's unix sockets live under it; outside /tmp, which the engine gives each step
    work = Path(tempfile.mkdtemp(prefix="dfray", dir="/var/tmp"))
    script = Path(__file__).with_name("ray_cluster_run.py")
    try:
        # GIVEN a Ray head started on 127.0.0.1, WHEN a workflow runs a Python OP through
        # RayClusterExecutor on the local engine
        done = subprocess.run(
            [*UNSHARE, "sh", "-c", 'ip link set lo up && exec "$0" "$1" "$2"',
             sys.executable, str(script), str(work)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        result = json.loads(done.stdout.strip().splitlines()[-1])
        # THEN the OP's remote tasks ran in Ray's worker processes, not in the step's own
        assert result["status"] == "Succeeded", result
        squares = result["squares"]
        assert squares["squares"] == [1, 4, 9]  # typed values, as queries give them
        assert squares["address"] == result["gcs"]
        assert squares["workers"] and squares["driver"] not in squares["workers"]
        # AND RAY_ADDRESS in the step's environment wins over ray_host (127.0.0.1:1 has no head)
        assert result["override"]["squares"] == [16]
    finally:
        shutil.rmtree(work, ignore_errors=True)
