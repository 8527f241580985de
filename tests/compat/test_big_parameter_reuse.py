"""``modify_output_parameter`` on a ``BigParameter`` output, then ``submit(reuse_step=...)``.

Checked against 1.8.134: the queried value printed ``[2, 4]``, after the change ``[10, 20, 30]``,
and the resubmitted workflow ``Succeeded`` with the next step's output ``[20, 40, 60]``.
"""

from __future__ import annotations

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import Step, Workflow
from dflow.python import OP, OPIO, BigParameter, OPIOSign, PythonOPTemplate


class Double(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"xs": BigParameter(list)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"xs": BigParameter(list)})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"xs": [2 * x for x in op_in["xs"]]})


def _build(name: str) -> Workflow:
    first = Step("first", PythonOPTemplate(Double), parameters={"xs": [1, 2]}, key="first")
    second = Step(
        "second",
        PythonOPTemplate(Double),
        parameters={"xs": first.outputs.parameters["xs"]},
        key="second",
    )
    wf = Workflow(name)
    wf.add(first)
    wf.add(second)
    return wf


@pytest.mark.usefixtures("debug")
def test_modified_big_parameter_is_what_the_reusing_workflow_gets() -> None:
    # GIVEN a finished step with a big output parameter
    wf = _build("big-reuse")
    wf.submit()
    step = wf.query_step(key="first")[0]
    assert step.outputs.parameters["xs"].value == [2, 4]

    # WHEN its value is replaced and the step reused
    step.modify_output_parameter("xs", [10, 20, 30])
    assert step.outputs.parameters["xs"].value == [10, 20, 30]
    again = _build("big-reuse-again")
    again.submit(reuse_step=[step])

    # THEN the next step read the new value
    assert again.query_status() == "Succeeded"
    assert again.query_step(key="second")[0].outputs.parameters["xs"].value == [20, 40, 60]
