"""A step's pod on Argo (get_pod, get_script, set_script, replay, delete_pod) and re-running steps
(ArgoStep.retry, Workflow.retry_steps), against the loopback Argo and Kubernetes API servers,
with the real ``kubernetes`` and ``argo-workflows`` clients.

Checked against 1.8.134 (with kubernetes 31: its calls fail under the 37 client's ``call_api``)
on these same loopback servers: ``get_pod`` read the pod, ``get_script`` gave its script,
``set_script("echo new")`` + ``replay()`` sent GET, DELETE, GET until 404, then POST of the pod
without ``resourceVersion`` and ``nodeName``, ``echo new`` in all three ``ARGO_TEMPLATE``s;
``parse_repo("team")`` set repo / repo_type ``s3`` / repo_prefix ``runs/team/``. Its
``retry_steps`` on a running workflow suspended it, deleted the pod, then sent
``PUT /api/v1/workflows/{ns}/{name}`` with a ``patch``, a path Argo's API does not have (404): we
patch the Workflow resource through Kubernetes instead.
"""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest
from kube_server import KubeTestServer, pod_of

from dflow import ShellOPTemplate, Step, Workflow
from dflow.engines.argo import step_retry
from dflow.errors import DflowError, KubernetesAPIError, NotFoundError


def node(wf: str, suffix: str, name: str, shown: str, kind: str, phase: str, **more: Any):
    return {
        "id": f"{wf}-{suffix}" if suffix else wf, "name": name, "displayName": shown,
        "type": kind, "phase": phase, "startedAt": "2024-01-01T00:00:01Z", **more,
    }  # fmt: skip


def submitted(argo_config, phase: str = "Running", a_phase: str = "Failed") -> Workflow:
    """A workflow of two steps ``a`` then ``b`` whose status is Argo's: the root, its step groups
    and the pods, ``a`` in ``a_phase``."""
    hello = ShellOPTemplate(name="hello", image="alpine", script="echo hi")
    wf = Workflow("pods")
    wf.add(Step("a", hello))
    wf.add(Step("b", hello))
    wf.submit()
    w = wf.id
    failed = "Failed" if a_phase == "Failed" else phase
    nodes = [
        node(w, "", w, w, "Steps", failed, templateName="pods", children=[f"{w}-10"]),
        node(w, "10", f"{w}[0]", "[0]", "StepGroup", failed, boundaryID=w,
             children=[f"{w}-11"]),
        node(w, "11", f"{w}[0].a", "a", "Pod", a_phase, boundaryID=w, templateName="hello",
             children=[f"{w}-20"]),
        node(w, "20", f"{w}[1]", "[1]", "StepGroup", "Succeeded", boundaryID=w,
             children=[f"{w}-21"]),
        node(w, "21", f"{w}[1].b", "b", "Pod", "Succeeded", boundaryID=w, templateName="hello"),
        node(w, "99", f"{w}[0].ab", "ab", "Pod", "Failed", boundaryID=w, templateName="hello"),
    ]  # fmt: skip
    argo_config.set_status(w, phase=phase, nodes={n["id"]: n for n in nodes})
    return wf


def step_a(wf: Workflow) -> Any:
    (step,) = wf.query_step(name="a")
    return step


def status_of(argo_config, wf: Workflow) -> Dict[str, Any]:
    return argo_config.workflows[("argo", wf.id)]


# -- the pod of a step ---------------------------------------------------------------------------


def test_get_pod_reads_the_steps_pod_and_get_script_its_script(argo_config, kube_server):
    wf = submitted(argo_config)
    step = step_a(wf)
    stored = kube_server.add_pod(pod_of(wf.id, step, script="echo from-a"))
    pod = step.get_pod()
    assert pod.metadata.name == stored["metadata"]["name"] == f"{wf.id}-hello-{_hash(step)}"
    assert step.pod is pod and pod.spec.node_name == "worker-1"
    assert step.get_script() == "echo from-a"
    (call,) = kube_server.calls("GET")
    assert call["path"] == f"/api/v1/namespaces/argo/pods/{pod.metadata.name}"
    assert call["headers"]["authorization"] == "Bearer test-token"


def _hash(step: Any) -> int:
    from dflow.pod_names import get_hash

    return get_hash(step.name)


