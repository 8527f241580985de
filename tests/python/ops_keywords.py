"""OPs of the PythonOPTemplate keyword tests (importable by the step's subprocess)."""

from __future__ import annotations

from typing import List

from dflow.python import OP, OPIO, OPIOSign


class Double(OP):
    """Doubles a number."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"y": int})

    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"y": 2 * op_in["x"]})


class Total(OP):
    """Sums a list."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"xs": List[int]})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"total": int})

    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"total": sum(op_in["xs"])})
