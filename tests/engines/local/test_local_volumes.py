"""PVC-backed artifacts and volumes on the local engine."""

from __future__ import annotations

from helpers import out

from dflow import (
    PVC,
    InputArtifact,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
    Step,
    Workflow,
)


def test_output_saved_to_a_pvc_is_the_input_of_a_later_step(local_root):
    # GIVEN a step whose output artifact is saved into a claim, and one reading the claim
    write = ShellOPTemplate(
        name="write",
        script="mkdir -p /tmp/out && echo kept > /tmp/out/f.txt",
        outputs=Outputs(
            artifacts={"out": OutputArtifact(path="/tmp/out", save=[PVC("results", "run1")])}
        ),
    )
    read = ShellOPTemplate(
        name="read",
        script="mkdir -p /tmp/o && cat /tmp/data/out/f.txt > /tmp/o/text",
        inputs=Inputs(artifacts={"data": InputArtifact(path="/tmp/data")}),
        outputs=Outputs(parameters={"text": OutputParameter(value_from_path="/tmp/o/text")}),
    )
    wf = Workflow("pvc")
    wf.add(Step("write", write))
    wf.add(Step("read", read, artifacts={"data": PVC("results", "run1")}))
    # WHEN it runs THEN the second step reads what the first saved, through the claim
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert out(wf.query_step(name="read")[0], "text") == "kept"


def test_a_volume_of_an_unknown_kind_fails_the_step_naming_it(local_root):
    t = ShellOPTemplate(
        name="nfs-user",
        script="ls /tmp/mnt",
        volumes=[{"name": "share", "nfs": {"server": "x", "path": "/"}}],
        mounts=[{"name": "share", "mountPath": "/tmp/mnt"}],
    )
    wf = Workflow("nfs")
    wf.add(Step("use", t))
    wf.submit()
    assert wf.query_status() == "Failed"
    message = wf.query_step(name="use")[0].message
    assert "volume 'share' (nfs) cannot be mounted on this machine" in message
