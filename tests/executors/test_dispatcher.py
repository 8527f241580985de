"""DispatcherExecutor end to end: the local engine runs steps through real DPDispatcher back ends.

Back ends, all on this machine and started by the tests: DPDispatcher's ``Shell`` batch type with
its local context, ``Shell`` over its SSH context to a real sshd, and ``Slurm`` over SSH to the
one-node Slurm cluster of ``conftest.py``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import dispatcher_ops
import pytest
from executor_helpers import SSHD, SSHServer, _stop, _wait_port, free_port

from dflow import (
    InputArtifact,
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
    Step,
    Steps,
    Workflow,
    argo_range,
    config,
    upload_artifact,
)
from dflow.config import s3_config
from dflow.plugins.dispatcher import DispatcherExecutor
from dflow.python import PythonOPTemplate, Slices
from dflow.secrets import Secret

if importlib.util.find_spec("dpdispatcher") is None:  # an optional extra of dflow
    pytest.skip("dpdispatcher is not installed", allow_module_level=True)

QUICK = {"check_interval": 0.5}


@pytest.fixture
def local_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Debug mode, engine root, artifact store and secrets under ``tmp_path``."""
    from dflow.storage import LocalClient

    root = tmp_path / "engine"
    saved = dict(config), dict(s3_config)
    config.update(mode="debug", debug_workdir=str(root), debug_workers=4, detach=False)
    s3_config["storage_client"] = LocalClient(str(root / "artifacts"))
    monkeypatch.setenv("DFLOW_SECRETS_DIR", str(tmp_path / "secrets"))
    monkeypatch.chdir(tmp_path)
    try:
        yield root
    finally:
        config.clear()
        config.update(saved[0])
        s3_config.clear()
        s3_config.update(saved[1])


@pytest.fixture
def remote_root() -> Iterator[Path]:
    """DPDispatcher's remote root, outside /tmp (the local engine maps a step's /tmp)."""
    base = Path(tempfile.mkdtemp(prefix="dflow-dispatch-", dir="/var/tmp"))
    try:
        yield base / "root"
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _interpreter(remote_root: Path) -> str:
    """This interpreter, named outside /tmp: a template's /tmp paths are the step's own."""
    wrapper = remote_root.parent / "python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def _ops_outside_tmp(remote_root: Path) -> str:
    """A folder holding the test OPs, outside /tmp (where this checkout may live)."""
    folder = remote_root.parent / "ops"
    folder.mkdir(exist_ok=True)
    shutil.copy(Path(__file__).with_name("dispatcher_ops.py"), folder)
    return str(folder)


def _local(remote_root: Path, **kw: Any) -> DispatcherExecutor:
    machine = {"batch_type": "Shell", "context_type": "LocalContext"}
    return DispatcherExecutor(machine_dict=machine, remote_root=str(remote_root), **QUICK, **kw)


def _over_ssh(sshd: SSHServer, remote_root: Path, batch: str, **kw: Any) -> DispatcherExecutor:
    return DispatcherExecutor(
        host="127.0.0.1",
        port=sshd.port,
        private_key=Secret(value=sshd.key, key="ssh-privatekey"),
        remote_root=str(remote_root),
        machine_dict={"batch_type": batch},
        **QUICK,
        **kw,
    )


def _copy_template() -> ShellOPTemplate:
    """Reads a parameter, an input artifact and a variable; writes a parameter and a directory."""
    return ShellOPTemplate(
        name="copy",
        script="set -e\n"
        "mkdir -p /tmp/outputs/dir\n"
        "printf '%s|%s' '{{inputs.parameters.msg}}' \"$GREETING\" > /tmp/outputs/msg\n"
        "cp -R /tmp/inputs/artifacts/data/. /tmp/outputs/dir/\n"
        'echo "ran in $(pwd)"\n',
        inputs=Inputs(
            parameters={"msg": InputParameter()},
            artifacts={"data": InputArtifact(path="/tmp/inputs/artifacts/data")},
        ),
        outputs=Outputs(
            parameters={"msg": OutputParameter(value_from_path="/tmp/outputs/msg")},
            artifacts={"dir": OutputArtifact(path="/tmp/outputs/dir")},
        ),
        envs={"GREETING": "it's a /tmp $HOME world"},
    )


