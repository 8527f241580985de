"""Template names are lower-cased; templates, Steps and DAGs built without a name get one.

Checked against the original 1.8.134: ``ShellOPTemplate(name="Hello").name == "hello"``,
``Steps(name="MySteps").name == "mysteps"``; ``OPTemplate()``, ``Steps()``, ``DAG()`` and an
unnamed ``ShellOPTemplate`` get generated names (the original: 5 random characters; ours add the
kind in front, e.g. ``steps-x11bl``, or a digest of the script for script templates); template
names with ``_``, ``.`` or a leading ``-`` are refused (Argo's rule), a workflow name in capitals
is refused, a step name keeps its capitals (``Step("Step1", ...)``).
"""

from __future__ import annotations

import re

import pytest

from dflow import DAG, ShellOPTemplate, Step, Steps, Task, Workflow
from dflow.errors import InvalidWorkflowError
from dflow.op_template import OPTemplate

NAME = re.compile(r"^[a-z0-9][-a-z0-9]*$")


def echo(name=None):
    return ShellOPTemplate(name=name, image="alpine:3", script="echo hi")


def test_template_names_are_lower_cased(render):
    tpl = echo("Hello")
    assert tpl.name == "hello"
    assert Steps(name="MySteps").name == "mysteps"
    assert DAG(name="MyDag").name == "mydag"
    wf = Workflow("lower")
    wf.add(Step("Step1", tpl))
    manifest = render(wf)
    names = [t["name"] for t in manifest["spec"]["templates"]]
    assert "hello" in names
    assert manifest["spec"]["templates"][0]["steps"][0][0]["name"] == "Step1"


def test_templates_without_names_get_generated_ones(render):
    made = [OPTemplate().name, Steps().name, DAG().name, echo().name]
    assert all(NAME.match(n) for n in made), made
    assert Steps().name != Steps().name and DAG().name != DAG().name
    # an unnamed Steps and DAG are usable as templates of a workflow
    inner = Steps()
    inner.add(Step("a", echo("e")))
    dag = DAG()
    dag.add(Task("b", inner))
    wf = Workflow("unnamed", dag=dag)
    names = [t["name"] for t in render(wf)["spec"]["templates"]]
    assert inner.name in names and "e" in names


@pytest.mark.parametrize("bad", ["a_b", "a b", "-a", "a.b"])
def test_invalid_template_names_are_refused(bad):
    with pytest.raises(InvalidWorkflowError, match=f"template name {bad!r} is invalid"):
        echo(bad)


def test_workflow_names_are_not_lower_cased():
    with pytest.raises(InvalidWorkflowError, match="workflow name 'MyWF'"):
        Workflow(name="MyWF")
