"""``ArgoWorkflow.get_hierarchy`` and the pod operations of ``ArgoStep`` in debug mode.

Checked against 1.8.134 in debug mode: ``get_hierarchy(root)`` maps every node under the root to
its place, the root ``(0,)``, a step of group i of a Steps node its parent's place plus ``(i,)``,
a task of a DAG its parent's place plus ``(0,)``, fan-out items all at their step's place:

    steps a; [b (steps: s1; [s2, s3]), c]
        -> {root: (0,), a: (0, 0), b: (0, 1), c: (0, 1), s1: (0, 1, 0), s2: (0, 1, 1),
            s3: (0, 1, 1)}
    steps a (with_param [1, 2]); [b (dag: x; y after x), c]
        -> {root: (0,), a: (0, 0), a: (0, 0), b: (0, 1), x: (0, 1, 0), y: (0, 1, 0), c: (0, 1)}

(its debug-mode nodes have no step group nodes; ours are Argo's, whose StepGroup nodes are left
out). Its ``get_pod``, ``delete_pod``, ``get_script``, ``set_script`` and ``replay`` raised
``AttributeError: 'ArgoObjectDict' object has no attribute 'name'``, ``retry`` and
``Workflow.retry_steps`` ``AssertionError`` there: a local run has no pods; ours says so, naming
the operation. Without a cluster configured its ``Workflow.get_k8s_core_v1_api()`` raised
kubernetes' ``ConfigException: Invalid kube-config file. No configuration found.``; ours says
what to set.
"""

from __future__ import annotations

import re

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import DAG, ShellOPTemplate, Step, Steps, Task, Workflow
from dflow.argo_objects import ArgoWorkflow
from dflow.errors import DflowError

HELLO = ShellOPTemplate(name="hello", image="alpine", script="echo hi")


def places(wf: Workflow) -> list:
    info = wf.query()
    nodes = info.status.nodes
    found = info.get_hierarchy(wf.id)
    return sorted(
        (wf.id if i == wf.id else re.sub(r"\(.*\)$", "", nodes[i].displayName), place)
        for i, place in found.items()
    )


@pytest.mark.usefixtures("debug")
def test_hierarchy_of_nested_steps():
    inner = Steps(name="inner")
    inner.add(Step("s1", HELLO))
    inner.add([Step("s2", HELLO), Step("s3", HELLO)])
    wf = Workflow(name="hier")
    wf.add(Step("a", HELLO))
    wf.add([Step("b", inner), Step("c", HELLO)])
    wf.submit()
    wf.wait()
    root = wf.id
    assert places(wf) == sorted(
        [(root, (0,)), ("a", (0, 0)), ("b", (0, 1)), ("c", (0, 1)),
         ("s1", (0, 1, 0)), ("s2", (0, 1, 1)), ("s3", (0, 1, 1))]
    )  # fmt: skip


@pytest.mark.usefixtures("debug")
def test_hierarchy_of_a_fan_out_and_a_dag():
    inner = DAG(name="inner")
    x = Task("x", HELLO)
    inner.add(x)
    inner.add(Task("y", HELLO, dependencies=[x]))
    wf = Workflow(name="hier")
    wf.add(Step("a", HELLO, with_param=[1, 2]))
    wf.add([Step("b", inner), Step("c", HELLO)])
    wf.submit()
    wf.wait()
    root = wf.id
    assert places(wf) == sorted(
        [(root, (0,)), ("a", (0, 0)), ("a", (0, 0)), ("b", (0, 1)),
         ("x", (0, 1, 0)), ("y", (0, 1, 0)), ("c", (0, 1))]
    )  # fmt: skip
    # a place to start from, and a node below the root
    (b,) = wf.query_step(name="b")
    below = wf.query().get_hierarchy(b.id, (3,))
    assert sorted(below.values()) == [(3,), (3, 0), (3, 0)]


def test_hierarchy_of_argo_retries_and_dag_fan_outs():
    def n(i, kind, boundary=None, children=(), shown=None):
        return i, {"id": i, "type": kind, "displayName": shown or i, "boundaryID": boundary,
                   "children": list(children)}  # fmt: skip

    wf = ArgoWorkflow(
        {
            "metadata": {"name": "w"},
            "status": {"nodes": dict([
                n("w", "DAG", None, ["t"]),
                n("t", "Retry", "w", ["t0", "t1"]),
                n("t0", "Pod", "w"), n("t1", "Pod", "w", ["g"]),
                n("g", "TaskGroup", "w", ["g0", "g1"]),
                n("g0", "Pod", "w"), n("g1", "Pod", "w"),
            ])},
        }
    )  # fmt: skip
    assert wf.get_hierarchy("w") == {
        "w": (0,), "t": (0, 0), "t0": (0, 0, 0), "t1": (0, 0, 0),
        "g": (0, 0), "g0": (0, 0, 0), "g1": (0, 0, 0),
    }  # fmt: skip
    with pytest.raises(DflowError, match="workflow 'w' has no node with id 'nope'"):
        wf.get_hierarchy("nope")


@pytest.mark.usefixtures("debug")
@pytest.mark.parametrize(
    "operation", ["get_pod", "delete_pod", "get_script", "set_script", "replay", "retry"]
)
def test_pod_operations_of_a_local_run_name_themselves(operation):
    wf = Workflow(name="local")
    wf.add(Step("a", HELLO))
    wf.submit()
    wf.wait()
    (step,) = wf.query_step(name="a")
    args = ["echo x"] if operation == "set_script" else []
    with pytest.raises(DflowError, match=rf"ArgoStep\.{operation}\(\) needs Argo on Kubernetes"):
        getattr(step, operation)(*args)


@pytest.mark.usefixtures("debug")
def test_retry_steps_of_a_local_run_says_what_works_instead():
    wf = Workflow(name="local")
    wf.add(Step("a", HELLO))
    wf.submit()
    wf.wait()
    (step,) = wf.query_step(name="a")
    with pytest.raises(DflowError, match=r"Workflow\.retry_steps\(\) needs Argo.*Workflow\.retry"):
        wf.retry_steps([step.id])


def test_the_kubernetes_client_of_a_run_without_cluster_says_what_to_set(monkeypatch, tmp_path):
    from dflow.config import config

    monkeypatch.setitem(config, "k8s_api_server", None)
    monkeypatch.setitem(config, "k8s_config_file", None)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    monkeypatch.setenv("HOME", str(tmp_path))
    needs = r"get_k8s_core_v1_api\(\) needs a Kubernetes cluster: set config\['k8s_api_server'\]"
    with pytest.raises(DflowError, match=needs):
        Workflow(name="local").get_k8s_core_v1_api()
