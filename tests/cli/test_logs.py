"""Step logs on both engines: ``dflow logs``, ``Workflow.logs`` and ``ArgoStep.logs``; the
loopback Argo server streams them in the shape of Argo's WorkflowLogs."""

from __future__ import annotations

import threading
import time

import pytest
from argo_server import hello_manifest

from dflow import ShellOPTemplate, Step, Workflow
from dflow.cli import main
from dflow.config import config, s3_config
from dflow.pod_names import get_pod_name


@pytest.fixture
def debug_mode(tmp_path, monkeypatch):
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _local_run() -> Workflow:
    talk = ShellOPTemplate(
        name="talk", script="for i in 1 2 3 4 5; do echo line-$i; done; echo oops >&2"
    )
    flaky = ShellOPTemplate(
        name="flaky",
        script='echo "try {{retries}}"; test "{{retries}}" = 1',
        retry_strategy={"limit": "2"},
    )
    wf = Workflow("logs")
    wf.add(Step("talk", talk, key="talk-key"))
    wf.add(Step("flaky", flaky))
    wf.submit()
    assert wf.wait() == "Succeeded"
    return wf


def test_local_logs_of_steps_attempts_tail_and_grep(debug_mode, capsys):
    wf = _local_run()
    lines = list(wf.logs(step="talk"))
    assert lines == [f"talk: line-{i}" for i in range(1, 6)] + ["talk: oops"]
    assert list(wf.logs(step="talk-key", grep="line-4")) == ["talk: line-4"]
    assert list(wf.logs(step="talk", tail=2)) == ["talk: line-5", "talk: oops"]
    # each attempt of the retried step, labelled
    assert list(wf.logs(step="flaky")) == [
        "flaky (attempt 1/2): try 0",
        "flaky (attempt 2/2): try 1",
    ]
    # the whole workflow, in start order; and the same from a step of the status
    assert len(list(wf.logs())) == 8
    step = wf.query_step(name="talk")[0]
    assert list(step.logs(tail=1)) == ["talk: oops"]
    # the command line
    capsys.readouterr()  # what submit printed
    assert main(["--mode", "debug", "logs", wf.id, "flaky", "--grep", "try 1"]) == 0
    assert capsys.readouterr().out == "flaky (attempt 2/2): try 1\n"
    assert main(["--mode", "debug", "logs", wf.id, "no-such-step"]) == 1
    assert "no-such-step" in capsys.readouterr().err
    assert main(["--mode", "debug", "logs", wf.id, "--tail", "-1"]) == 2


def test_local_logs_hold_no_secrets(debug_mode, monkeypatch):
    # the engine's credentials never reach a step, so a step printing its environment shows none
    monkeypatch.setitem(config, "token", "argo-token-do-not-show")
    monkeypatch.setitem(s3_config, "secret_key", "s3-secret-do-not-show")
    show = ShellOPTemplate(name="show", script="env; echo done")
    wf = Workflow("secrets")
    wf.add(Step("show", show))
    wf.submit()
    assert wf.wait() == "Succeeded"
    text = "\n".join(wf.logs())
    assert "show: done" in text
    assert "do-not-show" not in text


def test_local_follow_streams_a_running_step(debug_mode, monkeypatch):
    monkeypatch.setitem(config, "detach", True)
    slow = ShellOPTemplate(name="slow", script="echo first; sleep 2; echo second")
    wf = Workflow("follow")
    wf.add(Step("slow", slow))
    wf.submit()
    got = []
    for line in wf.logs(follow=True):
        got.append((line, wf.query_status()))
    assert [line for line, _ in got] == ["slow: first", "slow: second"]
    assert got[0][1] == "Running"  # the first line came while the step still ran
    assert wf.query_status() == "Succeeded"


def _argo_workflow(argo_server):
    wf = argo_server.seed(hello_manifest())
    name = wf["metadata"]["name"]
    node = next(n for n in argo_server.workflows[("argo", name)]["status"]["nodes"].values()
                if n.get("type") == "Pod")  # fmt: skip
    pod = get_pod_name(name, node["name"], node["templateName"], node["id"])
    return name, node, pod


def test_argo_logs_streamed_with_tail_and_grep(argo_config, capsys):
    server = argo_config
    name, node, pod = _argo_workflow(server)
    server.pod_logs[("argo", name, pod)] = [f"row {i}" for i in range(1000)]
    wf = Workflow(id=name)
    lines = list(wf.logs())
    label = node["displayName"]
    assert lines == [f"{label}: row {i}" for i in range(1000)]
    assert list(wf.logs(step=label, tail=2, grep="999")) == [f"{label}: row 999"]
    # the server was asked for the pod's main container, the tail and the grep
    path = [p for m, p, _ in server.requests if "/log?" in p][-1]
    assert f"podName={pod}" in path and "logOptions.container=main" in path
    assert "logOptions.tailLines=2" in path and "grep=999" in path
    assert main(["logs", name, "--tail", "1"]) == 0
    assert capsys.readouterr().out == f"{label}: row 999\n"


def test_argo_follow_reads_lines_as_they_come(argo_config):
    server = argo_config
    name, node, pod = _argo_workflow(server)
    key = ("argo", name, pod)
    server.pod_logs[key] = ["one"]
    server.log_open.add(key)
    with server._lock:  # the step still runs
        server.workflows[("argo", name)]["status"]["phase"] = "Running"
        server.workflows[("argo", name)]["status"]["nodes"][node["id"]]["phase"] = "Running"

    def later():
        time.sleep(0.5)
        with server._lock:
            server.pod_logs[key].append("two")
            server.log_open.discard(key)
            server.workflows[("argo", name)]["status"]["phase"] = "Succeeded"
            server.workflows[("argo", name)]["status"]["nodes"][node["id"]]["phase"] = "Succeeded"

    writer = threading.Thread(target=later)
    writer.start()
    start = time.monotonic()
    lines = list(Workflow(id=name).logs(follow=True))
    writer.join()
    assert [line.split(": ", 1)[1] for line in lines] == ["one", "two"]
    assert time.monotonic() - start >= 0.4  # it waited for the second line
    path = [p for m, p, _ in server.requests if "/log?" in p][-1]
    assert "logOptions.follow=true" in path


def test_argo_logs_of_unknown_workflow_exit_1(argo_config, capsys):
    assert main(["logs", "no-such-wf"]) == 1


def test_argo_token_never_printed(argo_config, capsys):
    # a refused token is reported, never echoed
    name, _, _ = _argo_workflow(argo_config)
    config["token"] = "wrong-token-do-not-show"
    assert main(["logs", name]) != 0
    captured = capsys.readouterr()
    assert "401" in captured.err or "token" in captured.err
    assert "do-not-show" not in captured.out + captured.err
