"""InputParameter(save_as_artifact=) and OutputParameter(save_as_artifact=, save_both=): big
values travel as files (dflow_bigpar_ artifacts), in script templates too."""

from __future__ import annotations

import pytest

from dflow import (
    InputParameter,
    Inputs,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
    Step,
    Workflow,
)
from dflow.errors import InvalidWorkflowError

MAKE = ShellOPTemplate(
    name="make",
    image="alpine",
    script="mkdir -p /tmp/outputs && seq 1 3 > /tmp/outputs/big && echo small > /tmp/outputs/both",
    outputs=Outputs(
        parameters={
            "big": OutputParameter(value_from_path="/tmp/outputs/big", save_as_artifact=True),
            "both": OutputParameter(value_from_path="/tmp/outputs/both", save_both=True),
        }
    ),
)
USE = ShellOPTemplate(
    name="use",
    image="alpine",
    script="mkdir -p /tmp/outputs && tr '\\n' , < /tmp/p > /tmp/outputs/joined",
    inputs=Inputs(parameters={"p": InputParameter(save_as_artifact=True, path="/tmp/p")}),
    outputs=Outputs(parameters={"joined": OutputParameter(value_from_path="/tmp/outputs/joined")}),
)


def test_big_values_travel_as_files(local_root, render):
    # the parameter travels as the artifact dflow_bigpar_<name>; checked against pydflow
    # 1.8.134: the parameters list it (``['big', 'both']``, ``['p']``), the artifacts do not
    # (``[]``, ``[]``)
    assert list(MAKE.outputs.artifacts) == [] and list(MAKE.outputs.parameters) == ["big", "both"]
    assert list(USE.inputs.artifacts) == [] and list(USE.inputs.parameters) == ["p"]
    wf = Workflow(name="saved-params")
    make = Step("make", MAKE)
    wf.add(make)
    wf.add(
        [
            Step("use", USE, parameters={"p": make.outputs.parameters["big"]}),
            Step("given", USE, parameters={"p": "x\ny\n"}),
        ]
    )
    render(wf)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="use")[0].outputs.parameters["joined"].value == "1,2,3,"
    assert wf.query_step(name="given")[0].outputs.parameters["joined"].value == "x,y,"
    made = wf.query_step(name="make")[0].outputs.parameters
    assert made["both"].value == "small"


def test_saved_parameters_need_their_file():
    with pytest.raises(InvalidWorkflowError, match="value_from_path"):
        Outputs(parameters={"o": OutputParameter(save_both=True)})
    with pytest.raises(InvalidWorkflowError, match="default"):
        Inputs(parameters={"p": InputParameter(value=1, save_as_artifact=True)})


def test_save_as_parameter_is_refused_by_name():
    from dflow import InputArtifact

    with pytest.raises(InvalidWorkflowError, match="save_as_parameter"):
        InputArtifact(path="/tmp/a", save_as_parameter=True)
