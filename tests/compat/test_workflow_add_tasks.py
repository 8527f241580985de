"""``Workflow.add(Task(...))`` on a workflow built without ``steps``/``dag`` makes it a DAG.

Checked against 1.8.134: ``type(wf.entrypoint).__name__`` printed ``DAG`` and the workflow
``Succeeded``, task ``b`` giving ``'2\\n'`` (its debug mode keeps the newline Argo strips: ``'2'``).
"""

from __future__ import annotations

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import DAG, InputParameter, OutputParameter, ShellOPTemplate, Step, Task, Workflow


def _templates() -> tuple:
    one = ShellOPTemplate(name="one", image="alpine", script="echo 1 > /tmp/r.txt")
    one.outputs.parameters = {"n": OutputParameter(value_from_path="/tmp/r.txt")}
    double = ShellOPTemplate(
        name="double", image="alpine", script="echo $(({{inputs.parameters.n}}*2)) > /tmp/r.txt"
    )
    double.inputs.parameters = {"n": InputParameter()}
    double.outputs.parameters = {"n": OutputParameter(value_from_path="/tmp/r.txt")}
    return one, double


@pytest.mark.usefixtures("debug")
def test_tasks_added_to_a_plain_workflow_run_as_a_dag() -> None:
    # GIVEN a workflow built with neither steps nor dag, given two dependent tasks
    one, double = _templates()
    wf = Workflow(name="dag-add")
    a = Task(name="a", template=one)
    wf.add(a)
    wf.add(Task(name="b", template=double, parameters={"n": a.outputs.parameters["n"]}))
    assert isinstance(wf.entrypoint, DAG)

    # WHEN it runs
    wf.submit()

    # THEN the second task read the first one's output
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="b")[0].outputs.parameters["n"].value == "2"


def test_steps_first_keep_a_steps_workflow() -> None:
    one, _ = _templates()
    wf = Workflow(name="steps-add")
    wf.add(Step(name="a", template=one))
    assert wf.steps is not None and wf.dag is None