def _run_copy(tmp_path: Path, executor: DispatcherExecutor) -> Workflow:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a file 'one'").write_text("A$1\n")
    art = upload_artifact([str(data)])
    wf = Workflow(name="copy")
    wf.add(
        Step(
            "copy",
            _copy_template(),
            parameters={"msg": 'say "hi"'},
            artifacts={"data": art},
            executor=executor,
        )
    )
    wf.submit()
    return wf


def _step_log(local_root: Path, wf: Workflow, name: str) -> str:
    node = [s for s in wf.query_step(name=name) if s.type == "Pod"][0]
    folder = local_root / "workflows" / wf.id / "steps" / node.id
    return "".join((folder / f).read_text() for f in ("stdout", "stderr") if (folder / f).exists())


def _check_copied(local_root: Path, wf: Workflow) -> None:
    assert wf.query_status() == "Succeeded", wf.query_step(phase="Failed")
    step = wf.query_step(name="copy")[0]
    assert step.outputs.parameters["msg"].value.startswith('say "hi"|it\'s a ')
    assert step.outputs.parameters["msg"].value.endswith(" $HOME world")
    log = _step_log(local_root, wf, "copy")
    assert "ran in " in log  # the remote job's log is the step's log
    from dflow import download_artifact

    paths = download_artifact(step.outputs.artifacts["dir"], path=str(local_root / "got"))
    found = {p.name: p.read_text() for p in Path(paths[0]).rglob("*") if p.is_file()}
    assert found.get("a file 'one'") == "A$1\n", found


# -- Shell, local context ------------------------------------------------------------------------


def test_shell_local_runs_the_step_and_brings_outputs_back(
    local_root: Path, tmp_path: Path, remote_root: Path
) -> None:
    # checked against the original 1.8.134 (debug mode, the same LocalContext/Shell machine): a
    # step's output parameter comes back there too; a failing script fails the step there as well,
    # after DPDispatcher resubmitted it three times (we resubmit only jobs the scheduler lost)
    # GIVEN a step with a parameter, an artifact and a variable, sent to DPDispatcher's Shell
    hooks = {
        "pre_script": "import sys\nprint('pre-hook ran', file=sys.stderr)\n",
        "post_script": "import sys\nprint('post-hook ran', file=sys.stderr)\n",
    }
    wf = _run_copy(tmp_path, _local(remote_root, **hooks))
    # THEN it ran remotely (/tmp pointed into the task's directory) and its outputs came back
    _check_copied(local_root, wf)
    log = _step_log(local_root, wf, "copy")
    assert f"ran in {remote_root}" in log
    assert "pre-hook ran" in log and "post-hook ran" in log
    # and the remote work directory is gone (clean=True)
    assert not any(p.is_dir() for p in remote_root.iterdir())


def test_shell_local_job_is_watched_while_it_runs_in_the_default_isolation(
    local_root: Path, remote_root: Path
) -> None:
    # GIVEN the engine's default isolation (a keeper and private mounts, as root) and a job that
    # runs for a few checks of DPDispatcher's Shell batch, which watches it with `ps -p <pid>`
    slow = ShellOPTemplate(
        name="slow",
        script="sleep 2\nmkdir -p /tmp/outputs\necho finished > /tmp/outputs/msg\n",
        outputs=Outputs(parameters={"msg": OutputParameter(value_from_path="/tmp/outputs/msg")}),
    )
    assert config["debug_isolation"] == "auto"
    wf = Workflow(name="slow-local")
    wf.add(Step("slow", slow, executor=_local(remote_root)))
    # WHEN it runs
    wf.submit()
    # THEN the step waited for the job: it succeeded with the job's output, which a job taken
    # for finished at once would not have written yet
    assert wf.query_status() == "Succeeded"
    step = [s for s in wf.query_step(name="slow") if s.type == "Pod"][0]
    assert step.outputs.parameters["msg"].value == "finished"


