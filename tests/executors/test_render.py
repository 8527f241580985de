"""Rendering with executors: valid manifests, SlurmJobTemplate's shape, clear errors."""

from __future__ import annotations

import re

import pytest
from argo_schema import validate_manifest
from executor_helpers import awkward_template

from dflow import (
    InputArtifact,
    Inputs,
    InvalidWorkflowError,
    PythonScriptOPTemplate,
    ShellOPTemplate,
    Step,
    Steps,
    Workflow,
)
from dflow.executors import RemoteExecutor, SlurmJobTemplate, SlurmRemoteExecutor
from dflow.executors.wlm import VIRTUAL_NODE_TOLERATION
from dflow.secrets import Secret


def _by_name(manifest: dict, prefix: str) -> dict:
    return next(t for t in manifest["spec"]["templates"] if t["name"].startswith(prefix))


def test_manifest_with_every_executor_is_valid_argo() -> None:
    key = Secret(name="ssh", key="id")
    steps = Steps(name="main")
    steps.add(
        Step(
            "a",
            awkward_template(),
            artifacts={"data": "k"},
            executor=RemoteExecutor(host="h", private_key=key),
        )
    )
    steps.add(
        Step(
            "b",
            awkward_template(),
            artifacts={"data": "k"},
            executor=SlurmRemoteExecutor(host="h", private_key=key, header="#SBATCH -N 1"),
            timeout=30,
        )
    )
    steps.add(
        Step(
            "c",
            awkward_template(),
            artifacts={"data": "k"},
            executor=SlurmJobTemplate(header="#SBATCH -N 1"),
        )
    )
    manifest = Workflow(name="executors", steps=steps).to_dict()
    validate_manifest(manifest)
    slurm = _by_name(manifest, "awkward-slurm-")
    assert slurm["timeout"] == "30s"
    assert slurm["script"]["env"] == [
        {"name": "DFLOW_SSH_KEY", "valueFrom": {"secretKeyRef": {"name": "ssh", "key": "id"}}}
    ]
    # inputs and outputs are those of the original template, so Argo places and collects them
    assert slurm["inputs"]["artifacts"] == [{"name": "data", "path": "/tmp/inputs/artifacts/data"}]
    assert [p["name"] for p in slurm["outputs"]["parameters"]] == ["msg"]


def test_slurm_job_template_prepends_header_and_targets_the_virtual_node() -> None:
    template = PythonScriptOPTemplate(
        name="py", script="print('hi')\n", node_selector={"zone": "a"}
    )
    job = SlurmJobTemplate(
        header="#SBATCH --nodes=1\n#SBATCH --gres=gpu:1",
        node_selector={"kubernetes.io/hostname": "slurm-minikube-v100"},
    ).render(template)
    assert job.name.startswith("py-slurm-job-") and template.script == "print('hi')\n"
    assert job.script == (
        "#!/usr/bin/env python3\n#SBATCH --nodes=1\n#SBATCH --gres=gpu:1\nprint('hi')\n"
    )
    assert job.node_selector == {"zone": "a", "kubernetes.io/hostname": "slurm-minikube-v100"}
    assert job.tolerations == [VIRTUAL_NODE_TOLERATION]
    shell = SlurmJobTemplate(header="#!/bin/bash\n#SBATCH -N 2").render(
        ShellOPTemplate(script="ls")
    )
    assert shell.script == "#!/bin/bash\n#SBATCH -N 2\nls"


def test_input_outside_tmp_is_refused_with_its_name() -> None:
    template = ShellOPTemplate(
        name="data",
        script="ls /data",
        inputs=Inputs(artifacts={"big": InputArtifact(path="/data")}),
    )
    with pytest.raises(
        InvalidWorkflowError, match="input artifact 'big': path '/data' is not under"
    ):
        RemoteExecutor(host="h").render(template)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(InvalidWorkflowError, match="port 0 is invalid"):
        RemoteExecutor(host="h", port=0)
    with pytest.raises(InvalidWorkflowError, match="private_key_file or private_key"):
        RemoteExecutor(host="h", private_key="k", private_key_file="/f")
    with pytest.raises(InvalidWorkflowError, match="interval"):
        SlurmRemoteExecutor(host="h", interval=0)
    with pytest.raises(InvalidWorkflowError, match="header line 1"):
        SlurmJobTemplate(header="srun hostname")


def test_success_tag_runs_after_a_successful_remote_step() -> None:
    # continue_on_num_success appends its tag writer to the script: it must stay reachable
    steps = Steps(name="tagged")
    steps.add(
        Step(
            "s",
            ShellOPTemplate(name="t", script="true"),
            with_param=[1, 2],
            continue_on_num_success=1,
            executor=RemoteExecutor(host="h"),
        )
    )
    manifest = Workflow(name="tagged", steps=steps).to_dict()
    validate_manifest(manifest)
    source = _by_name(manifest, "t-ssh-")["script"]["source"]
    tag = source.index("echo 1 > /tmp/outputs/success_tag")
    assert tag > source.index('[ "$dflow_rc" -eq 0 ] || exit "$dflow_rc"')


@pytest.mark.parametrize("bad", ["MY-VAR", "1ST", "A B", "X;rm -rf ~"])
def test_env_names_that_export_cannot_take_are_refused(bad: str) -> None:
    # GIVEN a template with an environment variable name a shell cannot export
    template = ShellOPTemplate(name="envy", image="alpine:3", script="true", envs={bad: "1"})
    executor = RemoteExecutor(host="h", private_key=Secret(name="ssh", key="id"))
    # WHEN it is rendered for a remote host THEN the error names the template and the variable
    with pytest.raises(InvalidWorkflowError, match=f"template 'envy'.*{re.escape(repr(bad))}"):
        executor.render(template)


def test_plain_env_names_are_exported() -> None:
    template = ShellOPTemplate(
        name="envy", image="alpine:3", script="true", envs={"_OK_1": "v", "B": "w"}
    )
    executor = RemoteExecutor(host="h", private_key=Secret(name="ssh", key="id"))
    executor.render(template)
    runner = executor.runner(template, "TOKEN")
    assert "export _OK_1=" in runner and "export B=" in runner
