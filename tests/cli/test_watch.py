"""``dflow watch``: a tree redrawn on a terminal (checked through a pseudo-terminal) until the
workflow ends, one line per change elsewhere; exit 0 only when it succeeded."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from dflow import ShellOPTemplate, Step, Steps, Workflow
from dflow.cli import main
from dflow.config import config, s3_config


@pytest.fixture
def debug_mode(tmp_path, monkeypatch):
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", True)
    monkeypatch.setitem(s3_config, "storage_client", None)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _workflow(fail: bool = False) -> Workflow:
    inner = Steps("inner")
    inner.add(Step("nap", ShellOPTemplate(name="nap", script="sleep 1.5; echo 1/1 > /dev/null")))
    wf = Workflow("watched")
    wf.add(Step("group", inner))
    wf.add(Step("last", ShellOPTemplate(name="last", script="exit 3" if fail else "true")))
    return wf


def _on_terminal(argv, env):
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
    return proc.wait(timeout=120), b"".join(chunks).decode()


def test_watch_redraws_a_tree_on_a_terminal(debug_mode):
    wf = _workflow()
    wf.submit()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(DFLOW_MODE="debug", DFLOW_DEBUG_WORKDIR=config["debug_workdir"])
    code, out = _on_terminal(["watch", wf.id, "--interval", "0.2"], env)
    assert code == 0
    frames = out.split("\033[H\033[2J")[1:]
    assert len(frames) >= 2  # redrawn while it ran
    assert any("Running" in frame for frame in frames[:-1])
    last = frames[-1].replace("\r\n", "\n").splitlines()
    assert last[0].startswith(f"Name: {wf.id}") and "Succeeded" in last[0]
    steps = [line.split()[0:2] for line in last[3:]]
    # the tree: the workflow, its groups, the nested Steps and its step, indented
    labels = [line.strip().split("  ")[0] for line in last[3:]]
    assert labels[0] == wf.id
    assert any(label == "└ group" for label in labels) and any("└ nap" in x for x in labels)
    nap = next(line for line in last if "└ nap" in line)
    assert nap.index("└ nap") > next(x for x in last if "└ group" in x).index("└ group")
    assert "\033[32mSucceeded" in frames[-1]  # coloured on a terminal
    assert steps


def test_watch_prints_changes_when_not_a_terminal(debug_mode, capsys):
    wf = _workflow(fail=True)
    wf.submit()
    assert main(["--mode", "debug", "watch", wf.id, "--interval", "0.2"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "\033[" not in "\n".join(lines)
    assert lines[-1].startswith(wf.id) or any(x.startswith(f"{wf.id}  Failed") for x in lines)
    nap = [x for x in lines if x.startswith("nap  ")]
    assert nap[-1].startswith("nap  Succeeded")
    assert len(nap) == len(set(nap))  # a line only for a change
    assert any(x.startswith("last  Failed") for x in lines)


def test_watch_and_graph_on_argo(argo_config, capsys):
    # the same commands against the loopback Argo server
    from argo_server import hello_manifest

    wf = argo_config.seed(hello_manifest())
    name = wf["metadata"]["name"]
    assert main(["watch", name, "--interval", "0.1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{name}  Succeeded")
    assert main(["graph", name, "-T", "dot"]) == 0
    assert 'fillcolor="#a7e3b0"' in capsys.readouterr().out  # coloured as succeeded
