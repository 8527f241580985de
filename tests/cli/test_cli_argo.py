"""The ``dflow`` command against the loopback Argo server: output, filters and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from argo_server import TOKEN, hello_manifest

from dflow.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def manifest_file(tmp_path) -> Path:
    path = tmp_path / "hello.yaml"
    path.write_text(yaml.safe_dump(hello_manifest(labels={"team": "a"})))
    return path


def submit(capsys, path) -> str:
    assert main(["submit", str(path)]) == 0
    out = capsys.readouterr().out
    return out.split()[1]


def test_submit_list_get(argo_config, capsys, manifest_file):
    wf_id = submit(capsys, manifest_file)
    assert wf_id.startswith("hello-")
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "CREATED", "FINISHED"]
    assert lines[1].split()[:2] == [wf_id, "Succeeded"]
    assert main(["list", "-l", "team=b"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == []
    assert main(["get", wf_id]) == 0
    out = capsys.readouterr().out
    assert f"Name:      {wf_id}" in out and "Status:    Succeeded" in out
    assert main(["get", wf_id, "-o", "json"]) == 0
    assert f'"name": "{wf_id}"' in capsys.readouterr().out


def test_getsteps_and_getkeys(argo_config, capsys):
    argo_config.seed(hello_manifest(name="big"))
    argo_config.large_status("big", nodes=30)
    assert main(["getsteps", "big", "-k", "step-7"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].split() == ["STEP", "ID", "KEY", "TYPE", "PHASE"]
    assert rows[1].split() == ["step-7", "big-1000007", "step-7", "Pod", "Succeeded"]
    assert main(["getsteps", "big", "-n", "step-1", "-t", "Pod", "-p", "Succeeded"]) == 0
    shown = [r.split()[0] for r in capsys.readouterr().out.splitlines()[1:]]
    assert shown == ["step-1"]
    assert main(["getsteps", "big", "-n", "step-1.*", "-t", "Pod"]) == 0
    shown = [r.split()[0] for r in capsys.readouterr().out.splitlines()[1:]]
    assert shown == ["step-1"] + [f"step-{i}" for i in range(10, 20)]
    assert main(["getsteps", "big", "-i", "big"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[3] == "Steps"
    assert main(["getsteps", "big", "-k", "nope"]) == 1
    assert capsys.readouterr().out.split() == ["STEP", "ID", "KEY", "TYPE", "PHASE"]
    assert main(["getkeys", "big"]) == 0
    assert capsys.readouterr().out.split() == [f"step-{i}" for i in range(30)]


def test_actions_and_wait(argo_config, capsys, manifest_file):
    wf_id = submit(capsys, manifest_file)
    assert main(["wait", wf_id, "--interval", "0.01"]) == 0
    assert capsys.readouterr().out.strip() == f"Workflow {wf_id} Succeeded"
    for verb, word in [("suspend", "suspended"), ("resume", "resumed"), ("stop", "stopped")]:
        assert main([verb, wf_id]) == 0
        assert capsys.readouterr().out.strip() == f"Workflow {wf_id} {word}"
    assert main(["wait", wf_id]) == 1  # stopped: Failed
    assert main(["retry", wf_id]) == 0
    assert main(["wait", wf_id, "--interval", "0.01", "--timeout", "0.05"]) == 1  # Running
    assert main(["terminate", wf_id]) == 0
    capsys.readouterr()
    assert main(["resubmit", wf_id]) == 0
    assert "resubmitted as hello-" in capsys.readouterr().out
    assert main(["delete", wf_id]) == 0
    assert main(["get", wf_id]) == 1
    assert "404" in capsys.readouterr().err


def test_usage_errors_exit_2(argo_config, capsys, tmp_path):
    assert main([]) == 2
    assert main(["getsteps"]) == 2
    assert main(["submit", str(tmp_path / "missing.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err
    (tmp_path / "two.yaml").write_text("kind: ConfigMap\n")
    assert main(["submit", str(tmp_path / "two.yaml")]) == 2
    assert "exactly one Workflow manifest, found 0" in capsys.readouterr().err
    assert main(["list", "-l", "novalue"]) == 2


def test_server_errors_exit_3(argo_config, capsys, manifest_file):
    argo_config.fail_next(1, 500, method="POST", message="admission webhook denied")
    assert main(["submit", str(manifest_file)]) == 3
    assert "admission webhook denied" in capsys.readouterr().err
    assert main(["--token", "wrong", "list"]) == 3
    assert "401" in capsys.readouterr().err


def test_schema_violation_is_reported(argo_config, capsys, tmp_path):
    bad = hello_manifest()
    bad["spec"]["entrypoint"] = 7
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    assert main(["submit", str(tmp_path / "bad.yaml")]) == 3
    assert "entrypoint" in capsys.readouterr().err


def test_the_installed_entry_point_runs_as_a_process(argo_server, manifest_file):
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        DFLOW_MODE="default",
        DFLOW_HOST=argo_server.url,
        DFLOW_TOKEN=TOKEN,
        DFLOW_NAMESPACE="argo",
    )
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "dflow.cli", *a], env=env, capture_output=True, text=True
    )
    done = run("submit", str(manifest_file))
    assert done.returncode == 0, done.stderr
    wf_id = done.stdout.split()[1]
    assert run("wait", wf_id).returncode == 0
    missing = run("get", "ghost")
    assert missing.returncode == 1 and "ghost" in missing.stderr
