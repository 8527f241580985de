"""Step lifecycle hooks, argo_enumerate and ContainerExecutor on the local engine."""

from __future__ import annotations

import os
import re
import stat
import sys

import pytest
from helpers import shell

from dflow import (
    DAG,
    ContainerExecutor,
    HookStep,
    Step,
    Task,
    Workflow,
    argo_enumerate,
)

NOTE = shell("note", "echo {{inputs.parameters.msg}} >> {{inputs.parameters.log}}", ["msg", "log"])


def _log(path):
    return sorted(open(path).read().split()) if os.path.exists(path) else []


def test_success_and_failure_hooks_run_for_the_phase_reached(local_root, tmp_path, render):
    # GIVEN a step that succeeds and one that fails, each with both hooks
    log = str(tmp_path / "hooks.log")
    ok, bad = shell("ok", "true"), shell("bad", "exit 3")

    def hooks(tag):
        return {
            "success_hook": HookStep(NOTE, parameters={"msg": f"{tag}-ok", "log": log}),
            "failure_hook": HookStep(NOTE, parameters={"msg": f"{tag}-failed", "log": log}),
        }

    wf = Workflow(name="hooks")
    wf.add([Step("a", ok, **hooks("a")), Step("b", bad, continue_on_failed=True, **hooks("b"))])
    manifest = render(wf)
    (steps,) = [t for t in manifest["spec"]["templates"] if "steps" in t]
    assert steps["steps"][0][0]["hooks"]["success"]["expression"] == (
        "steps['a'].status == 'Succeeded'"
    )
    # WHEN it runs THEN only the hook of the phase each step reached ran
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert _log(log) == ["a-ok", "b-failed"]
    hook_nodes = [s.displayName for s in wf.query_step(name=r".*\.hooks\..*")]
    assert sorted(hook_nodes) == ["a.hooks.success", "b.hooks.failure"]


def test_running_hook_and_custom_expression_on_a_dag(local_root, tmp_path):
    log = str(tmp_path / "dag.log")
    dag = DAG(name="d")
    dag.add(
        Task(
            "t1",
            shell("work", "sleep 0.2"),
            running_hook=HookStep(NOTE, parameters={"msg": "started", "log": log}),
            success_hook=HookStep(
                NOTE,
                expression="tasks['t1'].status == 'Failed'",  # never true here
                parameters={"msg": "never", "log": log},
            ),
        )
    )
    wf = Workflow(name="dag-hooks", dag=dag)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert _log(log) == ["started"]


def test_hook_step_refuses_hooks_of_its_own():
    with pytest.raises(ValueError, match="success_hook"):
        HookStep(NOTE, success_hook=HookStep(NOTE))


def test_argo_enumerate_pairs_lists_by_position(local_root):
    pair = shell(
        "pair",
        "mkdir -p /tmp/outputs && "
        "echo '{{inputs.parameters.o}}:{{inputs.parameters.x}}{{inputs.parameters.y}}' "
        "> /tmp/outputs/r",
        inputs=["o", "x", "y"],
        outputs=["r"],
    )
    wf = Workflow(name="enumerate")
    items = argo_enumerate(x=[1, 2], y=["a", "b"])
    args = {"o": "{{item.order}}", "x": "{{item.x}}", "y": "{{item.y}}"}
    wf.add(Step("p", pair, parameters=args, with_param=items))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    values = sorted(
        s.outputs.parameters["r"].value for s in wf.query_step(name=r"p\(.*", type="Pod")
    )
    assert values == ["0:1a", "1:2b"]


FAKE_DOCKER = """#!{python}
# a stand-in for docker: runs the command of `docker run` on this host, with -v mappings
import os, subprocess, sys
args = sys.argv[1:]
with open({log!r}, "a") as log:
    log.write(" ".join(args) + "\\n")
if args[:2] == ["image", "inspect"]:
    sys.exit(1)
if args[0] == "pull":
    sys.exit(0)
assert args[0] == "run", args
args = args[1:]
volumes = {{}}
while args[0].startswith("-"):
    if args[0] == "-v":
        host, _, inside = args[1].partition(":")
        volumes[inside] = host
        args = args[2:]
    else:
        args = args[1:]
image, command = args[0], [volumes.get(a, a) for a in args[1:]]
sys.exit(subprocess.call(command))
"""


def test_container_executor_runs_the_script_through_the_runtime(local_root, tmp_path, monkeypatch):
    # the fake runtime is found on PATH (a path under /tmp in the script would be the step's own)
    fake = tmp_path / "fake-docker"
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    log = tmp_path / "docker.log"
    fake.write_text(FAKE_DOCKER.format(python=sys.executable, log=str(log)))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    echo = shell(
        "echo", "mkdir -p /tmp/outputs && echo in-container > /tmp/outputs/where", outputs=["where"]
    )
    wf = Workflow(name="container")
    wf.add(Step("c", echo, executor=ContainerExecutor(docker="fake-docker")))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="c")[0].outputs.parameters["where"].value == "in-container"
    calls = log.read_text().splitlines()
    assert calls[0] == "image inspect alpine:3"
    assert calls[1] == "pull alpine:3"
    # /tmp shared with the container (the local engine gives the step its own /tmp)
    run = re.fullmatch(
        r"run --rm -v (\S+):(\S+) -v \S+/script:/dflow-script alpine:3 sh (\S+)", calls[2]
    )
    assert run is not None and run.group(1) == run.group(2), calls[2]


def test_container_executor_needs_one_runtime():
    with pytest.raises(ValueError, match="exactly one"):
        ContainerExecutor()
    with pytest.raises(ValueError, match="image_pull_policy"):
        ContainerExecutor(docker="docker", image_pull_policy="Sometimes")
