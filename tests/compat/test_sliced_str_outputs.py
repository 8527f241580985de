"""A sliced step's ``str`` outputs stack as strings, however much they look like numbers.

Checked against 1.8.134 (debug mode): a step slicing ``i`` over ``[0, 1, 2]`` whose OP returns
``s: str(i)``, with ``output_parameter=["s"]``, read by an OP taking ``l: List[str]``, printed
``['0', '1', '2']``, and so with ``group_size=2, pool_size=1``. Ours gave ``[0, 1, 2]`` and the
reader failed its type check. An ``int`` output stacks as ints on both.
"""

from __future__ import annotations

from typing import List

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import Step, Workflow, argo_range
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate, Slices

pytestmark = pytest.mark.usefixtures("debug")


class Gen(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"i": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"s": str, "n": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"s": str(op_in["i"]), "n": op_in["i"] * 10})


class Use(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"l": List[str], "m": List[int]})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"r": str})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"r": repr((op_in["l"], op_in["m"]))})


@pytest.mark.parametrize(
    "grouping", [{}, {"group_size": 2, "pool_size": 1}], ids=["items", "groups"]
)
def test_sliced_str_outputs_stay_strings(grouping):
    slices = Slices(input_parameter=["i"], output_parameter=["s", "n"], **grouping)
    gen = Step(
        "gen",
        PythonOPTemplate(Gen, slices=slices),
        parameters={"i": [0, 1, 2]},
        with_param=argo_range(3),
    )
    use = Step(
        "use",
        PythonOPTemplate(Use),
        parameters={"l": gen.outputs.parameters["s"], "m": gen.outputs.parameters["n"]},
    )
    wf = Workflow("strstack")
    wf.add(gen)
    wf.add(use)
    wf.submit()
    wf.wait()
    assert wf.query_status() == "Succeeded"
    [step] = wf.query_step(name="use")
    assert step.outputs.parameters["r"].value == "(['0', '1', '2'], [0, 10, 20])"
