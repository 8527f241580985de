"""Keys, reuse, retry of a failed workflow, terminate, and bad manifests."""

from __future__ import annotations

import os
import shutil
import tempfile
import time

import pytest
from helpers import out, shell

from dflow import InvalidWorkflowError, Step, Workflow, config
from dflow.engines.local import LocalEngine


@pytest.fixture
def shared_dir():
    """A host directory outside /tmp, seen by every step (their /tmp is private)."""
    path = tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    yield path
    shutil.rmtree(path, ignore_errors=True)


COUNTED = "echo x >> {{inputs.parameters.log}}/{{inputs.parameters.n}}; mkdir -p /tmp/outputs; "


def test_keys_and_reuse_skip_finished_steps(local_root, shared_dir):
    sq = shell(
        "sq",
        COUNTED + "echo $(( {{inputs.parameters.n}} * {{inputs.parameters.n}} )) > /tmp/outputs/y",
        inputs=["n", "log"],
        outputs=["y"],
    )

    def build():
        wf = Workflow(name="keys")
        wf.add(
            Step(
                "sq",
                sq,
                parameters={"n": "{{item}}", "log": shared_dir},
                with_items=[1, 2, 3],
                key="sq-{{item}}",
            )
        )
        return wf

    first = build()
    first.submit()
    assert sorted(first.query_keys_of_steps()) == ["sq-1", "sq-2", "sq-3"]
    (two,) = first.query_step(key="sq-2")
    assert out(two, "y") == "4"
    two.modify_output_parameter("y", "40")
    second = build()
    second.submit(reuse_step=[two])
    assert second.query_status() == "Succeeded"
    assert out(second.query_step(key="sq-2")[0], "y") == "40"
    assert out(second.query_step(key="sq-3")[0], "y") == "9"
    # item 2 ran once (first workflow only), the others twice
    runs = {n: len(open(os.path.join(shared_dir, n)).read().split()) for n in ("1", "2", "3")}
    assert runs == {"1": 2, "2": 1, "3": 2}


def test_retry_of_a_failed_workflow_skips_done_steps(local_root, shared_dir):
    first = shell(
        "first", COUNTED + "echo done > /tmp/outputs/r", inputs=["n", "log"], outputs=["r"]
    )
    gate = shell("gate", "test -e {{inputs.parameters.flag}} || exit 5", inputs=["flag"])
    wf = Workflow(name="resume")
    s1 = Step("first", first, parameters={"n": "a", "log": shared_dir})
    wf.add(s1)
    wf.add(Step("gate", gate, parameters={"flag": os.path.join(shared_dir, "open")}))
    wf.submit()
    assert wf.query_status() == "Failed"
    open(os.path.join(shared_dir, "open"), "w").close()
    wf.retry()
    assert wf.query_status() == "Succeeded"
    assert open(os.path.join(shared_dir, "a")).read() == "x\n"
    assert out(wf.query_step(name="first")[0], "r") == "done"
    with pytest.raises(Exception, match="only a failed workflow"):
        wf.retry()


def _sleepers(seconds: bytes) -> list:
    """Pids of ``sleep SECONDS`` processes on this machine."""
    found = []
    for proc in os.listdir("/proc"):
        try:
            with open(f"/proc/{proc}/cmdline", "rb") as fh:
                argv = fh.read().split(b"\0")
        except OSError:
            continue
        if argv[:2] == [b"sleep", seconds]:
            found.append(int(proc))
    return found


def test_terminate_stops_running_steps_of_a_detached_workflow(local_root):
    config["detach"] = True
    # (its processes are found by their marker)
    slow = shell("slow", "touch /tmp/started; sleep 1201")
    wf = Workflow(name="stopme")
    wf.add([Step("slow", slow), Step("also", slow)])
    wf.submit()
    engine = LocalEngine(root=str(local_root))
    deadline = time.monotonic() + 60
    running = []
    while len(running) < 2 and time.monotonic() < deadline:
        nodes = engine.get(wf.id)["status"]["nodes"].values()
        running = [n for n in nodes if n["type"] == "Pod" and n["phase"] == "Running"]
        time.sleep(0.05)
    assert len(running) == 2
    started = [
        local_root / "workflows" / wf.id / "steps" / n["id"] / "tmp" / "started" for n in running
    ]
    while not all(p.exists() for p in started):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert len(_sleepers(b"1201")) == 2
    wf.terminate()
    status = wf.query()
    assert status.phase == "Failed"
    assert "Terminate" in status.status.message
    for node in wf.query_step(type="Pod"):
        assert node.phase == "Failed" and node.message == "terminated"
    assert _sleepers(b"1201") == []
    assert wf.wait() == "Failed"


def test_bad_manifests_are_rejected_with_the_culprit(local_root):
    engine = LocalEngine(root=str(local_root))
    with pytest.raises(InvalidWorkflowError, match="entrypoint 'nope'"):
        engine.submit(
            {
                "metadata": {"name": "x"},
                "spec": {
                    "entrypoint": "nope",
                    "templates": [{"name": "a", "script": {"image": "i", "source": "true"}}],
                },
            }
        )
    # a step calling a missing template fails that step, naming both
    manifest = {
        "metadata": {"generateName": "y-"},
        "spec": {
            "entrypoint": "main",
            "templates": [{"name": "main", "steps": [[{"name": "s", "template": "ghost"}]]}],
        },
    }
    done = engine.submit(manifest)
    assert done["status"]["phase"] == "Failed"
    assert (
        "step 's' of 'main': template 'ghost' is not in the workflow" in done["status"]["message"]
    )
