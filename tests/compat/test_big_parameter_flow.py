"""A big value flowing through a Steps template's own parameters makes them big (checked against
pydflow 1.8.134 in debug mode).

On the original, a Steps input given to a step's ``BigParameter`` input becomes big, so a big
output can then be passed to it; an output taking its value (``value_from_parameter``) from a
big one becomes big. Running ``_flow()`` there printed: status ``Succeeded``, the inner step's
outputs ``k`` = ``3``, ``x2`` = ``['a', 'b', 'c']``, ``y`` = ``['a', 'b', 'c', 'z']``, its
input ``x`` = ``['a', 'b', 'c']``, its output artifacts ``['dflow_bigpar_x2', 'dflow_bigpar_y']``,
and ``"x" in inner.inputs.parameters`` / ``"y" in inner.outputs.parameters`` both ``True``.
"""

from __future__ import annotations

from typing import List

import pytest

from dflow import (
    InputParameter,
    Inputs,
    OutputParameter,
    Outputs,
    Step,
    Steps,
    Workflow,
    if_expression,
)
from dflow.config import config, s3_config
from dflow.errors import InvalidWorkflowError
from dflow.python import OP, OPIO, BigParameter, OPIOSign, PythonOPTemplate


class Make(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"names": BigParameter(List[str])})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"names": ["a", "b", "c"]})


class Use(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"names": BigParameter(List[str])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"k": int, "out": BigParameter(List[str])})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"k": len(op_in["names"]), "out": op_in["names"] + ["z"]})


class Plain(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"names": List[str]})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"k": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"k": len(op_in["names"])})


def _inner() -> Steps:
    inner = Steps(
        "inner",
        inputs=Inputs(parameters={"x": InputParameter()}),
        outputs=Outputs(
            parameters={"y": OutputParameter(), "x2": OutputParameter(), "k": OutputParameter()}
        ),
    )
    use = Step("use", PythonOPTemplate(Use), parameters={"names": inner.inputs.parameters["x"]})
    inner.add(use)
    inner.outputs.parameters["y"].value_from_parameter = use.outputs.parameters["out"]
    inner.outputs.parameters["x2"].value_from_parameter = inner.inputs.parameters["x"]
    inner.outputs.parameters["k"].value_from_parameter = use.outputs.parameters["k"]
    return inner


def _flow(inner: Steps) -> Workflow:
    make = Step("make", PythonOPTemplate(Make))
    wf = Workflow("big-flow")
    wf.add(make)
    wf.add(Step("inner", inner, parameters={"x": make.outputs.parameters["names"]}))
    return wf


@pytest.fixture
def debug(tmp_path, monkeypatch):
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)


def test_a_steps_input_given_to_a_big_input_turns_big(render) -> None:
    inner = _inner()
    assert "x" in inner.inputs.parameters and "y" in inner.outputs.parameters
    assert inner.inputs.parameters["x"].save_as_artifact is True
    manifest = render(_flow(inner))
    entry, tmpl = (t for t in manifest["spec"]["templates"] if t.get("steps"))
    assert entry["steps"][1][0]["arguments"] == {
        "artifacts": [
            {
                "name": "dflow_bigpar_x",
                "from": "{{steps.make.outputs.artifacts.dflow_bigpar_names}}",
            }
        ]
    }
    assert tmpl["inputs"] == {"artifacts": [{"name": "dflow_bigpar_x"}]}
    assert tmpl["steps"][0][0]["arguments"]["artifacts"][0] == {
        "name": "dflow_bigpar_names",
        "from": "{{inputs.artifacts.dflow_bigpar_x}}",
    }
    outs = {a["name"]: a.get("from") for a in tmpl["outputs"]["artifacts"]}
    assert outs == {
        "dflow_bigpar_y": "{{steps.use.outputs.artifacts.dflow_bigpar_out}}",
        "dflow_bigpar_x2": "{{inputs.artifacts.dflow_bigpar_x}}",
    }
    assert [p["name"] for p in tmpl["outputs"]["parameters"]] == ["k"]


def test_the_converted_steps_runs_and_gives_typed_values(debug) -> None:
    wf = _flow(_inner())
    wf.submit()
    assert wf.query_status() == "Succeeded"
    step = wf.query_step(name="inner")[0]
    outs = step.outputs.parameters
    assert (outs["k"].value, outs["x2"].value, outs["y"].value) == (
        3,
        ["a", "b", "c"],
        ["a", "b", "c", "z"],
    )
    assert step.inputs.parameters["x"].value == ["a", "b", "c"]
    assert sorted(step.outputs.artifacts) == ["dflow_bigpar_x2", "dflow_bigpar_y"]


