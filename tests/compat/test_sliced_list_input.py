"""One item of a sliced list artifact, given to an input signed ``List[Path]``, is a list.

Checked against 1.8.134 (debug mode, OPs on ``PYTHONPATH``): ``make`` writes ``f0.txt`` (``0``)
and ``f1.txt`` (``1``); ``count`` (``Slices(input_artifact=["fs"])``, ``with_param=[0, 1]``)
reports the type and texts of its ``fs``: ``['ArtifactList:0', 'ArtifactList:1']`` (a list
subclass). Ours used to give the one path itself (``PosixPath``).
"""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import Step, Workflow
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices

pytestmark = pytest.mark.usefixtures("debug")


class Make(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"files": Artifact(List[Path])})

    @OP.exec_sign_check
    def execute(self, op_in):
        out = []
        for i in range(2):
            path = Path(f"f{i}.txt")
            path.write_text(str(i))
            out.append(path)
        return OPIO({"files": out})


class Count(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"fs": Artifact(List[Path])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"s": str})

    @OP.exec_sign_check
    def execute(self, op_in):
        fs = op_in["fs"]
        kind = "list" if isinstance(fs, list) else type(fs).__name__
        return OPIO({"s": kind + ":" + ",".join(Path(f).read_text() for f in fs)})


def test_an_item_of_a_sliced_list_artifact_is_a_list() -> None:
    make = Step("make", PythonOPTemplate(Make))
    count = Step(
        "count",
        PythonOPTemplate(Count, slices=Slices(input_artifact=["fs"])),
        artifacts={"fs": make.outputs.artifacts["files"]},
        with_param=[0, 1],
    )
    wf = Workflow("sliced-list-input")
    wf.add(make)
    wf.add(count)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    values = sorted(s.outputs.parameters["s"].value for s in wf.query_step(name="count"))
    assert values == ["list:0", "list:1"]
