"""A runner that dies in any phase is seen as dead: wait ends, retry, terminate and delete work."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from helpers import shell

from dflow import Step, Workflow, config
from dflow.engines.local import LocalEngine


@pytest.fixture(autouse=True)
def no_runner_left(local_root):
    """Detached runners a failed test leaves behind are killed (by pid) after it."""
    yield
    for pid in runner_pids(str(local_root)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:  # it was ending by itself
            pass


def runner_pids(wid: str) -> list:
    """Pids of detached runners of the workflow ``wid`` (or under the root ``wid``)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"dflow.engines.local.runner" in argv and wid.encode() in argv:
            found.append(int(proc.name))
    return found


def kill_runner_at_once(wid: str, deadline: float = 10.0) -> int:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        for pid in runner_pids(wid):
            os.kill(pid, signal.SIGKILL)
            return pid
        time.sleep(0.001)
    raise AssertionError(f"no runner of {wid} was seen")


def settle(query, seconds: float = 15.0) -> str:
    """The phase once the workflow is finished, polled for at most ``seconds``."""
    end = time.monotonic() + seconds
    phase = query()
    while phase in ("Pending", "Running") and time.monotonic() < end:
        time.sleep(0.1)
        phase = query()
    return phase


def test_runner_killed_before_it_marks_running_is_seen_dead(local_root):
    # GIVEN a detached workflow whose runner is killed right after submit
    config["detach"] = True
    wf = Workflow(name="early-death")
    wf.add(Step("s", shell("s", "echo ok")))
    wf.submit()
    kill_runner_at_once(wf.id)
    # THEN wait() ends with Error, quickly, saying why
    assert settle(wf.query_status) == "Error"
    assert wf.wait(interval=0.1) == "Error"
    assert "has ended" in wf.query().status.message
    # AND terminate and delete answer at once, retry runs it again
    start = time.monotonic()
    wf.terminate()
    assert time.monotonic() - start < 5
    wf.retry()
    assert wf.wait(interval=0.1) == "Succeeded"
    wf.delete()
    assert not (local_root / "workflows" / "early-death").exists()


def test_a_bad_setting_that_stops_the_runner_ends_the_workflow_in_error(local_root):
    engine = LocalEngine(isolation="bogus", detach=True)
    wf = Workflow(name="bad-setting")
    wf.add(Step("s", shell("s", "echo ok")))
    created = engine.submit(wf.to_dict())
    wid = created["metadata"]["name"]
    assert settle(lambda: engine.get(wid)["status"]["phase"]) == "Error"
    assert engine.wait(wid, interval=0.1) == "Error"
    assert "bogus" in engine.get(wid)["status"]["message"]


def test_a_live_runner_is_not_taken_for_dead_and_retry_waits_for_it(local_root):
    config["detach"] = True
    wf = Workflow(name="alive")
    wf.add(Step("s", shell("s", "sleep 2")))
    wf.submit()
    time.sleep(0.5)
    assert wf.query_status() in ("Pending", "Running")
    with pytest.raises(Exception, match="only a failed workflow can retry"):
        wf.retry()
    assert wf.wait(interval=0.1) == "Succeeded"


def test_list_shows_a_workflow_whose_runner_died_as_error(local_root):
    config["detach"] = True
    wf = Workflow(name="listed")
    wf.add(Step("s", shell("s", "sleep 30")))
    wf.submit()
    kill_runner_at_once(wf.id)
    assert settle(wf.query_status) == "Error"
    (listed,) = [w for w in LocalEngine().list() if w["metadata"]["name"] == wf.id]
    assert listed["status"]["phase"] == "Error"
