"""A step slicing a Steps over an input parameter, with no loop of its own, fans out over it.

Checked against 1.8.134 (debug mode, OPs on ``PYTHONPATH``): ``Step("fan", inner,
slices=Slices(input_parameter=["x"], output_artifact=["out"]), parameters={"x": ["a", "b",
"c"]})`` ran ``inner`` 3 times and the step reading ``fan``'s stacked ``out`` printed
``['wrote a', 'wrote b', 'wrote c']``. With a step inside ``inner`` passing on a big output
parameter of another, the same over ``["a", "b"]`` printed ``['wrote a1', 'wrote b1']``.
Ours used to refuse the first ("Slices need a fan-out") and fail to copy ``inner`` in the second.
"""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import InputParameter, OutputArtifact, Step, Steps, Workflow
from dflow.python import OP, OPIO, Artifact, BigParameter, OPIOSign, PythonOPTemplate, Slices

pytestmark = pytest.mark.usefixtures("debug")


class Write(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": str})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"out": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in):
        path = Path(op_in["x"])
        path.write_text("wrote " + op_in["x"])
        return OPIO({"out": path})


class WriteBig(Write):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": BigParameter(str)})


class Name(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": str})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": BigParameter(str)})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"y": op_in["x"] + "1"})


class Read(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"outs": Artifact(List[Path])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"s": List[str]})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"s": [Path(p).read_text() for p in op_in["outs"]]})


def _run(inner: Steps, xs: List[str]) -> Workflow:
    fan = Step(
        "fan",
        inner,
        slices=Slices(input_parameter=["x"], output_artifact=["out"]),
        parameters={"x": xs},
    )
    read = Step("read", PythonOPTemplate(Read), artifacts={"outs": fan.outputs.artifacts["out"]})
    wf = Workflow("steps-slices")
    wf.add(fan)
    wf.add(read)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    return wf


def _inner() -> Steps:
    inner = Steps("inner")
    inner.inputs.parameters["x"] = InputParameter()
    inner.outputs.artifacts["out"] = OutputArtifact()
    return inner


def test_a_sliced_steps_fans_out_over_its_sliced_parameter() -> None:
    inner = _inner()
    write = Step("write", PythonOPTemplate(Write), parameters={"x": inner.inputs.parameters["x"]})
    inner.add(write)
    inner.outputs.artifacts["out"]._from = write.outputs.artifacts["out"]
    wf = _run(inner, ["a", "b", "c"])
    assert len(wf.query_step(name="fan")) == 3
    assert wf.query_step(name="read")[0].outputs.parameters["s"].value == [
        "wrote a",
        "wrote b",
        "wrote c",
    ]


def test_a_sliced_steps_passing_a_big_output_on_is_copied_whole() -> None:
    inner = _inner()
    name = Step("name", PythonOPTemplate(Name), parameters={"x": inner.inputs.parameters["x"]})
    inner.add(name)
    write = Step(
        "write", PythonOPTemplate(WriteBig), parameters={"x": name.outputs.parameters["y"]}
    )
    inner.add(write)
    inner.outputs.artifacts["out"]._from = write.outputs.artifacts["out"]
    wf = _run(inner, ["a", "b"])
    assert wf.query_step(name="read")[0].outputs.parameters["s"].value == ["wrote a1", "wrote b1"]
