"""A sliced step that fans out over no items still gives its (empty) stacked artifacts.

Checked against the original 1.8.134 (debug mode, with the OP module on ``PYTHONPATH``): a step
``tag`` sliced with ``output_artifact=["g"]`` and ``with_param=argo_range(0)``, read by steps
taking the stack as ``Artifact(List[Path])``, ``Artifact(List[str])`` and ``Artifact(Path)``,
printed ``collect []``, ``strs []`` and ``one ArtifactPosixPath True ['.dflow']`` (a directory
holding only the catalog), and the workflow succeeded; the same with ``group_size=2`` (also with
``pool_size=2``), with a sliced Steps template instead of an OP, and as tasks of a DAG
(``collect []``). A recursive Steps whose sliced step fans out over 2, then 1, then 0 items
printed ``collect [.../g_10.txt, .../g_20.txt]``, ``collect [.../g_10.txt]``, ``collect []``.
Ours failed with "no artifact at key" at the reader of the empty fan-out.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import (
    DAG,
    InputParameter,
    OutputArtifact,
    Step,
    Steps,
    Task,
    Workflow,
    argo_range,
)
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices

pytestmark = pytest.mark.usefixtures("debug")


class Tag(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"g": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in):
        path = Path(f"g_{op_in['x']}.txt")
        path.write_text(str(op_in["x"]))
        return OPIO({"g": path})


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


class Strs(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"gs": Artifact(List[str])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"s": List[str]})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"s": list(op_in["gs"])})


class One(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"g": Artifact(Path)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"s": List[str]})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"s": sorted(os.listdir(op_in["g"]))})


class Less(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"n": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"n": int})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"n": op_in["n"] - 1})


def _tag(**options) -> PythonOPTemplate:
    slices = Slices("{{item}}", input_parameter=["x"], output_artifact=["g"], **options)
    return PythonOPTemplate(Tag, image="python:3.11", slices=slices)


def _sliced_steps() -> Steps:
    inner = Steps("inner")
    inner.inputs.parameters["x"] = InputParameter()
    write = Step(
        "w",
        PythonOPTemplate(Tag, image="python:3.11"),
        parameters={"x": inner.inputs.parameters["x"]},
    )
    inner.add(write)
    inner.outputs.artifacts["g"] = OutputArtifact(_from=write.outputs.artifacts["g"])
    return inner


def _values(wf: Workflow, name: str) -> list:
    return [s.outputs.parameters["s"].value for s in wf.query_step(name=name)]


READERS = {"collect": (Collect, "gs"), "strs": (Strs, "gs"), "one": (One, "g")}


@pytest.mark.parametrize("form", ["one-per-pod", "groups", "pool", "sliced-steps"])
def test_an_empty_fan_out_in_steps_gives_empty_stacks(render, form):
    # GIVEN a sliced step over no items, its stack read by three kinds of input
    if form == "sliced-steps":
        tag = Step(
            "tag",
            _sliced_steps(),
            parameters={"x": []},
            slices=Slices(input_parameter=["x"], output_artifact=["g"]),
            with_param=argo_range(0),
        )
    else:
        options = {"groups": {"group_size": 2}, "pool": {"group_size": 2, "pool_size": 2}}
        tag = Step(
            "tag", _tag(**options.get(form, {})), parameters={"x": []}, with_param=argo_range(0)
        )
    wf = Workflow("empty-steps")
    wf.add(tag)
    wf.add(
        [
            Step(
                name,
                PythonOPTemplate(op, image="python:3.11"),
                artifacts={key: tag.outputs.artifacts["g"]},
            )
            for name, (op, key) in READERS.items()
        ]
    )
    render(wf)  # valid for Argo's schema
    # WHEN it runs
    wf.submit()
    # THEN the readers get empty lists, or a directory holding only the catalog
    assert wf.query_status() == "Succeeded"
    assert _values(wf, "collect") == [[]]
    assert _values(wf, "strs") == [[]]
    assert _values(wf, "one") == [[".dflow"]]


def test_the_init_step_runs_only_after_a_fan_out_with_no_items(render):
    wf = Workflow("init-when")
    full = Step("full", _tag(), parameters={"x": [1, 2]}, with_param=argo_range(2))
    empty = Step("empty", _tag(), parameters={"x": []}, with_param=argo_range(0))
    wf.add([full, empty])
    wf.add(
        [
            Step(
                f"collect-{s.name}",
                PythonOPTemplate(Collect, image="python:3.11"),
                artifacts={"gs": s.outputs.artifacts["g"]},
            )
            for s in (full, empty)
        ]
    )
    (main,) = [t for t in render(wf)["spec"]["templates"] if t["name"] == "init-when"]
    # the init steps follow the fan-outs' group, each running when its fan-out was skipped
    assert [s["name"] for s in main["steps"][1]] == ["full-init-artifact", "empty-init-artifact"]
    assert main["steps"][1][1]["when"] == "{{steps.empty.status}} == Skipped"
    # one template for the fan-outs stacking the same outputs
    assert {s["template"] for s in main["steps"][1]} == {"dflow-init-stack"}
    wf.submit()
    assert wf.query_status() == "Succeeded"
    phases = {
        s.displayName: (s.type, s.phase)
        for s in wf.query_step()
        if s.displayName.endswith("init-artifact")
    }
    assert phases == {
        "full-init-artifact": ("Skipped", "Skipped"),  # no pod after a fan-out with items
        "empty-init-artifact": ("Pod", "Succeeded"),
    }
    assert ("Skipped", "Skipped") in [(s.type, s.phase) for s in wf.query_step(name="empty")]
    assert _values(wf, "collect-full") == [["1", "2"]]
    assert _values(wf, "collect-empty") == [[]]


def test_an_empty_fan_out_in_a_dag(render):
    dag = DAG("d")
    tag = Task("tag", _tag(), parameters={"x": []}, with_param=argo_range(0))
    dag.add(tag)
    dag.add(
        Task(
            "collect",
            PythonOPTemplate(Collect, image="python:3.11"),
            artifacts={"gs": tag.outputs.artifacts["g"]},
        )
    )
    dag.outputs.artifacts["g"] = OutputArtifact(_from=tag.outputs.artifacts["g"])
    main = Steps("main")
    inner = Step("inner", dag)
    main.add(inner)
    main.add(
        Step(
            "again",
            PythonOPTemplate(Collect, image="python:3.11"),
            artifacts={"gs": inner.outputs.artifacts["g"]},
        )
    )
    wf = Workflow("empty-dag", steps=main)
    (d,) = [t for t in render(wf)["spec"]["templates"] if t["name"] == "d"]
    tasks = {t["name"]: t for t in d["dag"]["tasks"]}
    # the reader waits for the init task (done or skipped), which waits for the fan-out
    assert tasks["collect"]["depends"] == "(tag-init-artifact)"
    assert tasks["tag-init-artifact"]["depends"] == "(tag)"
    assert tasks["tag-init-artifact"]["when"] == "{{tasks.tag.status}} == Skipped"
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert _values(wf, "collect") == [[]]
    assert _values(wf, "again") == [[]]


def test_a_recursive_loop_whose_last_round_is_empty():
    loop = Steps("loop")
    loop.inputs.parameters["n"] = InputParameter()
    tag = Step(
        "tag",
        _tag(),
        parameters={"x": [10, 20, 30]},
        with_param=argo_range(loop.inputs.parameters["n"]),
    )
    loop.add(tag)
    loop.add(
        Step(
            "collect",
            PythonOPTemplate(Collect, image="python:3.11"),
            artifacts={"gs": tag.outputs.artifacts["g"]},
        )
    )
    less = Step(
        "less",
        PythonOPTemplate(Less, image="python:3.11"),
        parameters={"n": loop.inputs.parameters["n"]},
    )
    loop.add(less)
    loop.add(
        Step(
            "next",
            loop,
            parameters={"n": less.outputs.parameters["n"]},
            when="{{inputs.parameters.n}} > 0",
        )
    )
    wf = Workflow("empty-loop")
    wf.add(Step("start", loop, parameters={"n": 2}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    rounds = sorted(wf.query_step(name="collect"), key=lambda s: s.startedAt)
    assert [s.outputs.parameters["s"].value for s in rounds] == [["10", "20"], ["10"], []]


def test_an_empty_list_from_an_upstream_step():
    class Nothing(OP):
        @classmethod
        def get_input_sign(cls):
            return OPIOSign()

        @classmethod
        def get_output_sign(cls):
            return OPIOSign({"xs": List[int]})

        @OP.exec_sign_check
        def execute(self, op_in):
            return OPIO({"xs": []})

    wf = Workflow("empty-upstream")
    nothing = Step("nothing", PythonOPTemplate(Nothing, image="python:3.11"))
    wf.add(nothing)
    tag = Step(
        "tag",
        _tag(),
        parameters={"x": nothing.outputs.parameters["xs"]},
        with_param=nothing.outputs.parameters["xs"],
    )
    wf.add(tag)
    wf.add(
        Step(
            "collect",
            PythonOPTemplate(Collect, image="python:3.11"),
            artifacts={"gs": tag.outputs.artifacts["g"]},
        )
    )
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert _values(wf, "collect") == [[]]
