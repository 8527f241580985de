"""An OP returning a ``Path`` output that does not exist succeeds; the artifact lists None.

Checked against 1.8.134 (debug mode, OP on ``PYTHONPATH``): an OP returning
``Path("nope/missing.txt")`` for an ``Artifact(Path)`` output left the workflow ``Succeeded`` and
``download_artifact`` of the output printed ``[None]``. Ours used to fail the step.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import Step, Workflow, download_artifact
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate

pytestmark = pytest.mark.usefixtures("debug")


class Miss(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"out": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"out": Path("nope/missing.txt")})


def test_a_missing_output_path_is_listed_as_none(tmp_path: Path) -> None:
    wf = Workflow("miss-out")
    wf.add(Step("miss", PythonOPTemplate(Miss)))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    step = wf.query_step(name="miss")[0]
    assert download_artifact(step.outputs.artifacts["out"], path=tmp_path / "got") == [None]
