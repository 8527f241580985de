"""Success ratio: a fan-out may go on when enough of its items succeed."""

from __future__ import annotations

import sys

from dflow import Step, Workflow
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate, TransientError


class OddFails(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"i": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"i": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        if op_in["i"] % 2:
            raise TransientError(f"item {op_in['i']} is odd")
        return OPIO({"i": op_in["i"]})


def build() -> Workflow:
    wf = Workflow("success-ratio")
    wf.add(
        Step(
            "fan",
            PythonOPTemplate(OddFails, image="python:3.11"),
            parameters={"i": "{{item}}"},
            with_param=list(range(6)),
            continue_on_success_ratio=0.5,
        )
    )
    wf.add(
        Step(
            "strict",
            PythonOPTemplate(OddFails, image="python:3.11"),
            parameters={"i": "{{item}}"},
            with_param=list(range(4)),
            continue_on_num_success=2,
        )
    )
    return wf


def main() -> int:
    wf = build()
    wf.submit()
    phase = wf.wait()
    print(f"workflow {wf.id}: {phase}")  # Succeeded: half of each fan-out succeeds
    return 0 if phase == "Succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
