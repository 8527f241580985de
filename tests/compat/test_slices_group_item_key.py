"""A grouped sliced step whose key names ``{{item}}``: each group is keyed by its index.

Checked against 1.8.134 (debug mode, OP on ``PYTHONPATH``): ``Step("sq", PythonOPTemplate(Sq,
slices=Slices(input_parameter=["x"], group_size=2)), parameters={"x": [1, 2, 3, 4, 5]},
key="sq-{{item}}")`` ran three pods keyed ``sq-0``, ``sq-1`` and ``sq-2``, and
``query_step(key="sq-1")`` found one step. (Its OP then failed there, given the group's list for
``x``, as ours does; here ``pool_size=1`` runs it once per item.) Ours used to refuse the key.
"""

from __future__ import annotations

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import Step, Workflow
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate, Slices

pytestmark = pytest.mark.usefixtures("debug")


class Sq(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": int})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"y": op_in["x"] ** 2})


def test_each_group_is_keyed_by_its_index() -> None:
    sq = Step(
        "sq",
        PythonOPTemplate(Sq, slices=Slices(input_parameter=["x"], group_size=2, pool_size=1)),
        parameters={"x": [1, 2, 3, 4, 5]},
        key="sq-{{item}}",
    )
    wf = Workflow("group-key")
    wf.add(sq)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    pods = sorted(s.key for s in wf.query_step() if s.key and s.type == "Pod")
    assert pods == ["sq-0", "sq-1", "sq-2"]
    assert [s.key for s in wf.query_step(key="sq-1")] == ["sq-1"]
    # checked against 1.8.134 (with pool_size=1): query_keys_of_steps() gave the groups' keys
    # only, ['sq-0', 'sq-1', 'sq-2']
    assert wf.query_keys_of_steps() == ["sq-0", "sq-1", "sq-2"]
