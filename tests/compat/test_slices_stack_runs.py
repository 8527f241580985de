"""Every run of a sliced step stacks its own items, also when the same step runs again.

Checked against the original 1.8.134 (debug mode, with the OP module on ``PYTHONPATH``): a
recursive Steps whose sliced step ``tag`` fans out over 3, then 2, then 1 items, each round's
``collect`` reading ``tag``'s stacked artifact, printed

    collect ['0:10', '0:20', '0:30']
    collect ['1:10', '1:20']
    collect ['2:10']

and a Steps template run by two steps with 3 and 2 items, then another Steps with a step of the
same name over 1 item, printed ``['5:10', '5:20', '5:30']``, ``['6:10', '6:20']``, ``['7:10']``.
A Steps template with a ``Slices(sub_path=True)`` step (no fan-out) run over 3 files, then over
2, printed ``['2', '4', '6']`` then ``['2', '4']``.
Ours used to show the earlier runs' items too (``['1:10', '1:20', '0:30']``): every run of the
step stacked under one key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Optional

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import InputArtifact, InputParameter, Step, Steps, Workflow, argo_range
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices

pytestmark = pytest.mark.usefixtures("debug")


class Tag(OP):
    """Writes ``<round>:<x>`` for its item, in a file named after both."""

    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": int, "round": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"g": Artifact(Path), "v": str})

    @OP.exec_sign_check
    def execute(self, op_in):
        text = f"{op_in['round']}:{op_in['x']}"
        path = Path(f"g_{op_in['round']}_{op_in['x']}.txt")
        path.write_text(text)
        return OPIO({"g": path, "v": text})


class Collect(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"gs": Artifact(List[Path])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"s": List[Optional[str]]})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"s": [None if p is None else Path(p).read_text() for p in op_in["gs"]]})


class Make(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"n": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"files": Artifact(List[Path])})

    @OP.exec_sign_check
    def execute(self, op_in):
        out = []
        for i in range(op_in["n"]):
            path = Path(f"f{i}.txt")
            path.write_text(str(i + 1))
            out.append(path)
        return OPIO({"files": out})


class Double(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"f": Artifact(Path)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"g": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in):
        path = Path("d_" + Path(op_in["f"]).name)
        path.write_text(str(int(Path(op_in["f"]).read_text()) * 2))
        return OPIO({"g": path})


class Next(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"i": int, "n": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"i": int, "n": int})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"i": op_in["i"] + 1, "n": op_in["n"] - 1})


TAG = PythonOPTemplate(
    Tag,
    image="python:3.11",
    slices=Slices("{{item}}", input_parameter=["x"], output_artifact=["g"], output_parameter=["v"]),
)
COLLECT = PythonOPTemplate(Collect, image="python:3.11")
NEXT = PythonOPTemplate(Next, image="python:3.11")


def _collected(wf: Workflow) -> List[List[Optional[str]]]:
    steps = sorted(wf.query_step(name="collect"), key=lambda s: s.startedAt)
    return [s.outputs.parameters["s"].value for s in steps]


GROUPED = PythonOPTemplate(
    Tag,
    image="python:3.11",
    slices=Slices(
        "{{item}}",
        input_parameter=["x"],
        output_artifact=["g"],
        output_parameter=["v"],
        group_size=2,
        pool_size=1,
    ),
)


@pytest.mark.parametrize("template", [TAG, GROUPED], ids=["one-per-pod", "groups"])
def test_a_recursive_loop_stacks_each_rounds_items_only(render, template):
    loop = Steps("loop")
    loop.inputs.parameters["i"] = InputParameter()
    loop.inputs.parameters["n"] = InputParameter()
    tag = Step(
        "tag",
        template,
        parameters={"x": [10, 20, 30], "round": loop.inputs.parameters["i"]},
        with_param=argo_range(loop.inputs.parameters["n"]),
    )
    loop.add(tag)
    loop.add(Step("collect", COLLECT, artifacts={"gs": tag.outputs.artifacts["g"]}))
    count = Step("count", NEXT, parameters=dict(loop.inputs.parameters))
    loop.add(count)
    loop.add(
        Step(
            "next",
            loop,
            parameters={"i": count.outputs.parameters["i"], "n": count.outputs.parameters["n"]},
            when="{{inputs.parameters.i}} < 2",
        )
    )
    main = Steps("main")
    main.add(Step("start", loop, parameters={"i": 0, "n": 3}))
    wf = Workflow("slices-shrink", steps=main)
    manifest = render(wf)  # valid for Argo's schema
    # the step and its reader name one key, unique to the Steps node running both
    (looped,) = [t for t in manifest["spec"]["templates"] if t["name"] == "loop"]
    prefix = "{{workflow.name}}/dflow-stacked/{{=sprig.sha1sum(node.name)}}/tag"
    tag_args = looped["steps"][0][0]["arguments"]["parameters"]
    assert {"name": "dflow_stack_key", "value": prefix} in tag_args
    (collect,) = [s for group in looped["steps"] for s in group if s["name"] == "collect"]
    assert collect["arguments"]["artifacts"] == [{"name": "gs", "s3": {"key": prefix + "/g"}}]
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert _collected(wf) == [["0:10", "0:20", "0:30"], ["1:10", "1:20"], ["2:10"]]
    # each round's items saved under a key of their own
    keys = {s.outputs.artifacts["g"].s3.key for s in wf.query_step(name="tag") if s.type == "Pod"}
    assert len(keys) == 3
    assert all(re.fullmatch(r"slices-shrink-\w+/dflow-stacked/[0-9a-f]{40}/tag/g", k) for k in keys)


def test_a_template_run_by_several_steps_stacks_each_runs_items_only():
    inner = Steps("inner")
    inner.inputs.parameters["r"] = InputParameter()
    inner.inputs.parameters["n"] = InputParameter()
    tag = Step(
        "tag",
        TAG,
        parameters={"x": [10, 20, 30], "round": inner.inputs.parameters["r"]},
        with_param=argo_range(inner.inputs.parameters["n"]),
    )
    inner.add(tag)
    inner.add(Step("collect", COLLECT, artifacts={"gs": tag.outputs.artifacts["g"]}))
    other = Steps("other")
    tag2 = Step("tag", TAG, parameters={"x": [10, 20, 30], "round": 7}, with_param=argo_range(1))
    other.add(tag2)
    other.add(Step("collect", COLLECT, artifacts={"gs": tag2.outputs.artifacts["g"]}))
    main = Steps("main")
    main.add(Step("a", inner, parameters={"r": 5, "n": 3}))
    main.add(Step("b", inner, parameters={"r": 6, "n": 2}))
    main.add(Step("c", other))
    wf = Workflow("slices-twice", steps=main)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert _collected(wf) == [["5:10", "5:20", "5:30"], ["6:10", "6:20"], ["7:10"]]


def test_parallel_runs_of_one_template_stack_apart():
    # not in the original's debug mode, which runs a Steps' parallel steps one after the other;
    # on Argo both runs write at once, so each needs its own key
    inner = Steps("inner")
    inner.inputs.parameters["r"] = InputParameter()
    inner.inputs.parameters["n"] = InputParameter()
    tag = Step(
        "tag",
        TAG,
        parameters={"x": [10, 20, 30], "round": inner.inputs.parameters["r"]},
        with_param=argo_range(inner.inputs.parameters["n"]),
    )
    inner.add(tag)
    inner.add(Step("collect", COLLECT, artifacts={"gs": tag.outputs.artifacts["g"]}))
    main = Steps("main")
    main.add(
        [
            Step("a", inner, parameters={"r": 1, "n": 3}),
            Step("b", inner, parameters={"r": 2, "n": 2}),
        ]
    )
    wf = Workflow("slices-parallel", steps=main)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert sorted(_collected(wf), key=len) == [["2:10", "2:20"], ["1:10", "1:20", "1:30"]]


def test_sub_path_runs_stack_their_own_entries(render):
    double = PythonOPTemplate(
        Double,
        image="python:3.11",
        slices=Slices(sub_path=True, input_artifact=["f"], output_artifact=["g"]),
    )
    make = PythonOPTemplate(Make, image="python:3.11")
    inner = Steps("inner")
    inner.inputs.artifacts["fs"] = InputArtifact()
    dbl = Step("dbl", double, artifacts={"f": inner.inputs.artifacts["fs"]})
    inner.add(dbl)
    inner.add(Step("collect", COLLECT, artifacts={"gs": dbl.outputs.artifacts["g"]}))
    main = Steps("main")
    m3 = Step("m3", make, parameters={"n": 3})
    m2 = Step("m2", make, parameters={"n": 2})
    main.add([m3, m2])
    main.add(Step("a", inner, artifacts={"fs": m3.outputs.artifacts["files"]}))
    main.add(Step("b", inner, artifacts={"fs": m2.outputs.artifacts["files"]}))
    wf = Workflow("slices-subpath", steps=main)
    manifest = render(wf)
    templates = {t["name"]: t for t in manifest["spec"]["templates"]}
    # the wrapper gets the key of the user's step and hands it to the fan-out inside
    prefix = "{{workflow.name}}/dflow-stacked/{{=sprig.sha1sum(node.name)}}/dbl"
    outer = templates["inner"]["steps"][0][0]
    assert {"name": "dflow_stack_key", "value": prefix} in outer["arguments"]["parameters"]
    fan_out = templates[outer["template"]]["steps"][1][0]
    forwarded = {"name": "dflow_stack_key", "value": "{{inputs.parameters.dflow_stack_key}}"}
    assert forwarded in fan_out["arguments"]["parameters"]
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert _collected(wf) == [["2", "4", "6"], ["2", "4"]]
