"""``dflow.io.Expression``, ``ArgoVar(is_str=)`` and the ``expr`` of steps, tasks and hooks."""

from __future__ import annotations

import pytest

from dflow import (
    DAG,
    HookStep,
    InputParameter,
    OutputParameter,
    ShellOPTemplate,
    Step,
    Steps,
    Task,
    Workflow,
)
from dflow.io import ArgoVar, Expression


def _template() -> ShellOPTemplate:
    t = ShellOPTemplate(name="t", image="alpine", script="echo")
    t.outputs.parameters["o"] = OutputParameter(value=5)
    return t


def test_expression_evaluates_over_a_steps_and_a_dag():
    # checked against 1.8.134 (debug mode): repr is the text; 3, 20, 7, ['n'], 10, 'xy'
    steps = Steps("main")
    steps.inputs.parameters["n"] = InputParameter(value=2)
    steps.add(Step("a", _template()))
    e = Expression("inputs.parameters['n'] + 1")
    assert repr(e) == e.expr == "inputs.parameters['n'] + 1"
    assert e.eval(steps) == 3
    assert Expression("inputs.parameters.n * 10").eval(steps) == 20
    both = Expression("steps['a'].outputs.parameters['o'] + inputs.parameters['n']")
    assert both.eval(steps) == 7
    assert sorted(Expression("inputs.parameters").eval(steps)) == ["n"]
    dag = DAG("d")
    dag.inputs.parameters["k"] = InputParameter(value="x")
    dag.add(Task("b", _template()))
    assert Expression("tasks['b'].outputs.parameters['o'] * 2").eval(dag) == 10
    assert Expression("inputs.parameters.k + 'y'").eval(dag) == "xy"


def test_expression_names_what_it_could_not_evaluate():
    # checked against 1.8.134: RuntimeError "Failed to evaluate expression ... with variables ..."
    steps = Steps("main")
    failed = r"Failed to evaluate expression inputs.parameters\['zz'\]"
    with pytest.raises(RuntimeError, match=failed):
        Expression("inputs.parameters['zz']").eval(steps)


def test_argo_var_is_str_false_passes_a_json_value(render):
    # checked against 1.8.134: is_str defaults to True, ArgoVar().expr is None, and the step
    # arguments render as below
    t = ShellOPTemplate(name="t", image="alpine", script="echo {{inputs.parameters.x}}")
    t.inputs.parameters = {"x": InputParameter(), "y": InputParameter()}
    s = Step(
        "s",
        t,
        parameters={
            "x": ArgoVar("workflow.name", is_str=False),
            "y": ArgoVar("workflow.name"),
        },
    )
    assert ArgoVar("a").is_str is True and ArgoVar().expr is None
    manifest = render(Workflow(name="w", steps=Steps("main", steps=[s])))
    (main,) = [x for x in manifest["spec"]["templates"] if x["name"] == "main"]
    assert main["steps"][0][0]["arguments"]["parameters"] == [
        {
            "name": "x",
            "value": "{{=string(workflow.name) == workflow.name ? workflow.name : "
            "toJson(workflow.name)}}",
        },
        {"name": "y", "value": "{{=workflow.name}}"},
    ]


def test_expr_of_a_step_a_task_and_a_hook(render):
    # checked against 1.8.134: steps['my-step'] tasks['my-task'], a hook's is steps['<name>']
    t = _template()
    assert Step("my-step", t).expr == "steps['my-step']"
    assert Task("my-task", t).expr == "tasks['my-task']"
    hook = HookStep(t)
    assert hook.expr == f"steps['{hook.name}']"
    # a hook's condition is written with the expr of the step it belongs to
    step = Step("watched", t, failure_hook=HookStep(t))
    manifest = render(Workflow(name="w", steps=Steps("main", steps=[step])))
    (main,) = [x for x in manifest["spec"]["templates"] if x["name"] == "main"]
    hooks = main["steps"][0][0]["hooks"]
    assert hooks["failure"]["expression"] == f"{step.expr}.status == 'Failed'"
