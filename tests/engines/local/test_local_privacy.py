"""Steps get only their declared environment; the engine's files are private to its user."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from helpers import python, shell

from dflow import Step, Workflow, config, s3_config
from dflow.engines.local import LocalEngine

ENV_SCRIPT = "mkdir -p /tmp/outputs; env > /tmp/outputs/env"
PY_ENV_SCRIPT = (
    "import os\nos.makedirs('/tmp/outputs', exist_ok=True)\n"
    "open('/tmp/outputs/env', 'w').write(''.join(f'{k}={v}\\n' for k, v in os.environ.items()))\n"
)


def _envs(wf):
    found = {}
    for step in wf.query_step(type="Pod"):
        text = step.outputs.parameters["env"].value
        found[step.displayName] = dict(
            line.split("=", 1) for line in text.splitlines() if "=" in line
        )
    return found


def test_steps_do_not_inherit_host_secrets(local_root, monkeypatch):
    # GIVEN host secrets in the submitting process's environment
    monkeypatch.setenv("DFLOW_TOKEN", "host-token-123")
    monkeypatch.setenv("MY_API_KEY", "host-key-456")
    sh = shell("sh-env", ENV_SCRIPT, outputs=["env"])
    py = python("py-env", PY_ENV_SCRIPT, outputs=["env"])
    for tmpl in (sh, py):
        tmpl.envs = {"DECLARED": "yes"}
    wf = Workflow(name="no-leak")
    wf.add([Step("sh", sh), Step("py", py)])
    wf.submit()
    assert wf.query_status() == "Succeeded"
    envs = _envs(wf)
    assert set(envs) == {"sh", "py"}
    for name, env in envs.items():
        # THEN each step sees what its template declares and what it needs, no secret
        assert env.get("DECLARED") == "yes", name
        assert env.get("PATH") == os.environ["PATH"], name
        assert "DFLOW_TOKEN" not in env and "MY_API_KEY" not in env, name
        assert not any("host-token-123" in v or "host-key-456" in v for v in env.values())


def test_detached_runner_and_steps_do_not_get_the_storage_secret(local_root, monkeypatch):
    config["detach"] = True
    s3_config["secret_key"] = "s3-secret-789"
    monkeypatch.setenv("DFLOW_TOKEN", "host-token-123")
    tmpl = shell("env-slow", ENV_SCRIPT + "; sleep 1.5", outputs=["env"])
    wf = Workflow(name="detached-no-leak")
    wf.add(Step("s", tmpl))
    wf.submit()
    seen = b""
    end = time.monotonic() + 10
    while time.monotonic() < end and not seen:  # the runner's own environment
        for proc in Path("/proc").iterdir():
            try:
                argv = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if b"dflow.engines.local.runner" in argv and wf.id.encode() in argv:
                seen = (proc / "environ").read_bytes() or b"-"
        time.sleep(0.02)
    assert seen, "the runner was not seen"
    assert b"s3-secret-789" not in seen
    assert wf.wait(interval=0.1) == "Succeeded"
    env = _envs(wf)["s"]
    assert "DFLOW_S3_SECRET_KEY" not in env and "DFLOW_TOKEN" not in env
    assert not any("s3-secret-789" in v for v in env.values())


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_engine_folder_state_logs_and_artifacts_are_private(tmp_path):
    # GIVEN an engine whose root and store it creates itself
    saved = dict(config), dict(s3_config)
    root = tmp_path / "fresh" / "engine"
    try:
        s3_config.pop("storage_client", None)
        config.update(mode="debug", debug_workdir=str(root), detach=False)
        tmpl = shell("art", "mkdir -p /tmp/outputs; echo hi; echo data > /tmp/outputs/f")
        from dflow import OutputArtifact

        tmpl.outputs.artifacts["f"] = OutputArtifact(path="/tmp/outputs/f")
        wf = Workflow(name="private")
        wf.add(Step("s", tmpl))
        wf.submit()
        assert wf.query_status() == "Succeeded"
        engine = LocalEngine()
        wdir = engine.layout.workflow(wf.id)
        for folder in (root, root / "workflows", wdir, root / "artifacts"):
            assert _mode(folder) == 0o700, folder
        files = [wdir / "state.json"]
        files += list((wdir / "steps").glob("*/stdout")) + list((wdir / "steps").glob("*/stderr"))
        files += [p for p in (root / "artifacts").rglob("*") if p.is_file()]
        assert len(files) >= 4
        for path in files:
            assert _mode(path) == 0o600, path
    finally:
        config.clear()
        config.update(saved[0])
        s3_config.clear()
        s3_config.update(saved[1])
