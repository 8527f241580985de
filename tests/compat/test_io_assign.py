"""Assigning a dict to ``tpl.inputs.parameters`` (and the other IO dicts) names its entries by key.

Checked against the original 1.8.134: after ``tpl.inputs.parameters = {"m": InputParameter()}``
and ``tpl.outputs.parameters = {"o": OutputParameter(value_from_path=...)}`` a step's
``outputs.parameters["o"]`` is a reference that a later step can take, and the workflow runs.
"""

from __future__ import annotations

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import (
    InputArtifact,
    InputParameter,
    OutputArtifact,
    OutputParameter,
    ShellOPTemplate,
    Step,
    Steps,
    Workflow,
)
from dflow.errors import InvalidWorkflowError


def make():
    tpl = ShellOPTemplate(
        name="copy",
        image="alpine:3",
        script="mkdir -p /tmp/out && (cat /tmp/in/f 2>/dev/null || true) > /tmp/out/f && "
        "echo {{inputs.parameters.m}} >> /tmp/out/f && echo {{inputs.parameters.m}} > /tmp/o",
    )
    tpl.inputs.parameters = {"m": InputParameter()}
    tpl.inputs.artifacts = {"i": InputArtifact(path="/tmp/in", optional=True)}
    tpl.outputs.parameters = {"o": OutputParameter(value_from_path="/tmp/o")}
    tpl.outputs.artifacts = {"a": OutputArtifact(path="/tmp/out")}
    return tpl


def test_assigned_dicts_name_their_entries(render):
    tpl = make()
    assert tpl.inputs.parameters["m"].name == "m"
    assert tpl.outputs.artifacts["a"].name == "a"
    first = Step("first", tpl, parameters={"m": 1})
    second = Step(
        "second",
        tpl,
        parameters={"m": first.outputs.parameters["o"]},
        artifacts={"i": first.outputs.artifacts["a"]},
    )
    wf = Workflow("assign", steps=Steps("main", steps=[first, second]))
    manifest = render(wf)
    args = manifest["spec"]["templates"][0]["steps"][1][0]["arguments"]
    assert args["parameters"] == [{"name": "m", "value": "{{steps.first.outputs.parameters.o}}"}]
    assert args["artifacts"][0]["from"] == "{{steps.first.outputs.artifacts.a}}"


def test_steps_outputs_assigned_as_a_dict(render):
    tpl = make()
    inner = Steps("inner")
    step = Step("s", tpl, parameters={"m": 2})
    inner.add(step)
    inner.outputs.parameters = {
        "o": OutputParameter(value_from_parameter=step.outputs.parameters["o"])
    }
    inner.outputs.artifacts = {"a": OutputArtifact(_from=step.outputs.artifacts["a"])}
    outer = Step("outer", inner)
    assert str(outer.outputs.parameters["o"]) == "{{steps.outer.outputs.parameters.o}}"
    body = next(
        t
        for t in render(Workflow("w", steps=Steps("m", steps=[outer])))["spec"]["templates"]
        if t["name"] == "inner"
    )
    assert body["outputs"]["parameters"][0]["valueFrom"]["parameter"] == (
        "{{steps.s.outputs.parameters.o}}"
    )


@pytest.mark.usefixtures("debug")
def test_assigned_dicts_run_on_the_local_engine():
    tpl = make()
    first = Step("first", tpl, parameters={"m": 1})
    second = Step(
        "second",
        tpl,
        parameters={"m": first.outputs.parameters["o"]},
        artifacts={"i": first.outputs.artifacts["a"]},
    )
    wf = Workflow("assign-run")
    wf.add(first)
    wf.add(second)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="second")[0].outputs.parameters["o"].value == "1"


def test_bad_entries_are_refused():
    tpl = make()
    with pytest.raises(InvalidWorkflowError, match="input parameter 'p' must be a InputParameter"):
        tpl.inputs.parameters = {"p": "not a parameter"}
    with pytest.raises(InvalidWorkflowError, match="must be a dict keyed by name"):
        tpl.outputs.artifacts = [OutputArtifact(path="/tmp/x")]  # type: ignore[assignment]
    tpl.inputs.parameters.update({"q": InputParameter(value=3)})
    assert tpl.inputs.parameters["q"].name == "q"
