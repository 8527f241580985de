"""Keys and reuse: find steps by key, and skip finished steps in a new workflow."""

from __future__ import annotations

import sys

from dflow import Step, Workflow
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate


class Square(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"y": op_in["x"] ** 2})


def build() -> Workflow:
    wf = Workflow("reuse")
    wf.add(
        Step(
            "square",
            PythonOPTemplate(Square, image="python:3.11"),
            parameters={"x": "{{item}}"},
            with_param=[1, 2, 3],
            key="square-{{item}}",
        )
    )
    return wf


def main() -> int:
    first = build()
    first.submit()
    if first.wait() != "Succeeded":
        return 1
    done = first.query_step(key="square-2")
    print("square-2 gave", done[0].outputs.parameters["y"].value)
    done[0].modify_output_parameter("y", 40)
    second = build()
    second.submit(reuse_step=done)
    phase = second.wait()
    again = second.query_step(key="square-2")[0]
    print(
        f"workflow {second.id}: {phase}; square-2 now gives {again.outputs.parameters['y'].value}"
    )
    return 0 if phase == "Succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
