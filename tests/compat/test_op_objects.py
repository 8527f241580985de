"""OP objects in ``PythonOPTemplate`` and ``@OP.function`` (checked against pydflow 1.8.134).

On the original: ``PythonOPTemplate(Scale(factor=3))`` runs that object (its script rebuilds it
from its attributes), so ``x=2`` gives ``y=6``; ``@OP.function`` gives an OP *object* (not a
class) whose signs come from the annotations (``c: Parameter(int, default=3)``, no annotation
is ``Any``), which can be called directly (``add(a=1, b=[2])`` gives ``{'s': 6, 'l': [2, 1]}``)
and, run as a step with ``a=1, b=[2, 3]``, gives ``s=9, l=[2, 3, 1]`` with ``b`` arriving as a
list. A ``Tuple[int, str]`` return is the outputs ``dflow_output_0``/``_1``, another type is
``dflow_output``.
"""

from __future__ import annotations

import re
from typing import List, NamedTuple, Tuple

import pytest

from dflow import DAG, Step, Steps, Task, Workflow
from dflow.config import config, s3_config
from dflow.python import OP, OPIO, OPIOSign, Parameter, PythonOPTemplate


class Scale(OP):
    def __init__(self, factor: int = 1) -> None:
        self.factor = factor

    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"y": op_in["x"] * self.factor})


@OP.function
def add(a: int, b: List[int], c: Parameter(int, default=3)) -> {"s": int, "l": List[int]}:  # noqa: F821
    assert isinstance(b, list)  # typed inputs arrive typed
    return {"s": a + sum(b) + c, "l": b + [a]}


@OP.function(image="registry/op:1")
def pair(a: int, tag="x") -> Tuple[int, str]:
    return a * 2, tag


@OP.function
def half(a: float) -> float:
    return a / 2


class Point(NamedTuple):
    x: int
    y: int


@OP.function
def point(a: int) -> Point:
    return Point(a, -a)


def test_function_gives_an_op_object() -> None:
    assert isinstance(add, OP) and not isinstance(add, type)
    sign = add.get_input_sign()
    assert sign["a"] is int and sign["b"] == List[int] and sign["c"].default == 3
    assert dict(add(a=1, b=[2])) == {"s": 6, "l": [2, 1]}
    assert dict(add(1, [2])) == {"s": 6, "l": [2, 1]}
    with pytest.raises(TypeError, match="multiple values for argument 'a'"):
        add(1, a=2)
    assert pair.get_input_sign()["tag"].default == "x"
    assert set(pair.get_output_sign()) == {"dflow_output_0", "dflow_output_1"}
    assert dict(pair(a=2)) == {"dflow_output_0": 4, "dflow_output_1": "x"}
    assert dict(half(a=3.0)) == {"dflow_output": 1.5}
    assert dict(point(a=2)) == {"x": 2, "y": -2}


def test_options_and_state_reach_the_template() -> None:
    # @OP.function's options are the defaults of its templates; explicit arguments win
    assert PythonOPTemplate(pair).image == "registry/op:1"
    assert PythonOPTemplate(pair, image="other:2").image == "other:2"
    # an OP object's attributes travel in its script; a class is built there as usual
    assert "state='{\"factor\": 3}'" in PythonOPTemplate(Scale(factor=3)).script
    assert "state=" not in PythonOPTemplate(Scale).script


def test_objects_and_functions_run_as_steps(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    wf = Workflow("objects")
    wf.add(Step("scale", PythonOPTemplate(Scale(factor=3)), parameters={"x": 2}))
    wf.add(Step("add", PythonOPTemplate(add), parameters={"a": 1, "b": [2, 3]}))
    wf.add(Step("pair", PythonOPTemplate(pair), parameters={"a": 5}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="scale")[0].outputs.parameters["y"].value == 6
    step = wf.query_step(name="add")[0]
    assert step.outputs.parameters["s"].value == 9
    assert step.outputs.parameters["l"].value == [2, 3, 1]
    step = wf.query_step(name="pair")[0]
    assert step.outputs.parameters["dflow_output_0"].value == 10
    assert step.outputs.parameters["dflow_output_1"].value == "x"


@OP.function(image="registry/op:1")
def double(x: int) -> {"y": int}:  # noqa: F821
    return {"y": 2 * x}


# Checked against the original 1.8.134: inside a ``with`` block, calling an ``@OP.function``
# object adds a node named "<function>-<5 random characters>" running it (there a Task even in
# a Steps block; here a Step in a Steps or Workflow block, whose references Argo resolves, and
# a Task in a DAG) and gives a dict of its outputs, {'s': {{...outputs.parameters.s}}}; positional
# arguments work (add(1, [4])); in a DAG the task taking another's output depends on it; the
# @OP.function options reach the template (image "python:3.10" there); ``op.use(**kwargs)`` is a
# copy whose node gets those keyword arguments (use(key="k-1") sets the key, use(image=...) is a
# TypeError: "got an unexpected keyword argument 'image'"). With ``with Workflow(...)`` the
# workflow add(a=1, b=[2]) -> double(x=s) succeeded with s=3, y=6.
def test_function_in_a_steps_block_adds_a_step() -> None:
    with Steps("main") as steps:
        out = add(a=1, b=[2, 3])
        doubled = double(x=out["s"])
    assert set(out) == {"s", "l"} and set(doubled) == {"y"}
    (first,), (second,) = steps.steps
    assert type(first) is Step and re.fullmatch(r"add-[a-z0-9]{5}", first.name)
    assert first.parameters == {"a": 1, "b": [2, 3]}
    assert str(doubled["y"]) == "{{steps.%s.outputs.parameters.y}}" % second.name
    assert str(second.parameters["x"]) == "{{steps.%s.outputs.parameters.s}}" % first.name
    assert second.template.image == "registry/op:1"


def test_function_in_a_dag_block_adds_a_task_and_use_gives_its_arguments(render) -> None:
    with DAG("d") as dag:
        out = add(1, [4])
        double.use(key="k-1")(x=out["s"])
    first, second = dag.tasks
    assert type(first) is Task and type(second) is Task
    assert first.parameters == {"a": 1, "b": [4]}
    assert second.key == "k-1" and first.key is None
    manifest = render(Workflow("dag-block", dag=dag))
    (body,) = [t for t in manifest["spec"]["templates"] if t["name"] == "d"]
    rendered = {t["name"]: t for t in body["dag"]["tasks"]}
    assert first.name in rendered[second.name]["depends"]
    assert double.task_kwargs == {}  # use() gives a copy
    with pytest.raises(TypeError, match="unexpected keyword argument 'image'"):
        with Steps("bad"):
            double.use(image="other:1")(x=1)


def test_functions_in_a_workflow_block_run(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    with Workflow("in-block") as wf:
        out = add(a=1, b=[2])
        double(x=out["s"])
    assert wf.query_status() == "Succeeded"
    pods = [s for s in wf.query_step() if s.get("type") == "Pod"]
    values = {s["displayName"].split("-")[0]: s.outputs.parameters for s in pods}
    assert values["add"]["s"].value == 3 + 3  # c defaults to 3 here
    assert values["double"]["y"].value == 12
