"""Every process a step starts ends with the step, with ``terminate`` and with the runner."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from helpers import python, shell
from test_local_dead_runner import kill_runner_at_once, no_runner_left, settle

from dflow import Step, Workflow, config
from dflow.engines.local.sandbox import Sandbox

__all__ = ["no_runner_left"]  # kills the runners a failed test leaves

pytestmark = pytest.mark.skipif(
    Sandbox(config.get("debug_isolation") or "auto").mode != "namespace",
    reason="without root the local engine ends a step's process group only (best effort)",
)


def marker() -> str:
    """A unique ``sleep`` duration that names the processes of one test."""
    return f"{random.randint(1000, 9999)}.{random.randint(100, 999)}"


def sleepers(mark: str) -> list:
    found = []
    for proc in os.listdir("/proc"):
        try:
            with open(f"/proc/{proc}/cmdline", "rb") as fh:
                argv = fh.read().split(b"\0")
        except OSError:
            continue
        if argv[:2] == [b"sleep", mark.encode()]:
            found.append(int(proc))
    return found


def wait_for(check, seconds: float = 20.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return check()


def escaping_steps(mark: str):
    """A shell step and a Python step that each leave a ``setsid`` child running."""
    sh = shell("sh-leaves", f"setsid sleep {mark} & sleep {mark}")
    py = python(
        "py-leaves",
        textwrap.dedent(
            f"""
            import subprocess, time
            subprocess.Popen(["sleep", "{mark}"], start_new_session=True)
            time.sleep(float("{mark}"))
            """
        ),
    )
    return sh, py


def test_children_that_call_setsid_end_with_their_step(local_root):
    mark = marker()
    sh = shell("sh-quick", f"setsid sleep {mark} & echo started")
    py = python(
        "py-quick",
        f'import subprocess\nsubprocess.Popen(["sleep", "{mark}"], start_new_session=True)\n',
    )
    wf = Workflow(name="setsid-ends")
    wf.add([Step("sh", sh), Step("py", py)])
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wait_for(lambda: sleepers(mark) == [], 5), sleepers(mark)


def test_terminate_ends_children_that_left_the_process_group(local_root):
    mark = marker()
    config["detach"] = True
    wf = Workflow(name="setsid-terminate")
    wf.add(list(Step(t.name, t) for t in escaping_steps(mark)))
    wf.submit()
    assert wait_for(lambda: len(sleepers(mark)) == 3), sleepers(mark)
    wf.terminate()
    assert wf.query_status() == "Failed"
    assert wait_for(lambda: sleepers(mark) == [], 5), sleepers(mark)


def test_kill_9_of_the_runner_ends_every_step_process_and_retry_runs_one_copy(local_root):
    mark = marker()
    config["detach"] = True
    wf = Workflow(name="runner-killed")
    wf.add(list(Step(t.name, t) for t in escaping_steps(mark)))
    wf.submit()
    # GIVEN both steps running, each with a child that left its process group
    assert wait_for(lambda: len(sleepers(mark)) == 3), sleepers(mark)
    # WHEN the runner is killed with SIGKILL
    kill_runner_at_once(wf.id)
    # THEN the workflow is in Error and no process of its steps is left
    assert settle(wf.query_status) == "Error"
    assert wait_for(lambda: sleepers(mark) == [], 5), sleepers(mark)
    # AND a retry runs one copy of the steps, not a second beside the first
    wf.retry()
    assert wait_for(lambda: len(sleepers(mark)) == 3), sleepers(mark)
    time.sleep(0.5)
    assert len(sleepers(mark)) == 3
    wf.terminate()
    assert wait_for(lambda: sleepers(mark) == [], 5), sleepers(mark)


def test_kill_9_of_a_submitting_process_ends_its_steps(local_root, tmp_path):
    mark = marker()
    script = tmp_path / "submit.py"
    here = os.path.dirname(__file__)
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {here!r})
            from test_local_orphans import escaping_steps
            from dflow import Step, Workflow, config
            from dflow.storage import LocalClient
            from dflow.config import s3_config
            config.update(mode="debug", debug_workdir={str(local_root)!r}, detach=False)
            s3_config["storage_client"] = LocalClient({str(local_root / "artifacts")!r})
            wf = Workflow(name="submitter-killed")
            wf.add(list(Step(t.name, t) for t in escaping_steps({mark!r})))
            wf.submit()
            """
        )
    )
    proc = subprocess.Popen([sys.executable, str(script)], cwd=here)
    try:
        assert wait_for(lambda: len(sleepers(mark)) == 3), sleepers(mark)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert wait_for(lambda: sleepers(mark) == [], 5), sleepers(mark)
    (wid,) = os.listdir(local_root / "workflows")
    from dflow.engines.local import LocalEngine

    assert LocalEngine().get(wid)["status"]["phase"] == "Error"


def _cgroup_kill_works() -> bool:
    from dflow.engines.local.keeper import own_cgroup

    base = own_cgroup()
    if base is None:
        return False
    probe = os.path.join(base, f"dflow-probe-{os.getpid()}")
    try:
        os.mkdir(probe)
    except OSError:
        return False
    try:
        return os.path.exists(os.path.join(probe, "cgroup.kill"))
    finally:
        os.rmdir(probe)


def _keeper_of(pid: int) -> int:
    """The step's keeper above ``pid``: the first ancestor that is a fork of the zygote."""
    while pid > 1:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
        pid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            if b"dflow.engines.local.zygote" in fh.read():
                return pid
    raise AssertionError("no keeper above the step's process")


@pytest.mark.skipif(not _cgroup_kill_works(), reason="needs a writable cgroup v2 with cgroup.kill")
def test_kill_9_of_a_keeper_still_ends_its_steps_processes_by_their_cgroup(local_root):
    from dflow.engines.local.keeper import own_cgroup

    mark = marker()
    config["detach"] = True
    wf = Workflow(name="keeper-killed")
    wf.add(Step("sh", shell("sh-leaves", f"setsid sleep {mark} & sleep {mark}")))
    wf.submit()
    # GIVEN a step running, with a child that left its session
    assert wait_for(lambda: len(sleepers(mark)) == 2), sleepers(mark)
    keeper = _keeper_of(sleepers(mark)[0])
    cgroup = os.path.join(own_cgroup(), f"dflow-step-{keeper}")
    assert os.path.isdir(cgroup)
    # WHEN its keeper is killed with SIGKILL, before it could end them itself
    os.kill(keeper, signal.SIGKILL)
    # THEN the step's processes end all the same, and so does its cgroup
    assert wait_for(lambda: sleepers(mark) == [], 5), sleepers(mark)
    assert wf.wait() == "Failed"
    assert wait_for(lambda: not os.path.exists(cgroup), 5)


def test_a_step_leaves_no_cgroup_behind(local_root):
    mark = marker()
    config["detach"] = True
    wf = Workflow(name="cgroup-gone")
    wf.add(Step("sh", shell("sh-sleeps", f"sleep {mark} & sleep {mark}")))
    wf.submit()
    assert wait_for(lambda: len(sleepers(mark)) == 2), sleepers(mark)
    keeper = _keeper_of(sleepers(mark)[0])
    wf.terminate()
    assert wf.wait() == "Failed"
    assert wait_for(lambda: sleepers(mark) == [], 5), sleepers(mark)
    from dflow.engines.local.keeper import own_cgroup

    base = own_cgroup()
    assert base is None or not os.path.exists(os.path.join(base, f"dflow-step-{keeper}"))
