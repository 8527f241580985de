"""``dflow upload`` / ``dflow download`` against the SeaweedFS S3 server."""

from __future__ import annotations

import pytest

from dflow.cli import main

pytestmark = pytest.mark.s3


def test_upload_then_download_round_trip(s3_config_for_tests, capsys, tmp_path, monkeypatch):
    # GIVEN a directory with a file, uploaded from its parent
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.txt").write_text("alpha")
    assert main(["upload", "data"]) == 0
    key = capsys.readouterr().out.strip()
    assert key
    # WHEN it is downloaded by key elsewhere THEN the same relative path comes back
    assert main(["download", key, "-p", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out.split()
    assert (tmp_path / "out" / "data" / "a.txt").read_text() == "alpha"
    assert any(p.endswith("data") for p in printed)


def test_download_of_a_missing_key_exits_1_naming_the_key(s3_config_for_tests, capsys, tmp_path):
    code = main(["download", "no/such/key", "-p", str(tmp_path)])
    assert code == 1  # not found, as for a workflow
    assert "no/such/key" in capsys.readouterr().err
