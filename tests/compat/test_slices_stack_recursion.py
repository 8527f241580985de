"""A sliced Steps whose stacked output comes from an ``if_expression`` over a recursive call of
itself and a sliced fan-out inside: every item of that fan-out, in every round, stacks into it.

Checked against 1.8.134 (debug mode, OPs on ``PYTHONPATH``): a Steps ``loop`` over a big
parameter ``name`` runs ``tag``, ``split`` (two parts), a sliced ``part`` fan-out writing
``<part>/<round>.txt``, then calls itself for round 1; its output is
``if_expression(done == "false", again's output, part's stacked output)``. Sliced over
``["p", "q"]``, the step reading the stack printed ``['p-a/0.txt', 'p-a/1.txt', 'p-b/0.txt',
'p-b/1.txt', 'q-a/0.txt', 'q-a/1.txt', 'q-b/0.txt', 'q-b/1.txt']``.
Ours used to refuse the output ("must come (_from) from a Python OP step inside it").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import InputParameter, OutputArtifact, Step, Steps, Workflow, if_expression
from dflow.python import OP, OPIO, Artifact, BigParameter, OPIOSign, PythonOPTemplate, Slices

pytestmark = pytest.mark.usefixtures("debug")


class Tag(OP):
    """Writes <name>/<round>.txt while round < 2; reports whether it is done."""

    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"name": BigParameter(str), "round": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"out": Artifact(Path), "done": str, "name": BigParameter(str)})

    @OP.exec_sign_check
    def execute(self, op_in):
        d = Path(op_in["name"])
        d.mkdir(exist_ok=True)
        (d / ("%d.txt" % op_in["round"])).write_text(op_in["name"])
        return OPIO(
            {"out": d, "done": "true" if op_in["round"] >= 1 else "false", "name": op_in["name"]}
        )


class Split(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"name": BigParameter(str)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"parts": List[str]})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"parts": [op_in["name"] + "-a", op_in["name"] + "-b"]})


class Part(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"part": str, "round": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"out": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in):
        d = Path(op_in["part"])
        d.mkdir(exist_ok=True)
        (d / ("%d.txt" % op_in["round"])).write_text("x")
        return OPIO({"out": d})


class Walk(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"outs": Artifact(List[Path])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"files": List[str]})

    @OP.exec_sign_check
    def execute(self, op_in):
        files = set()
        for p in op_in["outs"]:
            if p is None:
                continue
            for r, _, fs in os.walk(p):
                for f in fs:
                    files.add(os.path.join(os.path.basename(r), f))
        return OPIO({"files": sorted(files)})


def test_every_round_of_a_recursive_steps_stacks_into_its_sliced_output() -> None:
    loop = Steps("loop")
    loop.inputs.parameters["name"] = InputParameter()
    loop.inputs.parameters["round"] = InputParameter(value=0)
    loop.outputs.artifacts["out"] = OutputArtifact()
    params = loop.inputs.parameters
    tag = Step(
        "tag", PythonOPTemplate(Tag), parameters={"name": params["name"], "round": params["round"]}
    )
    loop.add(tag)
    split = Step(
        "split", PythonOPTemplate(Split), parameters={"name": tag.outputs.parameters["name"]}
    )
    loop.add(split)
    part = Step(
        "part",
        PythonOPTemplate(Part, slices=Slices(input_parameter=["part"], output_artifact=["out"])),
        parameters={"part": split.outputs.parameters["parts"], "round": params["round"]},
    )
    loop.add(part)
    again = Step(
        "again",
        loop,
        parameters={"name": tag.outputs.parameters["name"], "round": params["round"] + 1},
        when="%s == false" % tag.outputs.parameters["done"],
    )
    loop.add(again)
    loop.outputs.artifacts["out"].from_expression = if_expression(
        _if=tag.outputs.parameters["done"] == "false",
        _then=again.outputs.artifacts["out"],
        _else=part.outputs.artifacts["out"],
    )
    fan = Step(
        "fan",
        loop,
        slices=Slices(input_parameter=["name"], output_artifact=["out"]),
        parameters={"name": ["p", "q"]},
    )
    walk = Step("walk", PythonOPTemplate(Walk), artifacts={"outs": fan.outputs.artifacts["out"]})
    wf = Workflow("stack-recursive")
    wf.add(fan)
    wf.add(walk)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="walk")[0].outputs.parameters["files"].value == [
        "p-a/0.txt",
        "p-a/1.txt",
        "p-b/0.txt",
        "p-b/1.txt",
        "q-a/0.txt",
        "q-a/1.txt",
        "q-b/0.txt",
        "q-b/1.txt",
    ]
