"""``OP``'s artifact keys and links inside a step, ``OP.superfunction`` and
``OP.exec_sign_check(func)``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import Step, Steps, Workflow, upload_artifact
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate
from dflow.python.errors import TypeCheckError

ARGO_TEMPLATE = {
    "name": "t",
    "inputs": {
        "artifacts": [
            {"name": "x", "path": "/tmp/x", "s3": {"key": "up/x.tgz"}},
            {"name": "d", "path": "/tmp/d", "s3": {"key": "up/dir"}},
        ]
    },
    "outputs": {
        "artifacts": [
            {"name": "y", "path": "/tmp/y"},
            {"name": "n", "path": "/tmp/n", "archive": {"none": {}}},
            {"name": "k", "path": "/tmp/k", "s3": {"key": "saved/k"}},
        ]
    },
    "archiveLocation": {"archiveLogs": True, "s3": {"key": "wf/wf-123"}},
}
BROWSE = "http://127.0.0.1:9001/buckets/my-bucket/browse/"


class Keys(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": Artifact(Path)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": Artifact(Path), "in_key": str, "out_key": str, "in_link": str})

    @OP.exec_sign_check
    def execute(self, op_in):
        Path("y.txt").write_text("y")
        return OPIO(
            {
                "y": Path("y.txt"),
                "in_key": self.get_input_artifact_storage_key("x"),
                "out_key": self.get_output_artifact_storage_key("y"),
                "in_link": self.get_input_artifact_link("x"),
            }
        )


SUM_OUT = {"c": int}
DOUBLE_OUT = {"y": int}


@OP.function(image="python:3.11")
def add(a: int, b: int) -> SUM_OUT:
    return {"c": a + b}


@OP.function(image="python:3.11")
def double(x: int) -> DOUBLE_OUT:
    return {"y": 2 * x}


@OP.superfunction
def add_then_double(a: int, b: int = 3) -> DOUBLE_OUT:
    return double(x=add(a=a, b=b)["c"])


def test_artifact_keys_and_links_read_the_pods_template(monkeypatch):
    # checked against 1.8.134 with the same $ARGO_TEMPLATE: these keys and links
    monkeypatch.setenv("ARGO_TEMPLATE", json.dumps(ARGO_TEMPLATE))
    op = Keys()
    assert op.get_input_artifact_storage_key("x") == "up/x.tgz"
    assert op.get_input_artifact_link("x") == BROWSE + "dXAveC50Z3o="
    assert op.get_input_artifact_storage_key("d") == "up/dir"
    assert op.get_input_artifact_link("d") == BROWSE + "dXAvZGlyLw=="
    assert op.get_output_artifact_storage_key("y") == "wf/wf-123/y.tgz"
    assert op.get_output_artifact_link("y") == BROWSE + "d2Yvd2YtMTIzL3kudGd6"
    assert op.get_output_artifact_storage_key("n") == "wf/wf-123/n"
    assert op.get_output_artifact_link("n") == BROWSE + "d2Yvd2YtMTIzL24v"
    assert op.get_output_artifact_storage_key("k") == "saved/k"
    assert op.get_output_artifact_link("k") == BROWSE + "c2F2ZWQvay8="


@pytest.mark.usefixtures("debug")
def test_artifact_keys_inside_a_step_of_the_local_engine(tmp_path, monkeypatch):
    # GIVEN a step whose OP asks for its artifacts' keys (the original's debug mode has no
    # $ARGO_TEMPLATE: the step fails there) WHEN run THEN the keys are where they are stored
    monkeypatch.chdir(tmp_path)
    Path("x.txt").write_text("x")
    art = upload_artifact("x.txt")
    wf = Workflow(name="links")
    wf.add(Step("keys", PythonOPTemplate(Keys, image="python:3.11"), artifacts={"x": art}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    step = wf.query_step(name="keys")[0]
    params = step.outputs.parameters
    assert params["in_key"].value == art.key
    assert params["out_key"].value == step.outputs.artifacts["y"].s3.key
    assert params["in_link"].value.startswith(BROWSE)


def test_artifact_keys_outside_a_step_say_so(monkeypatch):
    monkeypatch.delenv("ARGO_TEMPLATE", raising=False)
    with pytest.raises(Exception, match="ARGO_TEMPLATE"):
        Keys().get_input_artifact_storage_key("x")


def test_superfunction_builds_a_dag_of_the_ops_it_calls(render):
    # checked against 1.8.134 (rendered): a DAG "add-then-double" with inputs a, b (value "3"),
    # tasks add-<r> and double-<r>, and output y from double's y
    dag = add_then_double
    assert dag.name == "add-then-double"
    assert sorted(dag.inputs.parameters) == ["a", "b"]
    assert dag.inputs.parameters["b"].value == 3
    assert [t.template.op_class.__name__ for t in dag.tasks] == ["add", "double"]
    steps = Steps("main")
    with steps:
        out = add_then_double(a=4)
    assert set(out) == {"y"}
    manifest = render(Workflow(name="sf", steps=steps))
    (t,) = [x for x in manifest["spec"]["templates"] if x["name"] == "add-then-double"]
    double_task = t["dag"]["tasks"][1]["name"]
    assert t["outputs"]["parameters"][0]["valueFrom"] == {
        "parameter": "{{tasks.%s.outputs.parameters.y}}" % double_task
    }


@pytest.mark.usefixtures("debug")
def test_superfunction_runs_on_the_local_engine():
    # GIVEN two calls of a superfunction, one through use(key=...) WHEN run THEN (a + b) * 2
    steps = Steps("main")
    with steps:
        add_then_double(a=4)
        add_then_double.use(key="k-two")(5, b=1)
    wf = Workflow(name="sf", steps=steps)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    doubled = sorted(
        s.outputs.parameters["y"].value
        for s in wf.query_step()
        if s.type == "Pod" and s.templateName.startswith("double")
    )
    assert doubled == [12, 14]
    assert [s.key for s in wf.query_step() if s.key] == ["k-two"]


def test_superfunction_outside_a_block_is_an_error():
    with pytest.raises(Exception, match="with"):
        add_then_double(a=1)


def test_exec_sign_check_takes_func():
    # checked against 1.8.134: OP.exec_sign_check(func) wraps and checks the signs
    class Echo(OP):
        @classmethod
        def get_input_sign(cls):
            return OPIOSign({"a": int})

        @classmethod
        def get_output_sign(cls):
            return OPIOSign({"a": int})

        def execute(self, op_in):
            return op_in

    checked = OP.exec_sign_check(func=Echo.execute)
    assert checked(Echo(), OPIO({"a": 1})) == OPIO({"a": 1})
    with pytest.raises(TypeCheckError):
        checked(Echo(), OPIO({"a": "x"}))
