"""Local engine: DAG depends errors and cycles, bad retry strategies, retried Steps, and more."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Dict, List

import pytest

from dflow.engines.local.engine import LocalEngine
from dflow.engines.local.process import ProcessGroups
from dflow.errors import DflowError

HANG_GUARD = 120  # seconds; a run still going after this is hung (the bug being guarded)


def _script(name: str, source: str, **extra: Any) -> Dict[str, Any]:
    return {
        "name": name,
        "script": {"image": "alpine:3", "command": ["sh"], "source": source},
        **extra,
    }


def _manifest(entry: str, templates: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "review-"},
        "spec": {"entrypoint": entry, "templates": templates},
    }


def _run(tmp_path: Path, manifest: Dict[str, Any]) -> Dict[str, Any]:
    """Submit and wait, failing (not hanging) if the run never finishes."""
    engine = LocalEngine(root=str(tmp_path / "engine"), workers=2, detach=False)
    box: Dict[str, Any] = {}

    def go() -> None:
        try:
            box["final"] = engine.submit(manifest)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            box["error"] = exc

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    if thread.is_alive():
        for wf in engine.list():  # try to end the hung run so the test process can go on
            try:
                engine.action(wf["metadata"]["name"], "terminate")
            except DflowError:
                pass
        pytest.fail("the workflow never finished")
    if "error" in box:
        raise box["error"]
    return box["final"]  # type: ignore[no-any-return]


def _nodes(final: Dict[str, Any], **match: str) -> List[Dict[str, Any]]:
    return [
        n for n in final["status"]["nodes"].values() if all(n.get(k) == v for k, v in match.items())
    ]


def _dag(tasks: List[Dict[str, Any]]) -> Dict[str, Any]:
    return _manifest(
        "main",
        [{"name": "main", "dag": {"tasks": tasks}}, _script("ok", "echo ok")],
    )


@pytest.mark.parametrize("depends", ["a a", "(a", "a &&", "a || (b"])
def test_unparsable_depends_fails_the_dag_naming_the_task(tmp_path, depends):
    # GIVEN a DAG whose task "b" has a depends that does not parse
    manifest = _dag(
        [
            {"name": "a", "template": "ok"},
            {"name": "c", "template": "ok"},
            {"name": "b", "template": "ok", "depends": depends.replace("b", "c")},
        ]
    )
    # WHEN it runs THEN the DAG errs, naming the task, and no task runs
    final = _run(tmp_path, manifest)
    assert final["status"]["phase"] in ("Failed", "Error")
    (dag,) = _nodes(final, type="DAG")
    assert dag["phase"] == "Error"
    assert "'b'" in dag["message"] and "depends" in dag["message"]
    assert not _nodes(final, type="Pod")


def test_dependency_cycle_fails_naming_the_tasks(tmp_path):
    # GIVEN tasks x and y that wait for each other, and z independent of them
    manifest = _dag(
        [
            {"name": "x", "template": "ok", "depends": "y"},
            {"name": "y", "template": "ok", "dependencies": ["x"]},
            {"name": "z", "template": "ok"},
        ]
    )
    # WHEN it runs THEN it is not "Succeeded": the DAG errs naming both tasks of the cycle
    final = _run(tmp_path, manifest)
    assert final["status"]["phase"] in ("Failed", "Error")
    (dag,) = _nodes(final, type="DAG")
    assert dag["phase"] == "Error"
    assert "cycle" in dag["message"]
    assert "'x'" in dag["message"] and "'y'" in dag["message"]
    assert "'z'" not in dag["message"]


@pytest.mark.parametrize(
    "strategy, field",
    [
        ({"limit": "two"}, "retryStrategy.limit"),
        ({"limit": 1, "backoff": {"duration": "soon"}}, "retryStrategy.backoff.duration"),
        ({"limit": 1, "backoff": {"duration": "1s", "factor": "x"}}, "backoff.factor"),
        ({"limit": 1, "expression": "nosuch(("}, "retryStrategy.expression"),
    ],
)
def test_bad_retry_strategy_is_an_error_of_its_retry_node(tmp_path, strategy, field):
    # GIVEN a Steps group of two parallel steps, one with a bad retryStrategy that fails
    manifest = _manifest(
        "main",
        [
            {
                "name": "main",
                "steps": [
                    [
                        {"name": "flaky", "template": "flaky"},
                        {"name": "fine", "template": "ok"},
                    ]
                ],
            },
            _script("flaky", "exit 1", retryStrategy=strategy),
            _script("ok", "echo ok"),
        ],
    )
    # WHEN it runs THEN the run finishes, the Retry node errs naming the template and field
    final = _run(tmp_path, manifest)
    assert final["status"]["phase"] in ("Failed", "Error")
    (retry,) = _nodes(final, type="Retry")
    assert retry["phase"] == "Error"
    assert "'flaky'" in retry["message"] and field in retry["message"]
    (fine,) = _nodes(final, displayName="fine")
    assert fine["phase"] == "Succeeded"


def test_retry_strategy_on_a_steps_template_retries_the_whole_template(tmp_path):
    # GIVEN a Steps template with retryStrategy limit 2 around a step that always fails
    manifest = _manifest(
        "main",
        [
            {"name": "main", "steps": [[{"name": "inner", "template": "group"}]]},
            {
                "name": "group",
                "retryStrategy": {"limit": 2, "retryPolicy": "Always"},
                "steps": [[{"name": "boom", "template": "boom"}]],
            },
            _script("boom", "exit 3"),
        ],
    )
    # WHEN it runs THEN the Steps template runs three times under one Retry node
    final = _run(tmp_path, manifest)
    assert final["status"]["phase"] == "Failed"
    (retry,) = _nodes(final, type="Retry", templateName="group")
    assert retry["phase"] == "Failed"
    assert len(retry["children"]) == 3
    assert len(_nodes(final, type="Steps", templateName="group")) == 3
    assert len(_nodes(final, type="Pod", templateName="boom")) == 3


def test_output_default_of_a_leaf_is_a_string(tmp_path):
    # GIVEN a script whose output parameter file is missing and whose default is a number
    outputs = {
        "parameters": [
            {"name": "n", "valueFrom": {"path": "/tmp/nothing-here", "default": 3}},
            {"name": "m", "valueFrom": {"default": 4.5}},
        ]
    }
    manifest = _manifest("leaf", [_script("leaf", "true", outputs=outputs)])
    # WHEN it runs THEN the outputs are the defaults, as strings like every other value
    final = _run(tmp_path, manifest)
    assert final["status"]["phase"] == "Succeeded"
    (pod,) = _nodes(final, type="Pod")
    values = {p["name"]: p["value"] for p in pod["outputs"]["parameters"]}
    assert values == {"n": "3", "m": "4.5"}


def test_a_group_started_as_terminate_runs_is_killed(tmp_path):
    # GIVEN a step process whose start is held up (its stdout is a FIFO nobody reads yet)
    groups = ProcessGroups()
    fifo = tmp_path / "stdout"
    os.mkfifo(fifo)
    box: Dict[str, Any] = {}

    def start() -> None:
        box["outcome"] = groups.run(
            ["sleep", "5"], str(tmp_path), dict(os.environ), str(fifo), str(tmp_path / "err"), None
        )

    thread = threading.Thread(target=start, daemon=True)
    thread.start()
    # WHEN terminate runs before its group is registered, and the start then goes on
    groups.terminate()
    with open(fifo, "rb"):
        thread.join(HANG_GUARD)
    # THEN the process was killed rather than left to finish on its own (exit code 0)
    outcome = box["outcome"]
    assert outcome.cancelled
    assert outcome.exit_code is not None and outcome.exit_code < 0


def test_unreadable_state_is_a_clear_error(tmp_path):
    # GIVEN a workflow whose state file is not JSON
    engine = LocalEngine(root=str(tmp_path / "engine"), workers=2, detach=False)
    path = engine.layout.state("broken")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    # WHEN it is read THEN the error names the workflow and its file
    with pytest.raises(DflowError, match=r"cannot read the state of workflow 'broken'"):
        engine.get("broken")
