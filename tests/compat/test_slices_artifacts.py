"""Slices with artifacts in a DAG, in a recursive Steps loop, and as a Steps/DAG output artifact.

Checked against the original 1.8.134 (debug mode, with the OP module on ``PYTHONPATH``): a DAG
task ``make`` writes three files, a sliced task ``dbl`` doubles each (``Slices("{{item}}",
input_artifact=["f"], output_artifact=["g"], output_parameter=["v"])``), the DAG's output artifact
is ``dbl``'s stacked ``g``, and the workflow succeeds. A task taking the stacked artifact waits for
the sliced task (ours used to start it at once: "no artifact at key ..."); a Steps/DAG output
artifact taken from a sliced step is its stored stack (ours used to fail with "'from' must be one
{{...}} reference").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import (
    DAG,
    InputArtifact,
    InputParameter,
    OutputArtifact,
    Step,
    Steps,
    Task,
    Workflow,
    argo_range,
)
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices

pytestmark = pytest.mark.usefixtures("debug")


class Make(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"n": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"files": Artifact(List[Path])})

    @OP.exec_sign_check
    def execute(self, op_in):
        out = []
        for i in range(op_in["n"]):
            path = Path(f"f{i}.txt")
            path.write_text(str(i + 1))
            out.append(path)
        return OPIO({"files": out})


class Double(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"f": Artifact(Path)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"g": Artifact(Path), "v": int})

    @OP.exec_sign_check
    def execute(self, op_in):
        value = int(Path(op_in["f"]).read_text()) * 2
        # a name of its own: the items' stacked files keep their paths, as in the original
        Path(f"g{value}.txt").write_text(str(value))
        return OPIO({"g": Path(f"g{value}.txt"), "v": value})


class Sum(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"gs": Artifact(List[Path])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"s": int})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"s": sum(int(Path(p).read_text()) for p in op_in["gs"])})


MAKE = PythonOPTemplate(Make, image="python:3.11")
DOUBLE = PythonOPTemplate(
    Double,
    image="python:3.11",
    slices=Slices("{{item}}", input_artifact=["f"], output_artifact=["g"], output_parameter=["v"]),
)
SUM = PythonOPTemplate(Sum, image="python:3.11")


def test_sliced_artifacts_in_a_dag(render):
    dag = DAG("d")
    make = Task("make", MAKE, parameters={"n": 3})
    dbl = Task(
        "dbl", DOUBLE, artifacts={"f": make.outputs.artifacts["files"]}, with_param=argo_range(3)
    )
    total = Task("sum", SUM, artifacts={"gs": dbl.outputs.artifacts["g"]})
    dag.add([make, dbl, total])
    dag.outputs.artifacts["out"] = OutputArtifact(_from=dbl.outputs.artifacts["g"])
    outer = Steps("outer")
    inner = Step("inner", dag)
    outer.add(inner)
    outer.add(Step("again", SUM, artifacts={"gs": inner.outputs.artifacts["out"]}))
    wf = Workflow("slices-dag", steps=outer)
    manifest = render(wf)  # valid for Argo's schema
    (d,) = [t for t in manifest["spec"]["templates"] if t["name"] == "d"]
    assert d["outputs"]["artifacts"] == [
        {
            "name": "out",
            "s3": {"key": "{{workflow.name}}/dflow-stacked/{{=sprig.sha1sum(node.name)}}/dbl/g"},
        }
    ]
    tasks = {t["name"]: t for t in d["dag"]["tasks"]}
    assert tasks["sum"]["depends"] == "(dbl-init-artifact)"  # which waits for dbl
    assert tasks["dbl-init-artifact"]["depends"] == "(dbl)"
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="sum")[0].outputs.parameters["s"].value == 12
    assert wf.query_step(name="again")[0].outputs.parameters["s"].value == 12


def test_sliced_artifacts_in_a_recursive_steps_loop():
    loop = Steps("loop")
    loop.inputs.parameters["i"] = InputParameter()
    loop.inputs.artifacts["f"] = InputArtifact()
    dbl = Step("dbl", DOUBLE, artifacts={"f": loop.inputs.artifacts["f"]}, with_param=argo_range(3))
    loop.add(dbl)
    loop.add(
        Step(
            "next",
            loop,
            parameters={"i": "{{=asInt(inputs.parameters.i) + 1}}"},
            artifacts={"f": dbl.outputs.artifacts["g"]},
            when="{{inputs.parameters.i}} < 2",
        )
    )
    main = Steps("main")
    make = Step("make", MAKE, parameters={"n": 3})
    main.add(make)
    main.add(
        Step("start", loop, parameters={"i": 0}, artifacts={"f": make.outputs.artifacts["files"]})
    )
    wf = Workflow("slices-loop", steps=main)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    values = sorted(s.outputs.parameters["v"].value for s in wf.query_step(name="dbl"))
    assert values == [2, 4, 4, 6, 8, 8, 12, 16, 24]


def test_workflow_output_artifacts_from_steps():
    main = Steps("main")
    make = Step("make", MAKE, parameters={"n": 2})
    main.add(make)
    dbl = Step(
        "dbl", DOUBLE, artifacts={"f": make.outputs.artifacts["files"]}, with_param=argo_range(2)
    )
    main.add(dbl)
    main.outputs.artifacts["files"] = OutputArtifact(
        _from=make.outputs.artifacts["files"], global_name="made"
    )
    main.outputs.artifacts["doubled"] = OutputArtifact(
        _from=dbl.outputs.artifacts["g"], global_name="doubled"
    )
    wf = Workflow("wf-outputs", steps=main)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    outputs = wf.query_global_outputs()
    assert set(outputs.artifacts) == {"made", "doubled"}
    key = outputs.artifacts["doubled"].s3.key  # this run's stack: its node's digest
    assert re.fullmatch(r"wf-outputs-\w+/dflow-stacked/[0-9a-f]{40}/dbl/g", key), key
