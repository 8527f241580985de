"""Progress: an OP reports how far it is; Argo (and the local engine) show it on the step."""

from __future__ import annotations

import sys
import time

from dflow import Step, Workflow
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate


class Count(OP):
    progress_total = 5

    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"delay": float})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        for i in range(self.progress_total):
            time.sleep(op_in["delay"])
            self.progress_current = i + 1
        return OPIO({})


def build() -> Workflow:
    wf = Workflow("progress")
    wf.add(Step("count", PythonOPTemplate(Count, image="python:3.11"), parameters={"delay": 0.2}))
    return wf


def main() -> int:
    wf = build()
    wf.submit()
    phase = wf.wait()
    step = wf.query_step(name="count")[0]
    print(f"workflow {wf.id}: {phase}; progress {step.progress}")  # 5/5
    return 0 if phase == "Succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
