"""A ``Slices(sub_path=True)`` step inside a Steps, given the Steps' optional artifact, which the
Steps was not given: the OP runs with that artifact None.

Checked against 1.8.134 (debug mode): the Steps ``block`` has ``block_tag`` (given ``"000"``), a
sliced artifact ``f`` (an upload of three files holding ``a``, ``bb``, ``ccc``) and an optional
artifact ``models`` (not given); its step ``explore`` slices ``f`` by sub-path, gets ``models``
from the Steps and ``tag="{{inputs.parameters.block_tag}}-t"``. The original printed
``Succeeded`` and the items' outputs ``000-t|a|None``, ``000-t|bb|None``, ``000-t|ccc|None``.
Ours used to fail with "'inputs.artifacts.models' is not known here".
"""

from __future__ import annotations

from pathlib import Path

from dflow import (
    InputArtifact,
    InputParameter,
    Inputs,
    Step,
    Steps,
    Workflow,
    upload_artifact,
)
from dflow.config import config, s3_config
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices


class Explore(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"tag": str, "f": Artifact(Path), "models": Artifact(Path, optional=True)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": str})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"y": "%s|%s|%s" % (op_in["tag"], op_in["f"].read_text(), op_in["models"])})


def test_an_optional_artifact_left_unset_is_none(tmp_path, monkeypatch, render) -> None:
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    monkeypatch.chdir(tmp_path)
    for i, text in enumerate(["a", "bb", "ccc"]):
        Path(f"in{i}.txt").write_text(text)
    files = upload_artifact([Path(f"in{i}.txt") for i in range(3)])
    block = Steps(
        "block",
        inputs=Inputs(
            parameters={"block_tag": InputParameter(type=str, value="")},
            artifacts={"f": InputArtifact(), "models": InputArtifact(optional=True)},
        ),
    )
    slices = Slices(sub_path=True, input_artifact=["f"], output_parameter=["y"])
    block.add(
        Step(
            "explore",
            PythonOPTemplate(Explore, slices=slices),
            parameters={"tag": "%s-t" % block.inputs.parameters["block_tag"]},
            artifacts={
                "f": block.inputs.artifacts["f"],
                "models": block.inputs.artifacts["models"],
            },
        )
    )
    wf = Workflow("sub-optional")
    wf.add(Step("block", block, parameters={"block_tag": "000"}, artifacts={"f": files}))
    render(wf)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert len(wf.query_step(name="explore", type="Pod")) == 3
    (stacked,) = wf.query_step(name="explore", type="Steps")  # ours: the wrapper the step runs
    assert stacked.outputs.parameters["y"].value == [
        "000-t|a|None",
        "000-t|bb|None",
        "000-t|ccc|None",
    ]