def test_set_script_then_replay_recreates_the_pod_with_the_new_script(argo_config, kube_server):
    wf = submitted(argo_config)
    step = step_a(wf)
    kube_server.add_pod(pod_of(wf.id, step, script="echo old"))
    step.set_script("echo new")  # reads the pod first
    assert step.get_script() == "echo new"
    assert kube_server.calls("POST") == []  # nothing sent until replay
    step.replay()
    # THEN the old pod was deleted, waited for until gone, and created again unscheduled
    methods = [c["method"] for c in kube_server.requests]
    assert methods == ["GET", "DELETE", "GET", "GET", "GET", "POST"]
    (post,) = kube_server.calls("POST")
    body = post["body"]
    assert "resourceVersion" not in body["metadata"] and "nodeName" not in body["spec"]
    containers = body["spec"]["containers"] + body["spec"]["initContainers"]
    sources = {
        c["name"]: json.loads(e["value"])["script"]["source"]
        for c in containers
        for e in c["env"]
        if e["name"] == "ARGO_TEMPLATE"
    }
    assert sources == {"main": "echo new", "wait": "echo new", "init": "echo new"}
    created = kube_server.pods[("argo", body["metadata"]["name"])]
    assert "deletionTimestamp" not in created["metadata"]


def test_delete_pod_waits_until_the_pod_is_gone(argo_config, kube_server):
    wf = submitted(argo_config)
    step = step_a(wf)
    name = kube_server.add_pod(pod_of(wf.id, step))["metadata"]["name"]
    step.delete_pod()
    assert ("argo", name) not in kube_server.pods
    gets = [c for c in kube_server.calls("GET") if c["path"].endswith(name)]
    assert len(gets) == kube_server.terminating_reads + 1  # the last one answered 404
    step.delete_pod()  # a pod already gone is no error


def test_a_missing_pod_is_a_kubernetes_error_naming_it(argo_config, kube_server):
    step = step_a(submitted(argo_config))
    pattern = r"404: reading pod 'pods-.*-hello-\d+'.*not found"
    with pytest.raises(KubernetesAPIError, match=pattern):
        step.get_pod()


def test_a_step_that_is_no_pod_has_no_pod(argo_config, kube_server):
    wf = submitted(argo_config)
    (root,) = wf.query_step(type="Steps")
    with pytest.raises(DflowError, match="is a Steps node: only Pod nodes have a pod"):
        root.get_pod()


def test_a_template_without_script_says_so(argo_config, kube_server):
    wf = submitted(argo_config)
    step = step_a(wf)
    pod = pod_of(wf.id, step)
    for c in pod["spec"]["containers"] + pod["spec"]["initContainers"]:
        for e in c["env"]:
            if e["name"] == "ARGO_TEMPLATE":
                e["value"] = json.dumps({"name": "hello", "container": {"image": "alpine"}})
    kube_server.add_pod(pod)
    with pytest.raises(DflowError, match="template 'hello' runs no script"):
        step.get_script()


def test_kubernetes_calls_need_a_configured_cluster(argo_config, tmp_path, monkeypatch):
    from dflow.config import config

    monkeypatch.setitem(config, "k8s_api_server", None)
    monkeypatch.setitem(config, "k8s_config_file", None)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    monkeypatch.setenv("HOME", str(tmp_path))
    step = step_a(submitted(argo_config))
    with pytest.raises(DflowError, match=r"pods of steps .* set config\['k8s_api_server'\]"):
        step.get_pod()


# -- retrying steps ------------------------------------------------------------------------------


@pytest.fixture
def no_settle(monkeypatch):
    monkeypatch.setattr(step_retry, "SETTLE", 0.0)


def test_retry_steps_of_a_running_workflow_reruns_the_pod(argo_config, kube_server, no_settle):
    wf = submitted(argo_config, phase="Running", a_phase="Failed")
    step = step_a(wf)
    name = kube_server.add_pod(pod_of(wf.id, step))["metadata"]["name"]
    wf.retry_steps([step.id])
    # THEN suspended, the pod deleted, a set Pending and its failed parents Running, resumed
    verbs = [p.rsplit("/", 1)[1] for m, p, _ in argo_config.calls("PUT")]
    assert verbs == ["suspend", "resume"]
    assert ("argo", name) not in kube_server.pods
    (patch,) = kube_server.calls("PATCH")
    assert patch["path"] == f"/apis/argoproj.io/v1alpha1/namespaces/argo/workflows/{wf.id}"
    assert patch["headers"]["content-type"] == "application/merge-patch+json"
    phases = {k: v["phase"] for k, v in patch["body"]["status"]["nodes"].items()}
    assert phases == {step.id: "Pending", wf.id: "Running", f"{wf.id}-10": "Running"}
    stored = status_of(argo_config, wf)
    assert stored["status"]["nodes"][step.id]["phase"] == "Pending"
    assert stored["status"]["nodes"][f"{wf.id}-99"]["phase"] == "Failed"  # ``ab``: no parent
    assert "suspend" not in stored["spec"]


