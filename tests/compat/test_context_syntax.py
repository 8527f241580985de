"""``with Workflow(...) as wf:`` adds the steps built inside it and submits on leaving the block.

Checked against the original 1.8.134 (debug mode): steps built inside the block are added in the
order they are built, each as its own group (``[["a"], ["b"], ["c"], ["d"]]``), ``wf.id`` is None
inside the block and set after it, and the workflow succeeds. ``Steps`` and ``DAG`` are context
managers too. Where the original has plain bugs we do better, on purpose: it adds a step twice
when the block also calls ``wf.add`` on it (``[["a"], ["b"], ["c"], ["c"], ["d"]]``), also adds a
step meant for an inner ``Steps`` to the workflow, loses track after a nested block closes, and
submits even when the block raised.
"""

from __future__ import annotations

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import DAG, InputParameter, OutputParameter, ShellOPTemplate, Step, Steps, Task, Workflow

ECHO = ShellOPTemplate(
    name="echo", image="alpine:3", script="echo {{inputs.parameters.m}} > /tmp/o"
)
ECHO.inputs.parameters = {"m": InputParameter()}
ECHO.outputs.parameters = {"o": OutputParameter(value_from_path="/tmp/o")}


def groups(wf):
    entry = wf.to_dict()["spec"]["templates"][0]
    return [[s["name"] for s in g] for g in entry["steps"]]


@pytest.mark.usefixtures("debug")
def test_steps_built_in_the_block_are_added_and_submitted():
    with Workflow("ctx") as wf:
        a = Step("a", ECHO, parameters={"m": 1})
        Step("b", ECHO, parameters={"m": a.outputs.parameters["o"]})
        wf.add(Step("c", ECHO, parameters={"m": 3}))  # explicit add: not added twice
        Step("d", ECHO, parameters={"m": 4})
        assert wf.id is None
    assert wf.id is not None and wf.id.startswith("ctx-")
    assert wf.query_status() == "Succeeded"
    assert groups(wf) == [["a"], ["b"], ["c"], ["d"]]
    assert wf.query_step(name="b")[0].outputs.parameters["o"].value == "1"


def test_a_step_added_to_an_inner_steps_moves_there():
    with pytest.raises(RuntimeError, match="in the block"):
        with Workflow("nested") as wf:
            inner = Steps("inner")
            inner.add(Step("x", ECHO, parameters={"m": 1}))
            Step("outer", inner)
            par = [Step("p1", ECHO, parameters={"m": 1}), Step("p2", ECHO, parameters={"m": 2})]
            wf.add(par)  # built in the block, then added as one parallel group
            raise RuntimeError("an error in the block: nothing is submitted")
    assert wf.id is None
    assert groups(wf) == [["outer"], ["p1", "p2"]]
    assert [[s.name for s in g] for g in inner.steps] == [["x"]]


def test_hooks_and_rendering_inside_a_block_add_nothing():
    from dflow.step import HookStep

    with pytest.raises(RuntimeError, match="stop"):
        with Workflow("hooks") as wf:
            hook = HookStep(ECHO, parameters={"m": 0})
            Step("a", ECHO, parameters={"m": 1}, success_hook=hook)
            wf.to_dict()  # rendering inside the block leaves the block as it was
            raise RuntimeError("stop")
    assert groups(wf) == [["a"]]


def test_nested_steps_and_dag_blocks():
    with Workflow("dags", dag=DAG("top")) as wf:
        with DAG("sub") as sub:
            x = Task("x", ECHO, parameters={"m": 1})
            Task("y", ECHO, parameters={"m": x.outputs.parameters["o"]})
        Task("z", sub)  # after the inner block: back in the workflow's DAG
        with Steps("seq") as seq:
            Step("s", ECHO, parameters={"m": 2})
        Task("w", seq)
        wf.submit = lambda: None  # type: ignore[method-assign] - render only
    assert [t.name for t in sub.tasks] == ["x", "y"]
    assert [t.name for t in wf.dag.tasks] == ["z", "w"]
    assert [[s.name for s in g] for g in seq.steps] == [["s"]]


def test_range_context_tracks_its_parameter():
    from dflow.context_syntax import Range_Context

    ctx = Range_Context()
    # checked against pydflow 1.8.134: starts outside, with no parameter
    assert (ctx.in_context, ctx.range_param_name, ctx.range_param_len) == (False, None, 0)
    with pytest.raises(ValueError, match="in_context"):
        ctx.in_context = 1  # type: ignore[assignment]
    ctx.to_in_context()
    ctx.range_param_name, ctx.range_param_len = "i", 3
    assert ctx.in_context and ctx.get_current_range_param_name() == "i"
    ctx.in_context = False  # leaving forgets the range
    assert (ctx.range_param_name, ctx.range_param_len) == (None, 0)
    with pytest.raises(SyntaxError):
        ctx.get_current_range_param_name()
    # the reference fails here (warnings.warning does not exist); we warn
    with pytest.warns(UserWarning, match="not in a range context"):
        ctx.to_out_context()
