"""A workflow reusing the items of a sliced step reads their stacked outputs.

Checked against 1.8.134 (debug mode, OPs on ``PYTHONPATH``): a Steps ``inner`` runs ``prep`` then
a sliced ``run`` over 3 names (keys ``run-{{item}}``), its output the stack of ``run``'s
artifacts; ``collect`` reads it and printed ``['ran t0', 'ran t1', 'ran t2']``. Resubmitted with
``reuse_step`` = the finished Pod steps but ``collect``, ``collect`` printed the same; with item 1's
output replaced by ``upload_artifact([None, "t1"], archive=None)`` (a changed ``t1/data``), it
printed ``['ran t0', 'modified t1', 'ran t2']``; with the Steps ``inner`` reused and its output
replaced, ``['modified t0', 'modified t1', 'modified t2']``.
Ours used to fail the first two: the reused items had stacked under the first workflow's key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, List

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import (
    OutputArtifact,
    Step,
    Steps,
    Workflow,
    argo_len,
    argo_sequence,
    download_artifact,
    upload_artifact,
)
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices

pytestmark = pytest.mark.usefixtures("debug")


class Prep(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"n": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"names": List[str]})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"names": [f"t{i}" for i in range(op_in["n"])]})


class Run(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"name": str})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"out": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in):
        path = Path(op_in["name"]) / "data"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("ran " + op_in["name"])
        return OPIO({"out": Path(op_in["name"])})


class Collect(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"outs": Artifact(List[Path])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"s": List[str]})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"s": [(Path(p) / "data").read_text() for p in op_in["outs"]]})


def _build(name: str) -> Workflow:
    inner = Steps("inner")
    inner.outputs.artifacts["outs"] = OutputArtifact()
    prep = Step("prep", PythonOPTemplate(Prep), parameters={"n": 3}, key="prep")
    inner.add(prep)
    names = prep.outputs.parameters["names"]
    run = Step(
        "run",
        PythonOPTemplate(
            Run, slices=Slices("{{item}}", input_parameter=["name"], output_artifact=["out"])
        ),
        parameters={"name": names},
        with_sequence=argo_sequence(argo_len(names)),
        key="run-{{item}}",
    )
    inner.add(run)
    inner.outputs.artifacts["outs"]._from = run.outputs.artifacts["out"]
    outer = Step("inner", inner, key="inner")
    collect = Step(
        "collect",
        PythonOPTemplate(Collect),
        artifacts={"outs": outer.outputs.artifacts["outs"]},
        key="collect",
    )
    wf = Workflow(name)
    wf.add(outer)
    wf.add(collect)
    return wf


def _first_run() -> List[Any]:
    wf = _build("sliced-reuse")
    wf.submit()
    assert wf.query_step(key="collect")[0].outputs.parameters["s"].value == [
        "ran t0",
        "ran t1",
        "ran t2",
    ]
    return list(wf.query_step(phase="Succeeded"))


def _rerun(reuse: List[Any]) -> List[str]:
    wf = _build("sliced-reuse-again")
    wf.submit(reuse_step=reuse)
    assert wf.query_status() == "Succeeded"
    return wf.query_step(key="collect")[0].outputs.parameters["s"].value


def _pods(steps: List[Any]) -> List[Any]:
    return [s for s in steps if s.type != "Steps" and s.key != "collect"]


def _changed(texts: List[str], tmp_path: Path) -> Any:
    """An upload holding ``t<i>/data`` with text ``modified t<i>``, None where ``texts`` has it."""
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for name in texts:
            if name is not None:
                Path(name).mkdir()
                Path(name, "data").write_text("modified " + name)
        return upload_artifact(texts, archive=None)
    finally:
        os.chdir(cwd)


def test_reused_items_give_their_stacked_outputs() -> None:
    # GIVEN the finished items of a sliced step, reused without the Steps around them
    reuse = _pods(_first_run())
    # WHEN the workflow runs again THEN the stack holds what the items produced
    assert _rerun(reuse) == ["ran t0", "ran t1", "ran t2"]


def test_a_changed_item_output_replaces_its_slice(tmp_path: Path) -> None:
    # GIVEN item 1's output replaced by a list artifact holding only its slice
    reuse = _pods(_first_run())
    item = next(s for s in reuse if s.key == "run-1")
    got = download_artifact(item.outputs.artifacts["out"], slice=1, path=tmp_path / "got")
    assert [Path(p).name for p in got if p] == ["t1"]
    item.modify_output_artifact("out", _changed([None, "t1"], tmp_path))
    # WHEN the workflow runs again THEN that slice is the new one, the others as they were
    assert _rerun(reuse) == ["ran t0", "modified t1", "ran t2"]


def test_a_reused_steps_gives_its_changed_output(tmp_path: Path) -> None:
    # GIVEN the Steps around the sliced step reused with its stacked output replaced
    steps = _first_run()
    reuse = _pods(steps)
    inner = next(s for s in steps if s.key == "inner")
    inner.modify_output_artifact("outs", _changed(["t0", "t1", "t2"], tmp_path))
    # WHEN the workflow runs again THEN the readers get the replacement
    assert _rerun([*reuse, inner]) == ["modified t0", "modified t1", "modified t2"]