def test_a_running_retry_that_fails_before_deleting_resumes_the_workflow(
    argo_config, kube_server, no_settle
):
    wf = submitted(argo_config, phase="Running", a_phase="Failed")
    step = step_a(wf)
    kube_server.token = "another"  # the Kubernetes API refuses every call
    with pytest.raises(KubernetesAPIError, match="401"):
        wf.retry_steps([step.id])
    verbs = [p.rsplit("/", 1)[1] for m, p, _ in argo_config.calls("PUT")]
    assert verbs == ["suspend", "resume"]


def test_retry_steps_of_an_ended_workflow_uses_argos_retry(argo_config, kube_server):
    wf = submitted(argo_config, phase="Succeeded", a_phase="Succeeded")
    step = step_a(wf)
    step.retry()
    (put,) = argo_config.calls("PUT")
    assert put[1] == f"/api/v1/workflows/argo/{wf.id}/retry"
    assert put[2] == {
        "name": wf.id,
        "namespace": "argo",
        "restartSuccessful": True,
        "nodeFieldSelector": f"id={step.id}",
    }
    # THEN the server runs it again: the node leaves the status and the workflow runs
    stored = status_of(argo_config, wf)["status"]
    assert stored["phase"] == "Running" and step.id not in stored["nodes"]
    assert kube_server.requests == []


def test_an_ended_workflow_retries_one_chosen_step_at_a_time(argo_config):
    wf = submitted(argo_config, phase="Failed", a_phase="Failed")
    ids = [s.id for s in wf.query_step(type="Pod")]
    with pytest.raises(DflowError, match="one chosen step of an ended workflow at a time"):
        wf.retry_steps(ids)
    assert argo_config.calls("PUT") == []


def test_retry_steps_names_an_unknown_step(argo_config):
    wf = submitted(argo_config)
    with pytest.raises(NotFoundError, match=f"workflow '{wf.id}' has no step with id 'nope'"):
        wf.retry_steps(["nope"])


def test_a_running_workflow_retries_pod_steps_only(argo_config, no_settle):
    wf = submitted(argo_config)
    with pytest.raises(DflowError, match="is a StepGroup node; in a running workflow only"):
        wf.retry_steps([f"{wf.id}-10"])
    assert argo_config.calls("PUT") == []


# -- the Kubernetes client of the settings --------------------------------------------------------


def test_get_k8s_core_v1_api_and_get_k8s_client_reach_the_configured_cluster(
    argo_config, kube_server
):
    from dflow.op_template import get_k8s_client

    wf = submitted(argo_config)
    name = kube_server.add_pod(pod_of(wf.id, step_a(wf)))["metadata"]["name"]
    api = wf.get_k8s_core_v1_api()
    assert type(api).__name__ == "CoreV1Api"
    assert api.read_namespaced_pod(name, "argo").metadata.name == name
    with get_k8s_client(k8s_api_server=kube_server.url, token="test-token") as client:
        assert client.configuration.host == kube_server.url
    other = KubeTestServer(token="t2")
    with other, get_k8s_client(other.url, "t2") as client:
        from kubernetes.client import CoreV1Api

        with pytest.raises(Exception, match="404"):
            CoreV1Api(client).read_namespaced_pod("nothing", "argo")
        assert other.requests[0]["headers"]["authorization"] == "Bearer t2"


def test_parse_repo_reads_the_artifact_repository_into_s3_config(
    argo_config, kube_server, monkeypatch
):
    from dflow.config import s3_config
    from dflow.workflow import parse_repo

    for key in ("repo_key", "repo", "repo_type", "repo_prefix"):
        monkeypatch.setitem(s3_config, key, s3_config[key])
    kube_server.configmaps[("argo", "artifact-repositories")] = {
        "metadata": {"name": "artifact-repositories"},
        "data": {
            "team": "s3:\n  bucket: results\n  endpoint: s3.example:9000\n"
            "  keyFormat: 'runs/team/{{workflow.name}}/{{pod.name}}'\n"
        },
    }
    parse_repo()  # no key: nothing read
    assert kube_server.requests == [] and s3_config["repo"] is None
    parse_repo("team")
    assert s3_config["repo"] == {
        "s3": {
            "bucket": "results",
            "endpoint": "s3.example:9000",
            "keyFormat": "runs/team/{{workflow.name}}/{{pod.name}}",
        }
    }
    assert s3_config["repo_type"] == "s3" and s3_config["repo_prefix"] == "runs/team/"
    parse_repo("team")  # read once
    assert len(kube_server.requests) == 1
    s3_config["repo"] = None
    with pytest.raises(DflowError, match="has no artifact repository 'other'; it has"):
        parse_repo("other")
