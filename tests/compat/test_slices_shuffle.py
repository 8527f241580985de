"""``Slices(group_size=g, shuffle=True, random_seed=s)``: groups cut from shuffled positions.

Checked against the original 1.8.134 (debug mode, OP module on ``PYTHONPATH``, ``pool_size=1``
so that each item is its own ``execute``): 7 items ``x = 0..6`` (``y = 10 * x``), ``group_size=3``.
Its group pods ran these items, in this order within each pod (the ``order`` of their stacked
``y``; the pods themselves in no particular order):

    random_seed=7,  with_param=argo_range(7):  [5, 6, 4]  [0, 3, 1]  [2]
    random_seed=3,  with_param=argo_range(7) or with_param=[0..6]:  [6, 5, 4]  [0, 2, 3]  [1]
    random_seed=11, with_sequence=argo_sequence(7):  [5, 6, 4]  [1, 0, 2]  [3]

that is ``random.seed(s); random.shuffle(list(range(7)))`` cut in threes, and in every case
a step taking ``sq.outputs.parameters["y"]`` got ``[0, 10, 20, 30, 40, 50, 60]`` and one reading
the stacked artifact got the files of items 0..6 in item order. Ours used to refuse
``shuffle=True``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import Step, Steps, Workflow, argo_range, argo_sequence
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices
from dflow.python.runtime.group import group_positions

pytestmark = pytest.mark.usefixtures("debug")


class Sq(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": int, "g": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in):
        path = Path(f"sq_{op_in['x']}.txt")
        path.write_text(str(op_in["x"]))
        return OPIO({"y": op_in["x"] * 10, "g": path})


class Echo(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"ys": list})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"ys": list})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"ys": op_in["ys"]})


class Collect(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"gs": Artifact(List[Path])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"s": List[str]})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"s": [Path(p).read_text() for p in op_in["gs"]]})


# the group pods the original ran, each in its run order, groups in the order of their starts
GROUPS = {
    7: [[5, 6, 4], [0, 3, 1], [2]],
    3: [[0, 2, 3], [6, 5, 4], [1]],
    11: [[1, 0, 2], [5, 6, 4], [3]],
}


def _workflow(seed: int, loop: Any) -> Workflow:
    slices = Slices(
        "{{item}}",
        input_parameter=["x"],
        output_parameter=["y"],
        output_artifact=["g"],
        group_size=3,
        pool_size=1,
        shuffle=True,
        random_seed=seed,
    )
    sq = Step("sq", PythonOPTemplate(Sq), parameters={"x": list(range(7))}, slices=slices, **loop)
    main = Steps("main")
    main.add(sq)
    main.add(Step("echo", PythonOPTemplate(Echo), parameters={"ys": sq.outputs.parameters["y"]}))
    main.add(
        Step("collect", PythonOPTemplate(Collect), artifacts={"gs": sq.outputs.artifacts["g"]})
    )
    return Workflow("slices-shuffle", steps=main)


@pytest.mark.parametrize(
    "seed, loop",
    [
        (7, {"with_param": argo_range(7)}),
        (3, {"with_param": list(range(7))}),
        (11, {"with_sequence": argo_sequence(7)}),
    ],
    ids=["range", "list", "sequence"],
)
def test_shuffled_groups_are_the_originals_and_outputs_stay_in_item_order(render, seed, loop):
    wf = _workflow(seed, loop)
    manifest = render(wf)  # valid for Argo's schema
    templates = {t["name"]: t for t in manifest["spec"]["templates"]}
    group = templates["sq-sq-group"]
    assert f"shuffle=True, random_seed={seed}" in group["script"]["source"]
    (y,) = templates["sq-sq"]["outputs"]["parameters"]
    assert "sortBy(" in y["valueFrom"]["expression"]
    wf.submit()
    assert wf.query_status() == "Succeeded"
    pods = [s for s in wf.query_step(name="sq") if s.type == "Pod"]
    ran = sorted(([pair["p"] for pair in p.outputs.parameters["y"].value] for p in pods), key=len)
    assert sorted(ran) == sorted(GROUPS[seed])
    assert wf.query_step(name="echo")[0].outputs.parameters["ys"].value == [
        10 * x for x in range(7)
    ]
    collected = wf.query_step(name="collect")[0].outputs.parameters["s"].value
    assert collected == [str(x) for x in range(7)]


def test_group_positions_follow_pythons_seeded_shuffle():
    for seed, groups in GROUPS.items():
        assert [group_positions(7, start, 3, True, seed) for start in (0, 3, 6)] == groups
    assert group_positions(7, 3, 3, False, 7) == [3, 4, 5]  # no shuffle: consecutive items


def test_values_keep_their_json_text_through_the_reordering():
    # floats, nested objects and big ints come back as the items wrote them
    class Odd(OP):
        @classmethod
        def get_input_sign(cls):
            return OPIOSign({"x": int})

        @classmethod
        def get_output_sign(cls):
            return OPIOSign({"v": dict})

        @OP.exec_sign_check
        def execute(self, op_in):
            x = op_in["x"]
            return OPIO({"v": {"z": 1.0 * x, "a": [x, 2**60 + x], "s": f"<{x}>"}})

    slices = Slices(
        "{{item}}",
        input_parameter=["x"],
        output_parameter=["v"],
        group_size=2,
        pool_size=1,
        shuffle=True,
    )
    odd = Step("odd", PythonOPTemplate(Odd), parameters={"x": list(range(5))}, slices=slices,
               with_param=argo_range(5))  # fmt: skip
    main = Steps("main")
    main.add(odd)
    main.add(Step("echo", PythonOPTemplate(Echo), parameters={"ys": odd.outputs.parameters["v"]}))
    wf = Workflow("slices-shuffle-values", steps=main)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="echo")[0].outputs.parameters["ys"].value == [
        {"z": 1.0 * x, "a": [x, 2**60 + x], "s": f"<{x}>"} for x in range(5)
    ]