def _nested_flow() -> Workflow:
    # the order the original cannot follow (it fails this workflow): the outputs read the inputs
    # before anything is big, the outer step's big value is what turns them big
    nested = Steps(
        "nested",
        inputs=Inputs(parameters={"z": InputParameter()}),
        outputs=Outputs(parameters={"k": OutputParameter(), "z2": OutputParameter()}),
    )
    nested.outputs.parameters["z2"].value_from_parameter = nested.inputs.parameters["z"]
    use = Step("use", PythonOPTemplate(Use), parameters={"names": nested.inputs.parameters["z"]})
    nested.add(use)
    nested.outputs.parameters["k"].value_from_parameter = use.outputs.parameters["k"]
    inner = Steps(
        "inner",
        inputs=Inputs(parameters={"x": InputParameter()}),
        outputs=Outputs(
            parameters={"x2": OutputParameter(), "k": OutputParameter(), "z2": OutputParameter()}
        ),
    )
    inner.outputs.parameters["x2"].value_from_parameter = inner.inputs.parameters["x"]
    step = Step("nested", nested, parameters={"z": inner.inputs.parameters["x"]})
    inner.add(step)
    inner.outputs.parameters["k"].value_from_parameter = step.outputs.parameters["k"]
    inner.outputs.parameters["z2"].value_from_expression = if_expression(
        _if=step.outputs.parameters["k"] > 1,
        _then=step.outputs.parameters["z2"],
        _else=inner.inputs.parameters["x"],
    )
    return _flow(inner)


def test_a_big_value_given_to_a_steps_input_follows_into_nested_steps(render, debug) -> None:
    wf = _nested_flow()
    tmpls = {t["name"]: t for t in render(wf)["spec"]["templates"]}
    assert tmpls["nested"]["inputs"] == {"artifacts": [{"name": "dflow_bigpar_z"}]}
    z2 = next(a for a in tmpls["inner"]["outputs"]["artifacts"] if a["name"] == "dflow_bigpar_z2")
    assert z2["fromExpression"] == (
        "(asFloat(steps['nested'].outputs.parameters['k']) > 1 ? "
        "steps['nested'].outputs.artifacts['dflow_bigpar_z2'] : inputs.artifacts['dflow_bigpar_x'])"
    )
    wf.submit()
    assert wf.query_status() == "Succeeded"
    outs = wf.query_step(name="inner")[0].outputs.parameters
    assert (outs["k"].value, outs["x2"].value, outs["z2"].value) == (
        3,
        ["a", "b", "c"],
        ["a", "b", "c"],
    )


def test_a_big_value_cannot_reach_an_ops_plain_parameter(render) -> None:
    # a Steps input read by an OP's plain parameter cannot carry a big value: a clear error
    inner = Steps("inner", inputs=Inputs(parameters={"x": InputParameter()}))
    inner.add(
        Step("plain", PythonOPTemplate(Plain), parameters={"names": inner.inputs.parameters["x"]})
    )
    make = Step("make", PythonOPTemplate(Make))
    with pytest.raises(InvalidWorkflowError, match="step 'plain': input parameter 'names'"):
        Step("inner", inner, parameters={"x": make.outputs.parameters["names"]})


def test_a_big_global_output_is_a_global_parameter(debug) -> None:
    # checked against 1.8.134: query_global_outputs() has parameters ['gn', 'gnames'] (values
    # ['a', 'b', 'c'] as a list, and 3) and artifacts ['dflow_bigpar_gnames']
    template = PythonOPTemplate(Make)
    assert "names" in template.outputs.parameters and "names" not in template.inputs.parameters
    template.outputs.parameters["names"].global_name = "gnames"
    wf = Workflow("big-global")
    wf.add(Step("make", template))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    found = wf.query_global_outputs()
    assert sorted(found.parameters) == ["gnames"]
    assert sorted(found.artifacts) == ["dflow_bigpar_gnames"]
    assert found.parameters["gnames"].value == ["a", "b", "c"]


def test_a_big_input_is_in_its_templates_parameters() -> None:
    # checked against 1.8.134: "names" in PythonOPTemplate(Use).inputs.parameters is True
    template = PythonOPTemplate(Use)
    assert "names" in template.inputs.parameters and "out" in template.outputs.parameters
    assert template.inputs.parameters["names"].save_as_artifact is True
    assert template.inputs.parameters.get("names") is template.inputs.parameters["names"]
    assert (
        template.inputs.parameters.get("nope") is None and "nope" not in template.inputs.parameters
    )
