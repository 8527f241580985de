"""A returned path inside an input artifact keeps its place in that artifact (checked against
1.8.134).

An OP given the uploaded directory ``indir`` (holding ``sub/x.txt``) returns
``op_in["d"] / "sub" / "x.txt"``; downloading the output to ``dl``: the original printed
``['dl/indir/sub/x.txt']`` (the path after ``/tmp/inputs/artifacts/d/``).
"""

from __future__ import annotations

import os
from pathlib import Path

from dflow import Step, Workflow, download_artifact, upload_artifact
from dflow.config import config, s3_config
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate


class Pick(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"d": Artifact(Path)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"f": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"f": op_in["d"] / "sub" / "x.txt"})


def test_a_path_inside_an_input_keeps_its_place(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    os.makedirs("indir/sub")
    Path("indir/sub/x.txt").write_text("x")
    wf = Workflow("outputs-from-inputs")
    wf.add(Step("pick", PythonOPTemplate(Pick), artifacts={"d": upload_artifact(Path("indir"))}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    download_artifact(wf.query_step(name="pick")[0].outputs.artifacts["f"], path="dl")
    files = sorted(str(p) for p in Path("dl").rglob("*") if p.is_file())
    assert files == [os.path.join("dl", "indir", "sub", "x.txt")]