def test_remote_failure_gives_exit_code_and_remote_message(
    local_root: Path, remote_root: Path
) -> None:
    fail = ShellOPTemplate(name="fail", script="echo 'remote says: boom' >&2\nexit 7\n")
    wf = Workflow(name="fail")
    wf.add(Step("fail", fail, executor=_local(remote_root, clean=False)))
    wf.submit()
    assert wf.query_status() == "Failed"
    step = [s for s in wf.query_step(name="fail") if s.type == "Pod"][0]
    assert "exit code 7" in step.message
    assert "remote says: boom" in step.message
    assert f"the step failed on LocalContext {remote_root}" in step.message
    assert "jobs: " in step.message
    # clean=False keeps the remote work directory (the local context moved the log back)
    kept = list(remote_root.glob("*/task.000000/tmp/.dflow/script"))
    assert len(kept) == 1 and "remote says: boom" in kept[0].read_text()


def test_merged_sliced_step_is_one_submission_with_stacked_outputs(
    local_root: Path, remote_root: Path, render: Any
) -> None:
    # GIVEN a sliced Python OP over five items, merged into one submission of five tasks
    executor = _local(
        remote_root, merge_sliced_step=True, remote_command=[_interpreter(remote_root)]
    )
    xs = [3, 1, 4, 1, 5]
    square = Step(
        "square",
        PythonOPTemplate(dispatcher_ops.Square),
        parameters={"x": xs, "tag": "t"},
        with_param=argo_range(len(xs)),
        slices=Slices(
            input_parameter=["x"], output_parameter=["y", "pid"], output_artifact=["out"]
        ),
        executor=executor,
    )
    gather = Step(
        "gather",
        PythonOPTemplate(dispatcher_ops.Gather),
        artifacts={"outs": square.outputs.artifacts["out"]},
    )
    wf = Workflow(name="merged", steps=Steps("merged"))
    wf.add(square)
    wf.add(gather)
    manifest = render(wf)
    first = manifest["spec"]["templates"][0]["steps"][0][0]
    assert "withParam" not in first  # one step, one pod: the items are DPDispatcher tasks
    arguments = {p["name"]: p["value"] for p in first["arguments"]["parameters"]}
    assert arguments["dflow_items"] == "{{=toJson(sprig.untilStep(0, 5, 1))}}"
    # WHEN it runs
    wf.submit()
    assert wf.query_status() == "Succeeded", wf.query_step(phase="Failed")
    # THEN one pod ran, and the outputs stack per item, in item order, as a fan-out gives them
    assert len([s for s in wf.query_step(name="square") if s.type == "Pod"]) == 1
    outputs = wf.query_step(name="square")[0].outputs.parameters
    assert outputs["y"].value == [x * x for x in xs]
    assert len(set(outputs["pid"].value)) == len(xs)  # one process per task
    texts = wf.query_step(name="gather")[0].outputs.parameters["texts"].value
    assert texts == [f"t:{x * x}" for x in xs]


def test_sliced_step_without_merging_is_one_submission_per_item(
    local_root: Path, remote_root: Path
) -> None:
    executor = _local(remote_root, remote_command=[_interpreter(remote_root)])
    xs = [2, 3, 4]
    wf = Workflow(name="fanned", steps=Steps("fanned"))
    wf.add(
        Step(
            "square",
            PythonOPTemplate(dispatcher_ops.Square),
            parameters={"x": xs, "tag": "t"},
            with_param=argo_range(len(xs)),
            slices=Slices(input_parameter=["x"], output_parameter=["y"]),
            executor=executor,
        )
    )
    wf.submit()
    assert wf.query_status() == "Succeeded", wf.query_step(phase="Failed")
    pods = sorted((s.name, s.outputs.parameters["y"].value) for s in wf.query_step(type="Pod"))
    assert [y for _, y in pods] == [4, 9, 16]


