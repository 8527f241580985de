"""Workflow.from_dict/from_yaml/from_json rebuild a workflow that renders the same manifest."""

from __future__ import annotations

import pytest
from render_helpers import echo_template

from dflow import DAG, InvalidWorkflowError, Step, Task, Workflow, argo_range, argo_sequence


def _rich_workflow() -> Workflow:
    t = echo_template()
    wf = Workflow("rich", labels={"a": "b"}, parallelism=2)
    a = Step("a", t, parameters={"msg": "x"}, key="a-key", timeout=7)
    wf.add(a)
    wf.add(
        [
            Step(
                "b",
                t,
                parameters={"msg": "{{item}}"},
                with_param=argo_range(3),
                continue_on_num_success=2,
            ),
            Step(
                "c",
                t,
                parameters={"msg": "{{item}}"},
                with_sequence=argo_sequence(2),
                when=a.outputs.parameters["out"] == "x",
            ),
            Step(
                "d",
                t,
                parameters={"msg": "{{item}}"},
                with_items=[1, 2],
                artifacts={"data": a.outputs.artifacts["f"]},
            ),
        ]
    )
    dag = DAG("g")
    t1 = Task("t1", t, parameters={"msg": "1"})
    dag.add(
        [
            t1,
            Task(
                "t2",
                t,
                parameters={"msg": t1.outputs.parameters["out"]},
                dependencies=["t1.Succeeded"],
            ),
        ]
    )
    wf.add(Step("sub", dag))
    return wf


def test_round_trip_dict_yaml_json():
    wf = _rich_workflow()
    manifest = wf.to_dict()
    assert Workflow.from_dict(manifest).to_dict() == manifest
    assert Workflow.from_yaml(wf.to_yaml()).to_dict() == manifest
    assert Workflow.from_json(wf.to_json()).to_dict() == manifest


def test_unsupported_field_is_named():
    manifest = _rich_workflow().to_dict()
    manifest["spec"]["templates"][1]["hostAliases"] = []
    with pytest.raises(InvalidWorkflowError, match="field 'hostAliases' is not supported"):
        Workflow.from_dict(manifest)
