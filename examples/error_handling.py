"""Errors: retry a transient error, time a step out, and go on past a failed step."""

from __future__ import annotations

import sys
import time

from dflow import Step, Workflow
from dflow.python import OP, OPIO, FatalError, OPIOSign, PythonOPTemplate, TransientError


class Flaky(OP):
    """Always fails with a transient error, so it is retried until its retries run out."""

    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"reason": str})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        raise TransientError(op_in["reason"])


class Broken(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        raise FatalError("this input can never work")


class Sleepy(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"seconds": float})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        time.sleep(op_in["seconds"])
        return OPIO({})


def build() -> Workflow:
    wf = Workflow("error-handling")
    wf.add(
        Step(
            "flaky",
            PythonOPTemplate(Flaky, image="python:3.11", retry_on_transient_error=2),
            parameters={"reason": "the network is down"},
            continue_on_failed=True,
        )
    )
    wf.add(
        [
            Step("broken", PythonOPTemplate(Broken, image="python:3.11"), continue_on_failed=True),
            Step(
                "too-slow",
                PythonOPTemplate(Sleepy, image="python:3.11", timeout=2),
                parameters={"seconds": 60},
                continue_on_failed=True,
            ),
        ]
    )
    return wf


def main() -> int:
    wf = build()
    wf.submit()
    phase = wf.wait()
    flaky = wf.query_step(name="flaky", type="Pod")
    print(f"workflow {wf.id}: {phase}; flaky ran {len(flaky)} times")  # 3
    return 0 if phase == "Succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
