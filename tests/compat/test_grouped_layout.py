"""What an OP in a grouped step sees and gives: its working directory, its inputs, its files.

Checked against 1.8.134 (debug mode), four items ``x = 0..3`` in groups of two, each item
writing ``res<x>.txt`` in its working directory and returning it, and giving the name of that
directory (here ``in <name>``); a step reading the stacked files printed their paths under the
artifact:

- ``pool_size=1``: every item ran in the pod's working directory (``workdir``, for all four);
  the files were ``['res0.txt', 'res1.txt', 'res2.txt', 'res3.txt']``.
- ``pool_size=1, create_dir=True``: each item ran in ``<item>/`` (``'0'`` .. ``'3'``); the files
  were ``['0/res0.txt', '1/res1.txt', '2/res2.txt', '3/res3.txt']``.
- no ``pool_size``: the OP ran once per group, in the pod's working directory, ``x`` the list
  of the group's items (an OP signed ``x: int`` failed: "type of x must be int; got list"),
  returning a list per sliced output; the files were as with ``pool_size=1``, and with
  ``create_dir=True`` under ``<item>/`` as above.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import Step, Workflow, argo_range
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices


class One(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"out": Artifact(Path), "y": str})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        x = op_in["x"]
        Path(f"res{x}.txt").write_text(f"r{x}")
        return OPIO({"out": Path(f"res{x}.txt"), "y": f"in {os.path.basename(os.getcwd())}"})


class Many(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": List[int]})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"out": Artifact(List[Path]), "y": List[str]})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        for x in op_in["x"]:
            Path(f"res{x}.txt").write_text(f"r{x}")
        cwd = os.path.basename(os.getcwd())
        return OPIO(
            {
                "out": [Path(f"res{x}.txt") for x in op_in["x"]],
                "y": [f"{x}@{cwd}:{len(op_in['x'])}" for x in op_in["x"]],
            }
        )


class Use(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"outs": Artifact(List[Path]), "ys": List[str]})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"files": List[str], "ys": List[str]})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        root = "/inputs/artifacts/outs/"
        files = [
            f"{str(p)[str(p).index(root) + len(root) :]}={p.read_text()}" for p in op_in["outs"]
        ]
        return OPIO({"files": files, "ys": op_in["ys"]})


def _run(op: type, **kw) -> tuple:
    slices = Slices(
        "{{item}}", input_parameter=["x"], output_artifact=["out"], output_parameter=["y"], **kw
    )
    wf = Workflow("grouped")
    sl = Step("sl", PythonOPTemplate(op, slices=slices), parameters={"x": [0, 1, 2, 3]},
              with_param=argo_range(4))  # fmt: skip
    use = Step("use", PythonOPTemplate(Use),
               artifacts={"outs": sl.outputs.artifacts["out"]},
               parameters={"ys": sl.outputs.parameters["y"]})  # fmt: skip
    wf.add(sl)
    wf.add(use)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    out = wf.query_step(name="use")[0].outputs.parameters
    return out["files"].value, out["ys"].value


FLAT = ["res0.txt=r0", "res1.txt=r1", "res2.txt=r2", "res3.txt=r3"]
PER_ITEM = ["0/res0.txt=r0", "1/res1.txt=r1", "2/res2.txt=r2", "3/res3.txt=r3"]


@pytest.mark.usefixtures("debug")
def test_a_pool_runs_items_in_the_pods_directory_and_keeps_their_paths():
    files, cwds = _run(One, group_size=2, pool_size=1)
    assert files == FLAT
    assert len(set(cwds)) == 1 and not cwds[0][3:].isdigit()  # the pod's directory, for all


@pytest.mark.usefixtures("debug")
def test_create_dir_runs_each_item_in_its_own_directory():
    files, cwds = _run(One, group_size=2, pool_size=1, create_dir=True)
    assert files == PER_ITEM
    assert cwds == ["in 0", "in 1", "in 2", "in 3"]


@pytest.mark.parametrize("create_dir, expected", [(False, FLAT), (True, PER_ITEM)])
@pytest.mark.usefixtures("debug")
def test_without_a_pool_the_op_runs_once_over_its_group(create_dir, expected):
    files, ys = _run(Many, group_size=2, create_dir=create_dir)
    assert files == expected
    cwd = ys[0].split("@")[1].split(":")[0]
    assert ys == [f"{x}@{cwd}:2" for x in range(4)] and not cwd.isdigit()


class GroupTag(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"i": List[int]})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"o": List[int], "t": str})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"o": [x * 10 for x in op_in["i"]], "t": "tag%d" % len(op_in["i"])})


class ShowBoth(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"o": list, "t": list})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"r": str})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"r": repr((op_in["o"], op_in["t"]))})


@pytest.mark.usefixtures("debug")
def test_an_output_not_sliced_is_one_value_per_group():
    # checked against 1.8.134: groups of 2 over 5 items, no pool, "o" sliced and "t" not:
    # the reader printed ([10, 20, 30, 40, 50], ['tag2', 'tag2', 'tag1'])
    slices = Slices(input_parameter=["i"], output_parameter=["o"], group_size=2)
    gen = Step(
        "g",
        PythonOPTemplate(GroupTag, slices=slices),
        parameters={"i": [1, 2, 3, 4, 5]},
        with_param=argo_range(5),
    )
    use = Step(
        "u",
        PythonOPTemplate(ShowBoth),
        parameters={"o": gen.outputs.parameters["o"], "t": gen.outputs.parameters["t"]},
    )
    wf = Workflow("group-once")
    wf.add(gen)
    wf.add(use)
    wf.submit()
    wf.wait()
    assert wf.query_status() == "Succeeded"
    [step] = wf.query_step(name="u")
    assert step.outputs.parameters["r"].value == "([10, 20, 30, 40, 50], ['tag2', 'tag2', 'tag1'])"
