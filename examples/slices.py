"""Slices: fan a Python OP out over a list; each item gets its slice, outputs are stacked."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List

from dflow import Step, Workflow, argo_len, argo_range
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices


class MakeFiles(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"n": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"files": Artifact(List[Path]), "numbers": List[int]})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        files = []
        for i in range(op_in["n"]):
            path = Path(f"file{i}.txt")
            path.write_text(str(i * i))
            files.append(path)
        return OPIO({"files": files, "numbers": list(range(op_in["n"]))})


class Square(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"number": int, "file": Artifact(Path)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"square": int, "checked": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        square = int(Path(op_in["file"]).read_text())
        assert square == op_in["number"] ** 2
        out = Path(f"checked{op_in['number']}.txt")
        out.write_text(f"{op_in['number']}^2 = {square}")
        return OPIO({"square": square, "checked": out})


class Total(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"squares": List[int], "checked": Artifact(List[Path])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"total": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        assert len(op_in["checked"]) == len(op_in["squares"])
        return OPIO({"total": sum(op_in["squares"])})


def build(n: int = 4) -> Workflow:
    wf = Workflow("slices")
    make = Step("make", PythonOPTemplate(MakeFiles, image="python:3.11"), parameters={"n": n})
    square = Step(
        "square",
        PythonOPTemplate(
            Square,
            image="python:3.11",
            slices=Slices(
                "{{item}}",
                input_parameter=["number"],
                input_artifact=["file"],
                output_parameter=["square"],
                output_artifact=["checked"],
            ),
        ),
        parameters={"number": make.outputs.parameters["numbers"]},
        artifacts={"file": make.outputs.artifacts["files"]},
        with_param=argo_range(argo_len(make.outputs.parameters["numbers"])),
    )
    total = Step(
        "total",
        PythonOPTemplate(Total, image="python:3.11"),
        parameters={"squares": square.outputs.parameters["square"]},
        artifacts={"checked": square.outputs.artifacts["checked"]},
    )
    wf.add(make)
    wf.add(square)
    wf.add(total)
    return wf


def main() -> int:
    wf = build()
    wf.submit()
    phase = wf.wait()
    step = wf.query_step(name="total")[0]
    print(f"workflow {wf.id}: {phase}; total = {step.outputs.parameters['total'].value}")  # 14
    return 0 if phase == "Succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
