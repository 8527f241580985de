"""``query_step`` / ``get_step`` filters and ``query_step_by_key`` answer as the original's.

Checked against the original 1.8.134: on Argo its ``get_step`` keeps a node when its display name
is one of the names given or starts with ``name + "("`` (so ``name="step1"`` finds ``step1`` and
its fan-out items, never ``step10``; ours also takes a regular expression matching the whole
name, ``"^a$"``, ``"step1.*"``, which the original finds nothing for); a list of names, keys,
phases, ids or types is accepted; nodes whose ``startedAt`` is null are left out; ``parent_id``
keeps the nodes under that node, generation by generation, not past its outbound nodes (the node
itself when it is no Steps/DAG);
``query_step_by_key(keys)`` finds the keyed steps. The node types and phases are Argo's: a Steps
fan-out's items hang under the StepGroup, a DAG fan-out's under a ``TaskGroup`` node named as the
task. (Its debug mode answers differently - fan-out items named without their ``(i:item)``, only
pods and composite steps - and fails on nested templates; Argo's answers win.)
"""

from __future__ import annotations

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import (
    DAG,
    InputParameter,
    OutputParameter,
    ShellOPTemplate,
    Step,
    Task,
    Workflow,
    argo_range,
)
from dflow.argo_objects import ArgoWorkflow

ECHO = ShellOPTemplate(
    name="echo", image="alpine:3", script="echo {{inputs.parameters.m}} > /tmp/o"
)
ECHO.inputs.parameters = {"m": InputParameter()}
ECHO.outputs.parameters = {"o": OutputParameter(value_from_path="/tmp/o")}


def shown(steps):
    return sorted((s.displayName, s.type, s.phase) for s in steps)


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    from dflow.config import config, s3_config
    from dflow.storage import LocalClient

    root = tmp_path_factory.mktemp("queries")
    saved = dict(config), dict(s3_config)
    config.update(mode="debug", debug_workdir=str(root), detach=False)
    s3_config["storage_client"] = LocalClient(str(root / "artifacts"))
    try:
        wf = Workflow("q")
        wf.add(
            [
                Step("step1", ECHO, parameters={"m": 1}, key="k-1"),
                Step("step10", ECHO, parameters={"m": 10}, key="k-10"),
            ]
        )
        wf.add(
            Step(
                "fan",
                ECHO,
                parameters={"m": "{{item}}"},
                with_param=argo_range(2),
                key="fan-{{item}}",
            )
        )
        inner = DAG("inner")
        inner.add(Task("ta", ECHO, parameters={"m": 5}))
        inner.add(Task("tb", ECHO, parameters={"m": "{{item}}"}, with_param=argo_range(2)))
        wf.add(Step("sub", inner))
        wf.submit()
        assert wf.query_status() == "Succeeded"
        yield wf
    finally:
        config.clear()
        config.update(saved[0])
        s3_config.clear()
        s3_config.update(saved[1])


def test_name_is_exact_or_a_fan_out_item(ran):
    assert shown(ran.query_step(name="step1")) == [("step1", "Pod", "Succeeded")]
    assert shown(ran.query_step(name="fan")) == [
        ("fan(0:0)", "Pod", "Succeeded"),
        ("fan(1:1)", "Pod", "Succeeded"),
    ]
    assert shown(ran.query_step(name=["step1", "fan"])) == [
        ("fan(0:0)", "Pod", "Succeeded"),
        ("fan(1:1)", "Pod", "Succeeded"),
        ("step1", "Pod", "Succeeded"),
    ]
    assert shown(ran.query_step(name="step1.*")) == [  # a regex matches the whole name
        ("step1", "Pod", "Succeeded"),
        ("step10", "Pod", "Succeeded"),
    ]
    assert shown(ran.query_step(name="tb")) == [
        ("tb", "TaskGroup", "Succeeded"),
        ("tb(0:0)", "Pod", "Succeeded"),
        ("tb(1:1)", "Pod", "Succeeded"),
    ]


def test_keys_and_query_step_by_key(ran):
    assert shown(ran.query_step(key="k-1")) == [("step1", "Pod", "Succeeded")]
    assert shown(ran.query_step(key=["fan-0", "k-10"])) == [
        ("fan(0:0)", "Pod", "Succeeded"),
        ("step10", "Pod", "Succeeded"),
    ]
    assert shown(ran.query_step_by_key("fan-1")) == [("fan(1:1)", "Pod", "Succeeded")]
    assert shown(ran.query_step_by_key(["k-1"], name="step10")) == []


def test_types_and_parent_id(ran):
    pods = ran.query_step(type="Pod")
    assert {s.displayName for s in pods} == {
        "step1",
        "step10",
        "fan(0:0)",
        "fan(1:1)",
        "ta",
        "tb(0:0)",
        "tb(1:1)",
    }
    groups = shown(ran.query_step(type=["StepGroup"]))
    assert groups == [(f"[{i}]", "StepGroup", "Succeeded") for i in range(3)]
    sub = ran.query_step(name="sub")[0]
    assert sub.type == "DAG"
    under = [s.displayName for s in ran.query_step(parent_id=sub.id)]
    assert under[:2] == ["ta", "tb"] and sorted(under[2:]) == ["tb(0:0)", "tb(1:1)"]
    info = ran.query()
    assert [s.displayName for s in info.get_step(parent_id=sub.id, type="Pod")] == [
        "ta",
        "tb(0:0)",
        "tb(1:1)",
    ]
    leaf = ran.query_step(name="step1")[0]
    assert [s.id for s in info.get_step(parent_id=leaf.id)] == [leaf.id]


def test_nodes_not_started_are_left_out():
    info = ArgoWorkflow(
        {
            "metadata": {"name": "w"},
            "status": {
                "nodes": {
                    "w": {"id": "w", "displayName": "w", "type": "Steps", "startedAt": "t0"},
                    "w-1": {"id": "w-1", "displayName": "a", "type": "Pod", "startedAt": "t1"},
                    "w-2": {"id": "w-2", "displayName": "a(0:x)", "startedAt": None},
                }
            },
        }
    )
    assert [s.id for s in info.get_step(name="a")] == ["w-1"]
