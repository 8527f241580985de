"""A ``Slices(sub_path=True)`` step inside a Steps, keyed and given a parameter from the Steps'
inputs and the item, as rid-kit's exploration steps are.

Checked against 1.8.134 (debug mode): the Steps ``block`` has ``block_tag`` (given ``"000"``) and
a sliced artifact ``f`` (an upload of three files holding ``a``, ``bb``, ``ccc``); its step
``explore`` slices ``f`` by sub-path, with ``key="{{inputs.parameters.block_tag}}-explore-
{{item.order}}"`` and ``tag="{{inputs.parameters.block_tag}}-t{{item.order}}"``. The original
printed ``Succeeded``, the keys ``000-explore-0``, ``000-explore-1``, ``000-explore-2`` (Pods,
``Succeeded``) and ``000-explore-group-init-artifact``, and the items' outputs
``000-t0|a``, ``000-t1|bb``, ``000-t2|ccc``. Ours used to fail with "unresolved reference
'item.order'".
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
        return OPIOSign({"tag": str, "f": Artifact(Path)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": str})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"y": "%s|%s" % (op_in["tag"], op_in["f"].read_text())})


def test_keys_and_values_from_the_steps_inputs(tmp_path, monkeypatch, render) -> None:
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
            artifacts={"f": InputArtifact()},
        ),
    )
    tag = block.inputs.parameters["block_tag"]
    slices = Slices(sub_path=True, input_artifact=["f"], output_parameter=["y"])
    block.add(
        Step(
            "explore",
            PythonOPTemplate(Explore, slices=slices),
            parameters={"tag": "%s-t{{item.order}}" % tag},
            artifacts={"f": block.inputs.artifacts["f"]},
            key="%s-explore-{{item.order}}" % tag,
        )
    )
    wf = Workflow("sub-in-steps")
    wf.add(Step("block", block, parameters={"block_tag": "000"}, artifacts={"f": files}))
    render(wf)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    keys = [f"000-explore-{i}" for i in range(3)]
    assert sorted(wf.query_keys_of_steps()) == [*keys, "000-explore-group-init-artifact"]
    items = sorted(wf.query_step(key=keys), key=lambda s: s.key)
    assert [(s.key, s.type, s.phase) for s in items] == [(k, "Pod", "Succeeded") for k in keys]
    (stacked,) = wf.query_step(name="explore", type="Steps")  # ours: the wrapper the step runs
    assert stacked.outputs.parameters["y"].value == ["000-t0|a", "000-t1|bb", "000-t2|ccc"]
