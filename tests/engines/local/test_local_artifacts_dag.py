"""Artifacts between steps, global outputs, DAG dependencies, and the persisted status."""

from __future__ import annotations

from helpers import out, shell

from dflow import (
    DAG,
    InputArtifact,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
    Step,
    Task,
    Workflow,
    download_artifact,
)
from dflow.engines.local import LocalEngine

MAKE = ShellOPTemplate(
    name="make",
    image="alpine:3",
    script="mkdir -p /tmp/out/sub /tmp/out/empty; echo one > /tmp/out/a.txt; "
    "echo two > /tmp/out/sub/b.txt; echo raw > /tmp/raw.txt",
    outputs=Outputs(
        artifacts={
            "dir": OutputArtifact(path="/tmp/out", global_name="made"),
            "raw": OutputArtifact(path="/tmp/raw.txt", archive=None),
            "maybe": OutputArtifact(path="/tmp/missing", optional=True),
        }
    ),
)
READ = ShellOPTemplate(
    name="read",
    image="alpine:3",
    script="mkdir -p /tmp/outputs; cat /tmp/in/a.txt /tmp/in/sub/b.txt /tmp/raw | tr '\\n' ' ' "
    "> /tmp/outputs/text; test -d /tmp/in/empty && echo yes > /tmp/outputs/empty; "
    "test -e /tmp/opt && echo has > /tmp/outputs/opt || echo none > /tmp/outputs/opt",
    inputs=Inputs(
        artifacts={
            "d": InputArtifact(path="/tmp/in"),
            "r": InputArtifact(path="/tmp/raw"),
            "o": InputArtifact(path="/tmp/opt", optional=True),
        }
    ),
    outputs=Outputs(
        parameters={
            n: OutputParameter(value_from_path=f"/tmp/outputs/{n}")
            for n in ("text", "empty", "opt")
        }
    ),
)


def test_artifacts_flow_between_steps_and_download(local_root, tmp_path):
    wf = Workflow(name="arts")
    make = Step("make", MAKE)
    read = Step(
        "read",
        READ,
        artifacts={"d": make.outputs.artifacts["dir"], "r": make.outputs.artifacts["raw"]},
    )
    wf.add(make)
    wf.add(read)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    (r,) = wf.query_step(name="read")
    assert out(r, "text") == "one two raw "
    assert out(r, "empty") == "yes" and out(r, "opt") == "none"
    (m,) = wf.query_step(name="make")
    key = m.outputs.artifacts["dir"].s3.key
    assert key == f"{wf.id}/{m.id}/dir.tgz"
    assert m.outputs.artifacts["raw"].s3.key == f"{wf.id}/{m.id}/raw"
    assert "maybe" not in m.outputs.artifacts
    # the global output names the same stored artifact
    assert wf.query_global_outputs().artifacts["made"].s3.key == key
    got = download_artifact(m.outputs.artifacts["dir"], path=tmp_path / "dl")
    files = sorted(str(f.relative_to(tmp_path / "dl")) for f in (tmp_path / "dl").rglob("*.txt"))
    assert files == ["a.txt", "sub/b.txt"] and got
    assert (tmp_path / "dl" / "sub" / "b.txt").read_text() == "two\n"


def test_dag_dependencies_depends_and_outputs(local_root):
    add = shell(
        "add",
        "mkdir -p /tmp/outputs; echo $(( {{inputs.parameters.a}} + 1 )) > /tmp/outputs/s",
        inputs=["a"],
        outputs=["s"],
    )
    fail = shell("fail", "exit 1")
    dag = DAG("diamond", outputs=Outputs(parameters={"s": OutputParameter()}))
    top = Task("top", add, parameters={"a": 1})
    left = Task("left", add, parameters={"a": top.outputs.parameters["s"]})
    right = Task("right", add, parameters={"a": 10}, dependencies=[top])
    bottom = Task(
        "bottom", add, parameters={"a": left.outputs.parameters["s"]}, dependencies=[right]
    )
    bad = Task("bad", fail, continue_on_failed=True)
    rescue = Task("rescue", add, parameters={"a": 100}, dependencies=["bad.Failed"])
    skipped = Task("skipped", add, parameters={"a": 0}, dependencies=["bad.Succeeded"])
    for t in (top, left, right, bottom, bad, rescue, skipped):
        dag.add(t)
    dag.outputs.parameters["s"].value_from_parameter = bottom.outputs.parameters["s"]
    wf = Workflow(name="dag", dag=dag)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert out(wf.query_step(name="bottom")[0], "s") == "4"
    assert out(wf.query_step(name="rescue")[0], "s") == "101"
    assert wf.query_step(name="skipped")[0].phase == "Omitted"
    (root,) = wf.query_step(type="DAG")
    assert out(root, "s") == "4"
    # bottom started only after right finished
    nodes = {n.displayName: n for n in wf.query_step(type="Pod")}
    assert nodes["bottom"].startedAt >= nodes["right"].finishedAt


def test_status_is_readable_from_a_fresh_engine(local_root):
    wf = Workflow(name="persist")
    wf.add(
        Step("one", shell("one", "mkdir -p /tmp/outputs; echo 7 > /tmp/outputs/x", outputs=["x"]))
    )
    wf.submit()
    # GIVEN a new engine object over the same root (as another process would build)
    data = LocalEngine(root=str(local_root)).get(wf.id)
    assert data["status"]["phase"] == "Succeeded"
    pods = [n for n in data["status"]["nodes"].values() if n["type"] == "Pod"]
    assert pods[0]["outputs"]["parameters"][0]["value"] == "7"
    assert [w["metadata"]["name"] for w in LocalEngine(root=str(local_root)).list()] == [wf.id]