def test_merged_step_with_a_failing_item_fails_with_its_code(
    local_root: Path, remote_root: Path
) -> None:
    executor = _local(
        remote_root, merge_sliced_step=True, remote_command=[_interpreter(remote_root)]
    )
    wf = Workflow(name="merged-fail", steps=Steps("merged-fail"))
    wf.add(
        Step(
            "square",
            PythonOPTemplate(dispatcher_ops.Square),
            parameters={"x": [2, -1, 3], "tag": "t"},
            with_param=argo_range(3),
            slices=Slices(input_parameter=["x"], output_parameter=["y"]),
            executor=executor,
        )
    )
    wf.submit()
    assert wf.query_status() == "Failed"
    step = [s for s in wf.query_step(name="square") if s.type == "Pod"][0]
    assert "exit code 3" in step.message  # an unexpected exception in the OP
    assert "item -1 is negative" in step.message


def _sleeper(marker: str, seconds: int) -> ShellOPTemplate:
    """Marks its start and sleeps; ``seconds`` tells its process apart from other tests'."""
    return ShellOPTemplate(
        name="sleeper",
        script=f"mkdir -p /tmp/outputs; echo started > {marker}; exec sleep {seconds}\n",
    )


def _wait_for(path: Path, what: str, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not path.exists():
        assert time.monotonic() < deadline, f"{what} did not happen"
        time.sleep(0.1)


def _sleeps(seconds: int) -> List[str]:
    out = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.endswith(f"sleep {seconds}")]


def _wait_gone(seconds: int, log: str) -> None:
    deadline = time.monotonic() + 10
    while _sleeps(seconds):
        assert time.monotonic() < deadline, (_sleeps(seconds), log)
        time.sleep(0.1)


def _terminate_when_started(wf: Workflow, marker: Path) -> None:
    config["detach"] = True
    wf.submit()
    _wait_for(marker, "the remote job start")
    wf.terminate()
    assert wf.wait() == "Failed"


def test_terminated_workflow_kills_the_shell_job(
    local_root: Path, remote_root: Path, tmp_path: Path
) -> None:
    marker = remote_root.parent / "started-local"  # outside the mapped /tmp
    wf = Workflow(name="stop-local")
    wf.add(Step("sleeper", _sleeper(str(marker), 4321), executor=_local(remote_root)))
    _terminate_when_started(wf, marker)
    log = _step_log(local_root, wf, "sleeper")
    assert "the step was stopped; its tasks on " in log
    _wait_gone(4321, log)


def test_grace_period_brings_back_what_a_stopped_step_wrote(
    local_root: Path, remote_root: Path
) -> None:
    marker = remote_root.parent / "started-grace"  # outside the mapped /tmp
    partial = ShellOPTemplate(
        name="partial",
        script="mkdir -p /tmp/outputs\necho 'half done' > /tmp/outputs/part\n"
        f"echo started > {marker}\nexec sleep 4324\n",
        outputs=Outputs(parameters={"part": OutputParameter(value_from_path="/tmp/outputs/part")}),
    )
    wf = Workflow(name="grace")
    executor = _local(remote_root, terminate_grace_period=1)
    wf.add(Step("partial", partial, executor=executor))
    _terminate_when_started(wf, marker)
    log = _step_log(local_root, wf, "partial")
    assert "brought back the outputs of 1 of 1 stopped task(s)" in log, log
    node = [s for s in wf.query_step(name="partial") if s.type == "Pod"][0]
    part = local_root / "workflows" / wf.id / "steps" / node.id / "tmp" / "outputs" / "part"
    assert part.read_text() == "half done\n"
    _wait_gone(4324, log)


# -- Shell over SSH ------------------------------------------------------------------------------


def test_shell_over_ssh_runs_the_step(
    local_root: Path, tmp_path: Path, sshd: SSHServer, remote_root: Path
) -> None:
    wf = _run_copy(tmp_path, _over_ssh(sshd, remote_root, "Shell"))
    _check_copied(local_root, wf)
    manifest = json.dumps(wf.to_dict())
    assert "PRIVATE KEY" not in manifest and sshd.key.strip() not in manifest


