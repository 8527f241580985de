"""Workflow ids that would leave their folder, and two submissions of one name at once."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from dflow import InvalidWorkflowError
from dflow.cli import main as cli
from dflow.engines.local import LocalEngine


def manifest(name=None, generate=None, script="echo hi"):
    meta = {}
    if name is not None:
        meta["name"] = name
    if generate is not None:
        meta["generateName"] = generate
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": meta,
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "script": {"image": "alpine", "command": ["sh"], "source": script}}
            ],
        },
    }


@pytest.mark.parametrize("bad", ["..", ".", "../x", "a/b", "/etc", "UPPER", "", "a" * 254])
def test_an_id_that_is_no_workflow_name_is_refused(local_root, bad):
    engine = LocalEngine()
    engine.submit(manifest("keep"))
    with pytest.raises(InvalidWorkflowError, match="not a valid workflow name"):
        engine.submit(manifest(bad))
    for verb in ("delete", "retry", "terminate", "resubmit"):
        with pytest.raises(InvalidWorkflowError, match="not a valid workflow name"):
            engine.action(bad, verb)
    with pytest.raises(InvalidWorkflowError, match="not a valid workflow name"):
        engine.get(bad)
    # nothing was written outside the workflow folders, nothing was removed
    assert sorted(p.name for p in local_root.iterdir()) == ["artifacts", "workflows"]
    assert engine.get("keep")["status"]["phase"] == "Succeeded"


def test_cli_submit_and_delete_of_dot_dot_leave_the_engine_folder_whole(local_root, tmp_path):
    # GIVEN a workflow the engine holds, and a manifest named ".."
    engine = LocalEngine()
    engine.submit(manifest("keep"))
    path = tmp_path / "evil.yaml"
    path.write_text(json.dumps(manifest("..")))
    # WHEN it is submitted and "dflow delete .." runs
    assert cli(["--mode", "debug", "submit", str(path)]) != 0
    assert cli(["--mode", "debug", "delete", ".."]) != 0
    # THEN the engine's folder and its workflow are still there
    assert not (local_root / "state.json").exists()
    assert engine.get("keep")["status"]["phase"] == "Succeeded"
    assert (local_root / "workflows" / "keep" / "state.json").exists()


def test_a_generate_name_that_makes_no_valid_id_is_refused(local_root):
    with pytest.raises(InvalidWorkflowError, match="not a valid workflow name"):
        LocalEngine().submit(manifest(generate="../"))


def _submit_one(root: str, name: str, barrier, answers) -> None:
    from dflow.config import config, s3_config
    from dflow.storage import LocalClient

    config.update(mode="debug", debug_workdir=root, detach=False)
    s3_config["storage_client"] = LocalClient(os.path.join(root, "artifacts"))
    engine = LocalEngine()
    barrier.wait()
    try:
        done = engine.submit(manifest(name, script=f"echo {os.getpid()}"))
        answers.put(("ok", os.getpid(), done["status"]["phase"]))
    except InvalidWorkflowError as exc:
        answers.put(("refused", os.getpid(), str(exc)))


def test_two_processes_submitting_one_name_one_wins_one_is_refused(local_root):
    ctx = multiprocessing.get_context("fork")
    for trial in range(15):
        name = f"race-{trial}"
        barrier, answers = ctx.Barrier(2), ctx.Queue()
        procs = [
            ctx.Process(target=_submit_one, args=(str(local_root), name, barrier, answers))
            for _ in range(2)
        ]
        for p in procs:
            p.start()
        got = sorted(answers.get(timeout=60) for _ in procs)
        for p in procs:
            p.join(timeout=60)
        assert [g[0] for g in got] == ["ok", "refused"], got
        assert "already exists" in got[1][2]
        winner = got[0][1]
        state = LocalEngine().get(name)
        assert state["status"]["phase"] == "Succeeded"
        (node,) = [n for n in state["status"]["nodes"].values() if n["type"] == "Pod"]
        assert node["outputs"]["result"] == str(winner)


def test_generate_name_takes_a_new_suffix_when_one_is_taken(local_root, monkeypatch):
    import random

    engine = LocalEngine()
    first = engine.submit(manifest(generate="gen-"))["metadata"]["name"]
    suffixes = iter([first[len("gen-") :], first[len("gen-") :], "zzzzz"])
    monkeypatch.setattr(random, "choices", lambda alphabet, k: list(next(suffixes)))
    second = engine.submit(manifest(generate="gen-"))["metadata"]["name"]
    assert second == "gen-zzzzz"
    assert sorted(p.name for p in Path(local_root, "workflows").iterdir()) == sorted(
        [first, second]
    )
