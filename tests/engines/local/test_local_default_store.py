"""In debug mode with no store configured, downloads come from the local engine's own store."""

from __future__ import annotations

from pathlib import Path

from dflow import OutputArtifact, Outputs, ShellOPTemplate, Step, Workflow, download_artifact
from dflow.config import config, s3_config


def test_download_of_a_step_output_uses_the_engine_store(tmp_path, monkeypatch):
    # GIVEN debug mode, its root in tmp_path, and no storage client set anywhere
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    monkeypatch.chdir(tmp_path)
    write = ShellOPTemplate(
        name="write",
        script="mkdir -p /tmp/out && echo stored > /tmp/out/f.txt",
        outputs=Outputs(artifacts={"out": OutputArtifact(path="/tmp/out")}),
    )
    wf = Workflow("store")
    wf.add(Step("write", write))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    # WHEN the output is downloaded THEN it comes from <root>/artifacts, not from S3
    paths = download_artifact(wf.query_step(name="write")[0].outputs.artifacts["out"], path="got")
    assert (tmp_path / "got" / "f.txt").read_text() == "stored\n"
    assert [Path(p).name for p in paths] == ["f.txt"]
    assert any((tmp_path / "root" / "artifacts").rglob("*"))
