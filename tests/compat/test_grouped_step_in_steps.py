"""A grouped sliced step inside a Steps, keyed and given parameters from the Steps' inputs, and
an optional artifact the Steps was not given (checked against 1.8.134).

The Steps ``block`` has ``block_tag`` (given ``"000"``) and an optional artifact ``top`` (not
given); its step ``sq`` over five items in groups of two has
``key="{{inputs.parameters.block_tag}}-sq-{{item}}"``,
``tag="{{inputs.parameters.block_tag}}-t{{item}}"`` and ``top`` from the Steps. The original
printed ``Succeeded``, the keys ``000-sq-0``,
``000-sq-1``, ``000-sq-2`` (Pod steps), and ``y`` of the groups ``000-t0:1``, ``000-t0:4`` /
``000-t1:9``, ``000-t1:16`` / ``000-t2:25`` with ``top`` None.
"""

from __future__ import annotations

from pathlib import Path

from dflow import InputArtifact, InputParameter, Inputs, Step, Steps, Workflow, argo_range
from dflow.config import config, s3_config
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices


class Sq(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": int, "tag": str, "top": Artifact(Path, optional=True)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": str})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        assert op_in["top"] is None
        return OPIO({"y": "%s:%d" % (op_in["tag"], op_in["x"] ** 2)})


def test_keys_and_values_from_the_steps_inputs(tmp_path, monkeypatch, render) -> None:
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    xs = [1, 2, 3, 4, 5]
    block = Steps(
        "block",
        inputs=Inputs(
            parameters={"block_tag": InputParameter(type=str, value="")},
            artifacts={"top": InputArtifact(optional=True)},
        ),
    )
    tag = block.inputs.parameters["block_tag"]
    slices = Slices(
        "{{item}}", group_size=2, pool_size=1, input_parameter=["x"], output_parameter=["y"]
    )
    block.add(
        Step(
            "sq",
            PythonOPTemplate(Sq, slices=slices),
            parameters={"x": xs, "tag": "%s-t{{item}}" % tag},
            artifacts={"top": block.inputs.artifacts["top"]},
            with_param=argo_range(len(xs)),
            key="%s-sq-{{item}}" % tag,
        )
    )
    wf = Workflow("grouped-in-steps")
    wf.add(Step("block", block, parameters={"block_tag": "000"}))
    render(wf)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    groups = sorted(wf.query_step(key=["000-sq-0", "000-sq-1", "000-sq-2"]), key=lambda s: s.key)
    assert [(s.key, s.type, s.phase) for s in groups] == [
        (f"000-sq-{i}", "Pod", "Succeeded") for i in range(3)
    ]
    assert [s.outputs.parameters["y"].value for s in groups] == [
        ["000-t0:1", "000-t0:4"],
        ["000-t1:9", "000-t1:16"],
        ["000-t2:25"],
    ]