def test_terminated_workflow_kills_the_ssh_shell_job(
    local_root: Path, remote_root: Path, tmp_path: Path, sshd: SSHServer
) -> None:
    marker = remote_root.parent / "started-ssh"  # outside the mapped /tmp
    wf = Workflow(name="stop-ssh")
    wf.add(
        Step("sleeper", _sleeper(str(marker), 4322), executor=_over_ssh(sshd, remote_root, "Shell"))
    )
    _terminate_when_started(wf, marker)
    log = _step_log(local_root, wf, "sleeper")
    assert "the step was stopped; its tasks on " in log, log
    assert "root@127.0.0.1" in log
    _wait_gone(4322, log)


def test_submission_errors_are_retried_then_reported(local_root: Path, remote_root: Path) -> None:
    closed = free_port()  # nothing listens there
    executor = DispatcherExecutor(
        host="127.0.0.1",
        port=closed,
        password="x",
        remote_root=str(remote_root),
        retry_on_submission_error=1,
        **QUICK,
    )
    wf = Workflow(name="unreachable")
    wf.add(Step("hello", ShellOPTemplate(name="hello", script="echo hi\n"), executor=executor))
    wf.submit()
    assert wf.query_status() == "Failed"
    log = _step_log(local_root, wf, "hello")
    assert log.count(f"submission to root@127.0.0.1:{closed} failed") == 1, log
    assert "retrying" in log
    step = [s for s in wf.query_step(name="hello") if s.type == "Pod"][0]
    assert "exit code 255" in step.message
    assert f"cannot log in to root@127.0.0.1:{closed}" in step.message


@pytest.fixture(scope="module")
def password_sshd() -> Iterator[int]:
    """An sshd that takes passwords (and knows none that root has): every password is wrong."""
    root = Path(tempfile.mkdtemp(prefix="dflow-pwsshd-", dir="/var/tmp"))
    os.chmod(root, 0o700)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / "host")], check=True
    )
    port = free_port()
    (root / "sshd_config").write_text(
        f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {root / 'host'}\n"
        f"PidFile {root / 'sshd.pid'}\nPermitRootLogin yes\nPasswordAuthentication yes\n"
        "KbdInteractiveAuthentication no\nPubkeyAuthentication no\nUsePAM no\nStrictModes no\n"
    )
    log = root / "sshd.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(root / "sshd_config")], stdout=out, stderr=out
        )
    try:
        _wait_port(port, proc, "sshd", log)
        yield port
    finally:
        _stop(proc)
        shutil.rmtree(root, ignore_errors=True)


def test_wrong_password_names_the_host_and_leaks_nothing(
    local_root: Path, password_sshd: int, remote_root: Path
) -> None:
    wrong = "not-the-password-4711"
    executor = DispatcherExecutor(
        host="127.0.0.1",
        port=password_sshd,
        password=wrong,
        remote_root=str(remote_root),
        machine_dict={"batch_type": "Shell"},
        **QUICK,
    )
    wf = Workflow(name="badpw")
    wf.add(Step("hello", ShellOPTemplate(name="hello", script="echo hi\n"), executor=executor))
    assert wrong not in json.dumps(wf.to_dict())
    wf.submit()
    assert wf.query_status() == "Failed"
    step = [s for s in wf.query_step(name="hello") if s.type == "Pod"][0]
    assert "exit code 255" in step.message
    assert f"cannot log in to root@127.0.0.1:{password_sshd}" in step.message
    assert "Authentication failed" in step.message
    assert wrong not in _step_log(local_root, wf, "hello")


# -- Slurm over SSH ------------------------------------------------------------------------------


def _slurm_env(slurm: Path) -> Dict[str, str]:
    return dict(os.environ, SLURM_CONF=str(slurm))


def _running_jobs(slurm: Path) -> List[str]:
    done = subprocess.run(
        ["squeue", "-h", "-o", "%i %T"], env=_slurm_env(slurm), capture_output=True, text=True
    )
    return done.stdout.split("\n") if done.stdout.strip() else []


