"""Slices given to templates after they are built: ``PythonOPTemplate.set_slices``,
``add_slices``, ``get_slices``, ``set_skip_slice_input``, and ``Steps.add_slices`` /
``DAG.add_slices`` (what ``Step(template=steps, slices=...)`` runs).

Checked against 1.8.134 (debug mode, the OP module on ``PYTHONPATH``): a fanned-out step over a
Steps sliced on an input parameter ``xs`` = [1, 2, 3] and an input artifact ``fs`` (three files)
runs its inner steps once per item, each with its part: ``dbl`` gave 2, 4, 6 and ``read`` gave
file0, file1, file2 (the original wraps each as ``[{"dflow_list_item": v, "order": i}]``); a Steps
around a DAG around the OP (slices at layer 1) gave 20, 40 for [10, 20]; a Steps output artifact
sliced over three items, read by a later step as a list, gave ['10', '20', '30'].
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import (
    DAG,
    InputArtifact,
    InputParameter,
    OutputArtifact,
    OutputParameter,
    Step,
    Steps,
    Task,
    Workflow,
    argo_range,
)
from dflow.errors import InvalidWorkflowError
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices


class Double(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": int})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"y": 2 * op_in["x"]})


class Show(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": Any})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"s": str})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"s": repr(op_in["x"])})


class Write(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"f": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in):
        path = Path(f"out{op_in['x']}.txt")
        path.write_text(str(op_in["x"] * 10))
        return OPIO({"f": path})


class Collect(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"fs": Artifact(List[Path])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"texts": List[str]})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"texts": [Path(p).read_text() for p in op_in["fs"]]})


class ReadF(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"f": Artifact(Path)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"text": str})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"text": Path(op_in["f"]).read_text()})


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
            path.write_text(f"file{i}")
            out.append(path)
        return OPIO({"files": out})


def _values(wf: Workflow, name: str, key: str) -> List[str]:
    return sorted(str(s.outputs.parameters[key].value) for s in wf.query_step(name=name))


def test_get_slices_turns_item_tags_into_inputs():
    # checked against 1.8.134: these texts, and inputs dflow_var_0 = "{{item}}",
    # dflow_var_1 = "{{item.a}}"
    t = PythonOPTemplate(Double, image="python:3.11")
    assert t.get_slices({"x": "{{item}}"}, "x") == "{{inputs.parameters.dflow_var_0}}"
    assert t.get_slices({"x": "{{item}}"}, "x") == "{{inputs.parameters.dflow_var_0}}"
    assert (
        t.get_slices({"x": "[{{item.a}}, {{item}}]"}, "x")
        == "[{{inputs.parameters.dflow_var_1}}, {{inputs.parameters.dflow_var_0}}]"
    )
    assert t.get_slices({"x": 3}, "x") == 3
    assert t.get_slices({}, "x") is None and t.get_slices(None, "x") is None
    assert t.inputs.parameters["dflow_var_0"].value == "{{item}}"
    assert t.inputs.parameters["dflow_var_1"].value == "{{item.a}}"


def test_set_skip_slice_input_adds_its_input():
    # checked against 1.8.134: skip_slice_input True, input dflow_skip_slice_input = 0
    t = PythonOPTemplate(Double, image="python:3.11")
    t.set_skip_slice_input()
    assert t.skip_slice_input is True
    assert t.inputs.parameters["dflow_skip_slice_input"].value == 0


def test_set_slices_and_add_slices(render):
    # checked against 1.8.134: set_slices(s) then slices is s; set_slices(None) slices nothing
    t = PythonOPTemplate(Double, image="python:3.11")
    t.set_slices(Slices("{{item}}", input_parameter=["x"]))
    assert t.slices.slices == "{{item}}" and t.slices.input_parameter == ["x"]
    t.add_slices(Slices("{{item}}", output_parameter=["y"]))
    assert t.slices.input_parameter == ["x"] and t.slices.output_parameter == ["y"]
    with pytest.raises(InvalidWorkflowError, match="one index"):
        t.add_slices(Slices("{{item.order}}", input_parameter=["x"]))
    t.set_slices(None)
    assert t.slices is None
    with pytest.raises(Exception, match="nope"):
        t.set_slices(Slices(input_parameter=["nope"]))


@pytest.mark.usefixtures("debug")
def test_set_slices_then_a_fan_out_takes_one_part_each():
    t = PythonOPTemplate(Double, image="python:3.11")
    t.set_slices(Slices("{{item}}", input_parameter=["x"], output_parameter=["y"]))
    wf = Workflow(name="set-slices")
    wf.add(Step("dbl", t, parameters={"x": [3, 4]}, with_param=argo_range(2)))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert _values(wf, "dbl", "y") == ["6", "8"]


def _sliceable_steps() -> Steps:
    inner = Steps("inner")
    inner.inputs.parameters["xs"] = InputParameter()
    inner.inputs.artifacts["fs"] = InputArtifact()
    dbl = Step(
        "dbl",
        PythonOPTemplate(Double, image="python:3.11"),
        parameters={"x": inner.inputs.parameters["xs"]},
    )
    read = Step(
        "read",
        PythonOPTemplate(ReadF, image="python:3.11"),
        artifacts={"f": inner.inputs.artifacts["fs"]},
    )
    inner.add([dbl, read])
    inner.outputs.parameters["y"] = OutputParameter(
        value_from_parameter=dbl.outputs.parameters["y"]
    )
    return inner


@pytest.mark.usefixtures("debug")
def test_a_sliced_steps_fans_out_its_inner_steps(render):
    inner = _sliceable_steps()
    main = Steps("main")
    make = Step("make", PythonOPTemplate(Make, image="python:3.11"), parameters={"n": 3})
    main.add(make)
    slices = Slices(input_parameter=["xs"], input_artifact=["fs"], output_parameter=["y"])
    main.add(
        Step(
            "outer",
            inner,
            parameters={"xs": [1, 2, 3]},
            artifacts={"fs": make.outputs.artifacts["files"]},
            slices=slices,
            with_param=argo_range(3),
        )
    )
    wf = Workflow(name="sliced-steps", steps=main)
    manifest = render(wf)  # valid for Argo's schema
    names = {t["name"] for t in manifest["spec"]["templates"]}
    assert "inner-outer" in names and "inner" not in names  # the step runs a sliced copy
    assert "dflow_slice" not in inner.inputs.parameters  # the user's Steps is left as it was
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert len(wf.query_step(name="outer")) == 3
    assert _values(wf, "dbl", "y") == ["2", "4", "6"]
    assert _values(wf, "read", "text") == ["file0", "file1", "file2"]


@pytest.mark.usefixtures("debug")
def test_slices_reach_an_op_two_layers_down():
    dag = DAG("inner-dag")
    dag.inputs.parameters["xs"] = InputParameter()
    dbl = Task(
        "dbl",
        PythonOPTemplate(Double, image="python:3.11"),
        parameters={"x": dag.inputs.parameters["xs"]},
    )
    dag.add(dbl)
    dag.outputs.parameters["y"] = OutputParameter(value_from_parameter=dbl.outputs.parameters["y"])
    mid = Steps("mid")
    mid.inputs.parameters["xs"] = InputParameter()
    mid.add(Step("to-dag", dag, parameters={"xs": mid.inputs.parameters["xs"]}))
    main = Steps("main")
    main.add(
        Step(
            "outer",
            mid,
            parameters={"xs": [10, 20]},
            slices=Slices(input_parameter=["xs"]),
            with_param=argo_range(2),
        )
    )
    wf = Workflow(name="two-layers", steps=main)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert _values(wf, "dbl", "y") == ["20", "40"]


def test_steps_add_slices_changes_the_steps_in_place():
    # checked against 1.8.134: the Steps takes dflow_slice ("None") and dflow_skip_slice_input
    # (0); the inner step passes dflow_slice_1 and dflow_skip_slice_input on; its template
    # slices x by "{{inputs.parameters.dflow_slice_1}}" and takes both inputs
    inner = _sliceable_steps()
    inner.add_slices(Slices(input_parameter=["xs"]))
    assert inner.inputs.parameters["dflow_slice"].value == "None"
    assert inner.inputs.parameters["dflow_skip_slice_input"].value == 0
    dbl = inner.steps[0][0]
    assert dbl.parameters["dflow_slice_1"] == "{{inputs.parameters.dflow_slice}}"
    assert dbl.parameters["dflow_skip_slice_input"] == (
        "{{inputs.parameters.dflow_skip_slice_input}}"
    )
    assert dbl.template.slices.slices == "{{inputs.parameters.dflow_slice_1}}"
    assert dbl.template.slices.input_parameter == ["x"]
    assert {"dflow_slice_1", "dflow_skip_slice_input"} <= set(dbl.template.inputs.parameters)
    read = inner.steps[0][1]
    assert read.template.slices is None  # fs is not sliced
    dag = DAG("d")
    dag.inputs.parameters["xs"] = InputParameter()
    dag.add(
        Task(
            "t",
            PythonOPTemplate(Double, image="python:3.11"),
            parameters={"x": dag.inputs.parameters["xs"]},
        )
    )
    dag.add_slices(Slices(input_parameter=["xs"]), layer=2)
    assert dag.inputs.parameters["dflow_slice_2"].value == "None"
    assert dag.tasks[0].parameters["dflow_slice_3"] == "{{inputs.parameters.dflow_slice_2}}"
    with pytest.raises(InvalidWorkflowError, match="nope"):
        dag.add_slices(Slices(input_parameter=["nope"]))


@pytest.mark.usefixtures("debug")
def test_skip_slice_input_hands_the_input_whole():
    # GIVEN a Steps sliced in place, whose step passes dflow_skip_slice_input=1 / the default
    steps = Steps("inner")
    steps.inputs.parameters["xs"] = InputParameter()
    steps.add(
        Step(
            "show",
            PythonOPTemplate(Show, image="python:3.11"),
            parameters={"x": steps.inputs.parameters["xs"]},
        )
    )
    steps.add_slices(Slices(input_parameter=["xs"]))
    main = Steps("main")
    main.add(
        Step(
            "whole", steps, parameters={"xs": [5, 6], "dflow_slice": 1, "dflow_skip_slice_input": 1}
        )
    )
    main.add(Step("part", steps, parameters={"xs": [5, 6], "dflow_slice": 1}))
    main.add(Step("unsliced", steps, parameters={"xs": [5, 6]}))  # dflow_slice "None"
    wf = Workflow(name="skip", steps=main)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    # THEN skipping gives the list, the default its part, "None" the whole list
    assert _values(wf, "show", "s") == ["6", "[5, 6]", "[5, 6]"]


@pytest.mark.parametrize("kind", [Steps, DAG])
@pytest.mark.usefixtures("debug")
def test_a_sliced_output_artifact_stacks_the_items(kind, render):
    # GIVEN a Steps (or DAG) whose output artifact comes from a Python OP step inside it
    inner = kind("inner")
    inner.inputs.parameters["xs"] = InputParameter()
    node = Step if kind is Steps else Task
    write = node(
        "write",
        PythonOPTemplate(Write, image="python:3.11"),
        parameters={"x": inner.inputs.parameters["xs"]},
    )
    inner.add(write)
    inner.outputs.artifacts["f"] = OutputArtifact(_from=write.outputs.artifacts["f"])
    # WHEN a fanned-out step slices it and a later step (a task of a DAG) reads it as a list
    outer_dag = DAG("main")
    outer = Task(
        "outer",
        inner,
        parameters={"xs": [1, 2, 3]},
        slices=Slices(input_parameter=["xs"], output_artifact=["f"]),
        with_param=argo_range(3),
    )
    collect = Task(
        "collect",
        PythonOPTemplate(Collect, image="python:3.11"),
        artifacts={"fs": outer.outputs.artifacts["f"]},
    )
    outer_dag.add([outer, collect])
    wf = Workflow(name="stacked", dag=outer_dag)
    manifest = render(wf)
    (main,) = [t for t in manifest["spec"]["templates"] if t["name"] == "main"]
    tasks = {t["name"]: t for t in main["dag"]["tasks"]}
    # the reader waits for the stack: written by the items, or empty by the init task
    assert tasks["collect"]["depends"] == "(outer-init-artifact)"
    assert tasks["outer-init-artifact"]["depends"] == "(outer)"
    assert tasks["outer-init-artifact"]["when"] == "{{tasks.outer.status}} == Skipped"
    wf.submit()
    # THEN it gets every item's file, in item order
    assert wf.query_status() == "Succeeded"
    texts = wf.query_step(name="collect")[0].outputs.parameters["texts"].value
    assert texts == ["10", "20", "30"]
