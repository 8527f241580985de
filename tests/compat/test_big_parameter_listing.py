"""A template's parameters list its big ones too, in the order they were given.

Checked against 1.8.134, for an OP with inputs ``a: int``, ``b: BigParameter(str)``, ``c: str``
and outputs ``x: int``, ``y: BigParameter(List[str])``, ``z: str``: ``list()``, ``.keys()`` and
``dict()`` of ``inputs.parameters`` gave ``['a', 'b', 'c']`` (outputs ``['x', 'y', 'z']``),
``len`` 3, ``.items()``/``.values()`` three ``InputParameter`` (``OutputParameter``), ``"b" in``
the inputs and ``"y" in`` the outputs ``True``, and ``repr`` of the outputs
``{'x': {{outputs.parameters.x}}, 'y': {{outputs.artifacts.dflow_bigpar_y}}, 'z':
{{outputs.parameters.z}}}``. A Steps with inputs ``p``, ``n`` whose ``p`` is given to a step's big
input, and output ``r`` taken from a big output, listed ``['p', 'n']`` and ``['r']``.
"""

from __future__ import annotations

from typing import List

from dflow import InputParameter, Inputs, OutputParameter, Outputs, Step, Steps
from dflow.python import OP, OPIO, BigParameter, OPIOSign, PythonOPTemplate


class Big(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"a": int, "b": BigParameter(str), "c": str})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"x": int, "y": BigParameter(List[str]), "z": str})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"x": 1, "y": ["q"], "z": "z"})


def test_python_op_parameters_list_the_big_ones_in_sign_order():
    t = PythonOPTemplate(Big)
    ins, outs = t.inputs.parameters, t.outputs.parameters
    assert list(ins) == list(ins.keys()) == list(dict(ins)) == ["a", "b", "c"]
    assert list(outs) == list(outs.keys()) == list(dict(outs)) == ["x", "y", "z"]
    assert len(ins) == len(outs) == 3 and bool(ins)
    assert [k for k, _ in ins.items()] == ["a", "b", "c"]
    assert all(isinstance(v, InputParameter) for v in ins.values())
    assert "b" in ins and "y" in outs and "b" not in outs
    assert ins.get("b") is ins["b"] and outs.get("b") is None
    assert repr(outs) == (
        "{'x': {{outputs.parameters.x}}, 'y': {{outputs.artifacts.dflow_bigpar_y}}, "
        "'z': {{outputs.parameters.z}}}"
    )


def test_steps_parameters_keep_their_place_when_they_turn_big():
    t = PythonOPTemplate(Big)
    steps = Steps(
        "outer",
        inputs=Inputs(parameters={"p": InputParameter(), "n": InputParameter(value=1)}),
        outputs=Outputs(parameters={"r": OutputParameter()}),
    )
    inner = Step(
        "inner",
        t,
        parameters={"a": steps.inputs.parameters["n"], "b": steps.inputs.parameters["p"], "c": "c"},
    )
    steps.add(inner)
    steps.outputs.parameters["r"].value_from_parameter = inner.outputs.parameters["y"]
    assert list(steps.inputs.parameters) == ["p", "n"] and len(steps.inputs.parameters) == 2
    assert [k for k, _ in steps.outputs.parameters.items()] == ["r"]
    assert isinstance(steps.inputs.parameters["p"], InputParameter)
