"""``download_artifact`` returns the paths under ``path`` as the caller gave it.

Checked against 1.8.134 (debug mode, run from the directory holding ``a.txt`` and ``d/``): an
OP's ``List[Path]`` output downloaded with the default path printed ``['./a.txt', './d']``, with
``path="out"`` ``['out/a.txt', 'out/d']``, and ``upload_artifact(["a.txt"])`` downloaded with
``path="up"`` ``['up/a.txt']``.
"""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import Step, Workflow, download_artifact, upload_artifact
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate


class Make(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign()

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"files": Artifact(List[Path])})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        Path("a.txt").write_text("a")
        Path("d").mkdir()
        Path("d/b.txt").write_text("b")
        return OPIO({"files": [Path("a.txt"), Path("d")]})


@pytest.mark.usefixtures("debug")
def test_paths_start_with_the_given_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an OP's list of paths, and a file uploaded from the working directory
    monkeypatch.chdir(tmp_path)
    wf = Workflow(name="dl")
    wf.add(Step("make", PythonOPTemplate(Make)))
    wf.submit()
    files = wf.query_step(name="make")[0].outputs.artifacts["files"]
    (tmp_path / "a.txt").write_text("a")
    uploaded = upload_artifact(["a.txt"])

    # WHEN they are downloaded with relative paths THEN the paths returned are relative too
    assert download_artifact(files) == ["./a.txt", "./d"]
    assert download_artifact(files, path="out") == ["out/a.txt", "out/d"]
    assert download_artifact(uploaded, path="up") == ["up/a.txt"]
    assert (tmp_path / "out" / "d" / "b.txt").read_text() == "b"
