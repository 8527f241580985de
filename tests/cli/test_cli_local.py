"""The ``dflow`` command against the local engine (debug mode): the same commands, by id."""

from __future__ import annotations

import pytest
import yaml

from dflow import OutputParameter, Outputs, ShellOPTemplate, Step, Workflow
from dflow.cli import main
from dflow.config import config, s3_config


@pytest.fixture
def debug_mode(tmp_path, monkeypatch):
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _workflow(fail: bool = False) -> Workflow:
    say = ShellOPTemplate(
        name="say",
        script="mkdir -p /tmp/o && echo hi > /tmp/o/word" + (" && exit 3" if fail else ""),
        outputs=Outputs(parameters={"word": OutputParameter(value_from_path="/tmp/o/word")}),
    )
    wf = Workflow("cli-local", labels={"team": "a"})
    wf.add(Step("say", say, key="say-key"))
    return wf


def test_submit_get_getsteps_getkeys_wait(debug_mode, capsys):
    # GIVEN a manifest file rendered from a workflow
    path = debug_mode / "wf.yaml"
    path.write_text(_workflow().to_yaml())
    # WHEN it is submitted and inspected with the command line, in debug mode
    assert main(["--mode", "debug", "submit", str(path)]) == 0
    wf_id = capsys.readouterr().out.split()[1]
    assert main(["--mode", "debug", "wait", wf_id]) == 0
    assert main(["--mode", "debug", "get", wf_id]) == 0
    assert "Status:    Succeeded" in capsys.readouterr().out
    assert main(["--mode", "debug", "getsteps", wf_id, "-k", "say-key"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[1].split()[0] == "say" and rows[1].split()[-1] == "Succeeded"
    assert main(["--mode", "debug", "getkeys", wf_id]) == 0
    assert "say-key" in capsys.readouterr().out
    assert main(["--mode", "debug", "list", "-l", "team=a"]) == 0
    assert wf_id in capsys.readouterr().out
    assert main(["--mode", "debug", "get", wf_id, "-o", "json"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["status"]["phase"] == "Succeeded"


def test_failed_workflow_and_unknown_id_exit_1(debug_mode, capsys):
    wf = _workflow(fail=True)
    wf.submit()
    assert main(["--mode", "debug", "wait", wf.id]) == 1
    assert main(["--mode", "debug", "get", "no-such-workflow"]) == 1


def test_a_key_error_is_not_reported_as_not_found(debug_mode, capsys):
    # GIVEN a workflow whose state file lacks its status (a bug, not a missing workflow)
    from dflow.engines.local.layout import Layout

    path = Layout(debug_mode / "root").state("no-status")
    path.parent.mkdir(parents=True)
    path.write_text('{"metadata": {"name": "no-status"}}')
    # WHEN the command reads it THEN the KeyError surfaces instead of "not found", exit 1
    with pytest.raises(KeyError):
        main(["--mode", "debug", "get", "no-status"])
    assert "not found" not in capsys.readouterr().err
    # AND a workflow that really does not exist still exits 1 as not found
    assert main(["--mode", "debug", "get", "missing"]) == 1
    assert "not found" in capsys.readouterr().err
