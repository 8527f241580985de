"""The Workflow API in ``default`` mode, end to end through the loopback Argo server."""

from __future__ import annotations

import json

import pytest

from dflow import (
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
    Step,
    Workflow,
    query_workflows,
)
from dflow.errors import ArgoAPIError, DflowError


def echo() -> ShellOPTemplate:
    return ShellOPTemplate(
        name="echo",
        image="alpine",
        script="echo {{inputs.parameters.x}} > /tmp/y && mkdir -p /tmp/o",
        inputs=Inputs(parameters={"x": InputParameter()}),
        outputs=Outputs(
            parameters={"y": OutputParameter(value_from_path="/tmp/y")},
            artifacts={"o": OutputArtifact(path="/tmp/o")},
        ),
    )


def two_step_workflow(**kw) -> Workflow:
    wf = Workflow("demo", **kw)
    wf.add(Step("first", echo(), parameters={"x": 1}, key="first-1"))
    wf.add(
        [
            Step("second", echo(), parameters={"x": 2}, key="second-2"),
            Step("third", echo(), parameters={"x": 3}),
        ]
    )
    return wf


def test_submit_query_and_terminate(argo_config):
    wf = two_step_workflow()
    created = wf.submit()
    assert wf.id == created.id and wf.id.startswith("demo-")
    assert wf.query_status() == "Succeeded" and wf.wait(interval=0.01) == "Succeeded"
    assert wf.query_keys_of_steps() == ["first-1", "second-2"]
    (step,) = wf.query_step(key="second-2")
    assert step.displayName == "second" and step.type == "Pod" and step.phase == "Succeeded"
    assert [s.displayName for s in wf.query_step(name="third")] == ["third"]
    assert wf.query_step(name="t") == []  # the name itself, not a prefix
    assert wf.query_step(name="nothing") == []
    wf.terminate()
    assert wf.query_status() == "Failed"


def test_attach_to_an_existing_workflow_by_id(argo_config):
    wf_id = two_step_workflow().submit().id
    attached = Workflow(id=wf_id)
    assert attached.query().id == wf_id
    assert attached.query_step(key="first-1")[0].key == "first-1"
    attached.delete()
    with pytest.raises(ArgoAPIError) as err:
        attached.query()
    assert err.value.status == 404 and err.value.workflow == wf_id


def test_workflow_settings_win_over_config(argo_config):
    from dflow.config import config

    config["token"] = "stale"
    wf = two_step_workflow(token="test-token", namespace="lab")
    wf.submit()
    assert argo_config.calls("POST")[-1][1] == "/api/v1/workflows/lab"
    assert argo_config.workflows[("lab", wf.id)]["metadata"]["namespace"] == "lab"


def test_query_workflows_by_labels(argo_config):
    two_step_workflow(labels={"project": "x"}).submit()
    two_step_workflow(labels={"project": "y"}).submit()
    found = query_workflows(labels={"project": "y"})
    assert [w.metadata.labels["project"] for w in found] == ["y"]
    assert len(query_workflows()) == 2


def test_reuse_step_prefills_the_memoization_configmap(argo_config):
    # GIVEN a finished step whose output is edited
    first = two_step_workflow()
    first.submit()
    (reused,) = first.query_step(key="first-1")
    reused.modify_output_parameter("y", "from-before")
    # WHEN a new workflow reuses it
    second = two_step_workflow()
    second.submit(reuse_step=[reused])
    # THEN the ConfigMap was created before the workflow, with Argo's cache entry under the key
    posts = [c for c in argo_config.requests if c[0] == "POST"]
    assert "/configmaps" in posts[-2][1] and "/workflows/" in posts[-1][1]
    manifest = posts[-1][2]["workflow"]
    cm_name = manifest["spec"]["templates"][1]["memoize"]["cache"]["configMap"]["name"]
    cm = argo_config.configmaps[("argo", cm_name)]
    assert cm["metadata"]["labels"] == {"workflows.argoproj.io/configmap-type": "Cache"}
    entry = json.loads(cm["data"]["first-1"])
    assert entry["nodeID"] == reused.id
    # AND the server (as Argo would) took the step's outputs from the cache
    (step,) = second.query_step(key="first-1")
    assert step.memoizationStatus.hit is True
    assert step.outputs.parameters["y"].value == "from-before"
    assert second.query_step(key="second-2")[0].get("memoizationStatus") is None


def test_reuse_step_without_kubernetes_settings_fails_before_submitting(argo_config, tmp_path):
    from dflow.config import config

    wf = two_step_workflow()
    wf.submit()
    reused = wf.query_step(key="first-1")
    config["k8s_api_server"] = None
    config["k8s_config_file"] = str(tmp_path / "missing-kubeconfig")
    posts = len(argo_config.calls("POST"))
    with pytest.raises(DflowError, match="kube config file '.*missing-kubeconfig'"):
        two_step_workflow().submit(reuse_step=reused)
    assert len(argo_config.calls("POST")) == posts


def test_reuse_of_a_step_without_key_is_passed_over(argo_config):
    # as the original: a reused step without a key is skipped (nothing could match it)
    wf = two_step_workflow()
    wf.submit()
    unkeyed = wf.query_step(name="third")
    assert two_step_workflow().submit(reuse_step=unkeyed) is not None


def test_query_step_by_key_on_5000_nodes(argo_config):
    # speed is measured by benchmarks/query_steps.py, not asserted here
    wf = Workflow("big")
    wf.add(Step("s", echo(), parameters={"x": 0}))
    wf.submit()
    argo_config.large_status(wf.id, nodes=5000)
    raw = wf._get_engine().get(wf.id)
    from dflow.argo_objects import ArgoWorkflow

    view = ArgoWorkflow(raw)
    found = [view.get_step(key=f"step-{i}")[0] for i in (0, 2500, 4999)]
    assert [s.outputs.parameters["y"].value for s in found] == ["0", "6250000", "24990001"]
    assert len(wf.query_keys_of_steps()) == 5000
