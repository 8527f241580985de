"""Python OPs: typed inputs and outputs, parameters and artifacts, checked at run time."""

from __future__ import annotations

import sys
from pathlib import Path

from dflow import Step, Workflow
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate


class WriteNumbers(OP):
    """Writes ``count`` numbered files into a directory."""

    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"count": int, "prefix": str})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"files": Artifact(Path), "total": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        out = Path("numbers")
        out.mkdir(exist_ok=True)
        for i in range(op_in["count"]):
            (out / f"{op_in['prefix']}{i}.txt").write_text(str(i))
        return OPIO({"files": out, "total": sum(range(op_in["count"]))})


class Summarize(OP):
    """Reads the files back and reports their sum and names."""

    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"files": Artifact(Path)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"sum": int, "names": list})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        paths = sorted(Path(op_in["files"]).glob("*.txt"))
        return OPIO(
            {"sum": sum(int(p.read_text()) for p in paths), "names": [p.name for p in paths]}
        )


def build() -> Workflow:
    wf = Workflow("python-op")
    write = Step(
        "write",
        PythonOPTemplate(WriteNumbers, image="python:3.11"),
        parameters={"count": 5, "prefix": "n"},
    )
    summarize = Step(
        "summarize",
        PythonOPTemplate(Summarize, image="python:3.11"),
        artifacts={"files": write.outputs.artifacts["files"]},
    )
    wf.add(write)
    wf.add(summarize)
    return wf


def main() -> int:
    wf = build()
    wf.submit()
    phase = wf.wait()
    step = wf.query_step(name="summarize")[0]
    print(f"workflow {wf.id}: {phase}; sum = {step.outputs.parameters['sum'].value}")  # 10
    return 0 if phase == "Succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
