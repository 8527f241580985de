"""End to end: the local engine runs a workflow whose steps go over SSH to a real sshd."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from executor_helpers import SSHServer

from dflow import (
    InputArtifact,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
    Step,
    Workflow,
    config,
)
from dflow.executors import RemoteExecutor
from dflow.secrets import Secret, create_secrets


@pytest.fixture
def debug_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "work"))
    monkeypatch.setenv("DFLOW_SECRETS_DIR", str(tmp_path / "secrets"))
    yield tmp_path


def test_workflow_with_remote_step(sshd: SSHServer, debug_mode: Path, remote_dir: Path) -> None:
    executor = RemoteExecutor(
        host="127.0.0.1",
        port=sshd.port,
        private_key=Secret(value=sshd.key, key="ssh-privatekey"),
        workdir=f"{remote_dir}/{{{{workflow.name}}}}/{{{{pod.name}}}}",
        known_hosts=sshd.known_hosts,
    )
    create_secrets(executor)
    produce = ShellOPTemplate(
        name="produce",
        script="mkdir -p /tmp/outputs/d\nhostname > /tmp/outputs/host\n"
        "echo 'remote $ data' > '/tmp/outputs/d/a file'\n",
        outputs=Outputs(
            parameters={"host": OutputParameter(value_from_path="/tmp/outputs/host")},
            artifacts={"d": OutputArtifact(path="/tmp/outputs/d")},
        ),
    )
    consume = ShellOPTemplate(
        name="consume",
        script="mkdir -p /tmp/outputs\n"
        "find /tmp/inputs/d -type f -exec cat {} + > /tmp/outputs/text\n",
        inputs=Inputs(artifacts={"d": InputArtifact(path="/tmp/inputs/d")}),
        outputs=Outputs(parameters={"text": OutputParameter(value_from_path="/tmp/outputs/text")}),
    )
    fail = ShellOPTemplate(
        name="fail", script="echo 'remote failure' >&2; exit 5\n", retry_strategy={"limit": 1}
    )
    wf = Workflow(name="remote-e2e")
    first = Step("produce", produce, executor=executor)
    wf.add(first)
    wf.add(Step("consume", consume, artifacts={"d": first.outputs.artifacts["d"]}))
    wf.add(Step("fail", fail, executor=executor, continue_on_failed=True))
    wf.submit()
    assert wf.wait() == "Succeeded"
    assert wf.query_step(name="consume")[0].outputs.parameters["text"].value == "remote $ data"
    failed = [s for s in wf.query_step(name="fail.*") if s.type == "Pod"]
    assert len(failed) == 2  # retried once
    assert all(s.phase == "Failed" and "remote failure" in s.message for s in failed)