def test_slurm_runs_the_step(
    local_root: Path, tmp_path: Path, sshd: SSHServer, slurm: Path, remote_root: Path
) -> None:
    wf = _run_copy(tmp_path, _over_ssh(sshd, remote_root, "Slurm", queue_name="debug"))
    _check_copied(local_root, wf)
    log = _step_log(local_root, wf, "copy")
    assert "job_id is " in log  # DPDispatcher's own log names the Slurm job


def test_slurm_failure_names_host_job_and_message(
    local_root: Path, sshd: SSHServer, slurm: Path, remote_root: Path
) -> None:
    fail = ShellOPTemplate(name="fail", script="echo 'remote says: boom' >&2\nexit 7\n")
    wf = Workflow(name="slurm-fail")
    wf.add(Step("fail", fail, executor=_over_ssh(sshd, remote_root, "Slurm")))
    wf.submit()
    assert wf.query_status() == "Failed"
    step = [s for s in wf.query_step(name="fail") if s.type == "Pod"][0]
    assert "remote says: boom" in step.message
    assert f"the step failed on root@127.0.0.1:{sshd.port} (jobs: " in step.message
    assert "with exit code 7" in step.message


def test_slurm_rejection_gives_the_scheduler_message(
    local_root: Path, sshd: SSHServer, slurm: Path, remote_root: Path
) -> None:
    executor = _over_ssh(sshd, remote_root, "Slurm", queue_name="no-such-partition")
    wf = Workflow(name="slurm-reject")
    wf.add(Step("hello", ShellOPTemplate(name="hello", script="echo hi\n"), executor=executor))
    wf.submit()
    assert wf.query_status() == "Failed"
    step = [s for s in wf.query_step(name="hello") if s.type == "Pod"][0]
    assert f"DPDispatcher failed on root@127.0.0.1:{sshd.port}" in step.message
    assert "invalid partition" in step.message.lower()
    assert not _running_jobs(slurm)


def test_terminated_workflow_cancels_the_slurm_job(
    local_root: Path, tmp_path: Path, sshd: SSHServer, slurm: Path, remote_root: Path
) -> None:
    marker = remote_root.parent / "started-slurm"  # outside the mapped /tmp
    wf = Workflow(name="stop-slurm")
    wf.add(
        Step("sleeper", _sleeper(str(marker), 4323), executor=_over_ssh(sshd, remote_root, "Slurm"))
    )
    _terminate_when_started(wf, marker)
    log = _step_log(local_root, wf, "sleeper")
    assert "the step was stopped; its tasks on " in log, log
    _wait_gone(4323, log)
    deadline = time.monotonic() + 30
    while _running_jobs(slurm):
        assert time.monotonic() < deadline, _running_jobs(slurm)
        time.sleep(0.2)


def test_merged_sliced_step_on_slurm_is_one_job_of_many_tasks(
    local_root: Path, sshd: SSHServer, slurm: Path, remote_root: Path
) -> None:
    # GIVEN three items merged into one submission, all its tasks in one Slurm job
    xs = [2, 5, 7]
    executor = _over_ssh(
        sshd,
        remote_root,
        "Slurm",
        merge_sliced_step=True,
        remote_command=[_interpreter(remote_root)],
        # the job imports the OP from this folder: DPDispatcher exports the variable in the job
        resources_dict={
            "group_size": len(xs),
            "envs": {"PYTHONPATH": _ops_outside_tmp(remote_root)},
        },
    )
    wf = Workflow(name="slurm-merged", steps=Steps("slurm-merged"))
    wf.add(
        Step(
            "square",
            PythonOPTemplate(dispatcher_ops.Square),
            parameters={"x": xs, "tag": "s"},
            with_param=argo_range(len(xs)),
            slices=Slices(input_parameter=["x"], output_parameter=["y"]),
            executor=executor,
        )
    )
    wf.submit()
    assert wf.query_status() == "Succeeded", wf.query_step(phase="Failed")
    # THEN one pod, one job, the outputs per item in item order
    assert wf.query_step(name="square")[0].outputs.parameters["y"].value == [4, 25, 49]
    log = _step_log(local_root, wf, "square")
    assert log.count("was submitted; job_id is ") == 1, log
