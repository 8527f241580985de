"""Workflow.query(fields=, retry=) against the loopback Argo server; status view helpers."""

from __future__ import annotations

import pytest
from argo_server import argo_config, argo_server  # noqa: F401

from dflow import ArgoWorkflow, ShellOPTemplate, Step, Workflow
from dflow.errors import InvalidWorkflowError


def _submitted() -> Workflow:
    wf = Workflow(name="query-kw")
    wf.add(Step("a", ShellOPTemplate(name="hello", image="alpine", script="echo hi")))
    wf.submit()
    return wf


def test_query_asks_for_some_fields_only(argo_config):  # noqa: F811
    wf = _submitted()
    view = wf.query(fields=["metadata.name", "status.phase"], retry=2)
    assert set(view) == {"metadata", "status"} and set(view["status"]) == {"phase"}
    assert view.phase == "Succeeded"
    assert "fields=metadata.name%2Cstatus.phase" in argo_config.calls("GET")[-1][1]
    assert "nodes" in wf.query()["status"]


def test_query_keywords_need_argo(tmp_path, monkeypatch):
    from dflow.config import config

    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path))
    monkeypatch.setitem(config, "detach", False)
    wf = _submitted()
    with pytest.raises(InvalidWorkflowError, match="local engine"):
        wf.query(fields=["status.phase"])


def test_sub_nodes_in_generation_order():
    # checked against pydflow 1.8.134: a StepGroup answers itself, a Steps node its nodes
    nodes = {
        "w": {"id": "w", "children": ["a"], "type": "Steps"},
        "a": {"id": "a", "children": ["b", "c"], "type": "StepGroup"},
        "b": {"id": "b", "type": "Pod"},
        "c": {"id": "c", "type": "Pod", "children": ["d"]},
        "d": {"id": "d", "type": "Pod"},
    }
    wf = ArgoWorkflow({"metadata": {"name": "w"}, "status": {"nodes": nodes}})
    assert [n["id"] for n in wf.get_sub_nodes("w")] == ["a", "b", "c", "d"]
    assert [n["id"] for n in wf.get_sub_nodes("a")] == ["a"]
    with pytest.raises(KeyError):
        wf.get_sub_nodes("nope")
