"""ArgoWorkflow / ArgoStep views and the reused-step cache entries, over hand-written Argo JSON."""

from __future__ import annotations

import json

import pytest

from dflow.argo_objects import ArgoStep, ArgoWorkflow
from dflow.errors import DflowError
from dflow.io import S3Artifact
from dflow.memoize import CACHE_LABEL, cache_entries, parse_cache_entry


def node(node_id, shown, key=None, phase="Succeeded", type="Pod", started="00", children=()):
    params = [{"name": "n", "value": "3", "description": json.dumps({"type": "int"})}]
    if key is not None:
        params.append({"name": "dflow_key", "value": key})
    return {
        "id": node_id, "name": f"wf.{shown}", "displayName": shown, "type": type,
        "phase": phase, "startedAt": f"2024-01-01T00:00:{started}Z", "children": list(children),
        "inputs": {"parameters": params},
        "outputs": {
            "parameters": [
                {"name": "msg", "value": "hello"},
                {"name": "nums", "value": "[1, 2]", "description": json.dumps({"type": "list"})},
            ],
            "artifacts": [{"name": "out", "s3": {"key": f"wf/{node_id}/out.tgz"}}],
        },
    }  # fmt: skip


@pytest.fixture
def wf() -> ArgoWorkflow:
    nodes = {
        "wf": node("wf", "wf", type="Steps", started="00", children=["r", "s0", "s1"]),
        "r": node("r", "train", key="train-1", type="Retry", started="02", children=["r0", "r1"]),
        "r0": node("r0", "train(0)", key="train-1", phase="Failed", started="03"),
        "r1": node("r1", "train(1)", key="train-1", started="04"),
        "s0": node("s0", "square(0:a)", key="sq-0", started="06"),
        "s1": node("s1", "square(1:b)", key="sq-1", phase="Failed", started="05"),
    }
    outputs = {"parameters": [{"name": "best", "value": "0.9"}]}
    return ArgoWorkflow(
        {
            "metadata": {"name": "wf"},
            "status": {"phase": "Failed", "nodes": nodes, "outputs": outputs},
        }
    )


def test_attribute_access_and_shortcuts(wf):
    assert wf.id == "wf" and wf.phase == "Failed" and wf.status.phase == "Failed"
    assert wf.metadata.name == "wf"
    assert wf.status.nodes["s0"].displayName == "square(0:a)"
    assert isinstance(wf.status.nodes["s0"], ArgoStep)
    assert not hasattr(wf, "spec")
    with pytest.raises(AttributeError, match="spec"):
        wf.spec  # noqa: B018


def test_step_fields_key_and_outputs(wf):
    (step,) = wf.get_step(key="sq-0")
    assert (step.id, step.phase, step.type, step.key) == ("s0", "Succeeded", "Pod", "sq-0")
    assert step.outputs.parameters["msg"].value == "hello"
    assert step.outputs.parameters["nums"].value == [1, 2]  # typed: decoded
    assert step.inputs.parameters["n"].value == 3
    assert step.outputs.artifacts["out"].s3.key == "wf/s0/out.tgz"
    assert sorted(step.outputs.parameters) == ["msg", "nums"]
    with pytest.raises(KeyError, match="no parameter 'nope'"):
        step.outputs.parameters["nope"]  # noqa: B018


def test_get_step_filters(wf):
    names = lambda steps: [s.displayName for s in steps]  # noqa: E731
    assert names(wf.get_step(name="square")) == ["square(1:b)", "square(0:a)"]  # by start time
    assert names(wf.get_step(name="square", phase="Succeeded")) == ["square(0:a)"]
    assert names(wf.get_step(key=["sq-0", "sq-1"], type="Pod")) == ["square(1:b)", "square(0:a)"]
    assert names(wf.get_step(id="r1")) == ["train(1)"]
    assert names(wf.get_step(type="Retry")) == ["train"]
    assert wf.get_step(key="missing") == [] and wf.get_step(id="missing") == []
    assert len(wf.get_step()) == 6
    # the workflow's root node is not a step, even when its name matches
    assert names(wf.get_step(name="w")) == []
    assert names(wf.get_step(id="wf")) == ["wf"]


def test_a_retried_step_is_found_by_key_once(wf):
    # GIVEN a step retried twice WHEN looked up by key THEN the Retry node stands for it
    assert [s.id for s in wf.get_step(key="train-1")] == ["r"]


def test_sort_by_generation(wf):
    # as the original: the nodes under the root (not the root), generation by generation
    order = [s.id for s in wf.get_step(sort_by_generation=True)]
    assert set(order[:3]) == {"r", "s0", "s1"} and order[3:] == ["r0", "r1"]


def test_keys_and_global_outputs(wf):
    assert wf.get_keys_of_steps() == ["train-1", "sq-1", "sq-0"]
    assert wf.get_global_outputs().parameters["best"].value == "0.9"
    assert ArgoWorkflow({"status": {}}).get_global_outputs() is None


def test_modify_outputs_write_through_to_the_json(wf):
    (step,) = wf.get_step(key="sq-0")
    step.modify_output_parameter("msg", {"a": 1})
    step.modify_output_parameter("nums", [3])
    step.modify_output_artifact("out", S3Artifact(key="elsewhere/out.tgz"))
    raw = json.loads(json.dumps(wf))
    outs = raw["status"]["nodes"]["s0"]["outputs"]
    assert outs["parameters"][0]["value"] == '{"a": 1}'
    assert step.outputs.parameters["nums"].value == [3]
    assert outs["artifacts"][0]["s3"]["key"] == "elsewhere/out.tgz"


def test_modify_unknown_output_names_the_step_and_the_output(wf):
    (step,) = wf.get_step(key="sq-0")
    with pytest.raises(DflowError, match="'square\\(0:a\\)' has no output parameter 'x'"):
        step.modify_output_parameter("x", 1)
    with pytest.raises(DflowError, match="must be replaced by an S3Artifact"):
        step.modify_output_artifact("out", "some/key")


def test_cache_entries_of_reused_steps(wf):
    (step,) = wf.get_step(key="sq-0")
    step.modify_output_parameter("msg", "changed")
    data = cache_entries([step, wf.get_step(key="train-1")[0]])
    assert sorted(data) == ["sq-0", "train-1"]
    entry = json.loads(data["sq-0"])
    assert entry["nodeID"] == "s0"
    assert entry["creationTimestamp"] == entry["lastHitTimestamp"]
    assert entry["outputs"]["parameters"][0] == {"name": "msg", "value": "changed"}
    assert entry["outputs"]["artifacts"][0]["s3"]["key"] == "wf/s0/out.tgz"
    assert parse_cache_entry(data["sq-0"]).outputs.parameters["msg"].value == "changed"
    assert CACHE_LABEL == {"workflows.argoproj.io/configmap-type": "Cache"}


def test_cache_entries_pass_over_a_step_without_key(wf):
    assert cache_entries(wf.get_step(id="wf")) == {}


def test_plain_dicts_from_any_engine_work_too():
    raw = node("n1", "hello", key="k")
    assert cache_entries([raw])["k"]
    assert ArgoStep(raw).key == "k"
