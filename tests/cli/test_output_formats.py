"""``-o json|yaml|wide`` on ``get``, ``getsteps`` and ``list``; colour only on a terminal (checked
through a pseudo-terminal) and never with ``NO_COLOR``."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest
import yaml

from dflow import ShellOPTemplate, Step, Workflow
from dflow.cli import main
from dflow.config import config, s3_config


@pytest.fixture
def finished(tmp_path, monkeypatch):
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    monkeypatch.chdir(tmp_path)
    wf = Workflow("formats")
    wf.add(Step("one", ShellOPTemplate(name="one", script="echo 1"), key="one-key"))
    wf.submit()
    assert wf.wait() == "Succeeded"
    return wf


def _run(capsys, *argv):
    assert main(["--mode", "debug", *argv]) == 0
    return capsys.readouterr().out


def test_json_yaml_and_wide(finished, capsys):
    wf_id = finished.id
    listed = json.loads(_run(capsys, "list", "-o", "json"))
    assert [w["metadata"]["name"] for w in listed] == [wf_id]
    assert yaml.safe_load(_run(capsys, "list", "-o", "yaml")) == listed
    got = yaml.safe_load(_run(capsys, "get", wf_id, "-o", "yaml"))
    assert got["status"]["phase"] == "Succeeded"
    assert json.loads(_run(capsys, "get", wf_id, "-o", "json")) == got
    steps = yaml.safe_load(_run(capsys, "getsteps", wf_id, "-k", "one-key", "-o", "yaml"))
    assert [s["displayName"] for s in steps] == ["one"]
    wide = _run(capsys, "list", "-o", "wide").splitlines()
    assert wide[0].split() == ["NAME", "STATUS", "CREATED", "FINISHED", "DURATION", "PROGRESS",
                               "MESSAGE"]  # fmt: skip
    assert wide[1].split()[:2] == [wf_id, "Succeeded"]
    rows = _run(capsys, "getsteps", wf_id, "-k", "one-key", "-o", "wide").splitlines()
    assert rows[0].split()[5:] == ["STARTED", "DURATION", "PROGRESS", "MESSAGE"]
    assert rows[1].split()[4] == "Succeeded" and rows[1].split()[6].endswith("s")
    out = _run(capsys, "get", wf_id, "-o", "wide")
    assert "Duration:" in out and "Progress:" in out
    # not a terminal: no colour
    assert "\033[" not in _run(capsys, "list") + _run(capsys, "get", wf_id)


def _on_terminal(argv, env):
    """The output of ``dflow argv`` run with its standard output on a pseudo-terminal."""
    main_fd, sub_fd = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "dflow.cli", *argv], stdout=sub_fd,
                            stderr=subprocess.PIPE, env=env)  # fmt: skip
    os.close(sub_fd)
    chunks = []
    while True:
        try:
            data = os.read(main_fd, 4096)
        except OSError:  # the terminal closed: the command has ended
            break
        if not data:
            break
        chunks.append(data)
    os.close(main_fd)
    assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_only_without_no_color(finished):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(DFLOW_MODE="debug", DFLOW_DEBUG_WORKDIR=config["debug_workdir"])
    out = _on_terminal(["list"], env)
    assert "\033[32mSucceeded" in out  # green
    assert "\033[32mSucceeded" in _on_terminal(["get", finished.id], env)
    env["NO_COLOR"] = "1"
    out = _on_terminal(["list"], env)
    assert finished.id in out and "\033[" not in out
