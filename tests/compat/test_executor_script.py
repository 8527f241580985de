"""An ``Executor`` subclass with ``image``, ``command`` and ``get_script`` (dflow 1.0's form).

The seed release's README documents executors written this way: the step's template runs the
script that ``get_script(command, script)`` returns, with the executor's image and command. The
original 1.8.134 makes ``render`` abstract, so such a class cannot even be built there
(``TypeError: Can't instantiate abstract class``); we honour the documented form instead of
ignoring it, and a subclass with its own ``render`` is used as before.
"""

from __future__ import annotations

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import DAG, OutputParameter, ShellOPTemplate, Step, Task, Workflow
from dflow.errors import InvalidWorkflowError
from dflow.executor import Executor


class Wrap(Executor):
    image = "alpine:wrapped"
    command = ["bash"]

    def get_script(self, command, script):
        return f"echo wrapped-{' '.join(command)} > /tmp/w\n{script}\n"


def hello():
    tpl = ShellOPTemplate(name="hello", image="alpine:3", script="echo hi > /tmp/o")
    tpl.outputs.parameters = {
        "o": OutputParameter(value_from_path="/tmp/o"),
        "w": OutputParameter(value_from_path="/tmp/w", default="none"),
    }
    return tpl


def test_get_script_image_and_command_are_applied(render):
    tpl = hello()
    wf = Workflow("ex")
    wf.add([Step("a", tpl, executor=Wrap()), Step("b", tpl)])
    scripts = {t["name"]: t["script"] for t in render(wf)["spec"]["templates"] if "script" in t}
    (wrapped,) = [n for n in scripts if n != "hello"]
    assert scripts[wrapped]["image"] == "alpine:wrapped"
    assert scripts[wrapped]["command"] == ["bash"]
    assert scripts[wrapped]["source"] == "echo wrapped-sh > /tmp/w\necho hi > /tmp/o\n"
    assert scripts["hello"]["source"] == "echo hi > /tmp/o"  # the template itself is unchanged


@pytest.mark.usefixtures("debug")
def test_the_wrapped_script_runs():
    tpl = hello()
    wf = Workflow("ex")
    wf.add([Step("a", tpl, executor=Wrap()), Step("b", tpl)])
    wf.submit()
    assert wf.query_status() == "Succeeded"
    a, b = wf.query_step(name="a")[0], wf.query_step(name="b")[0]
    assert a.outputs.parameters["o"].value == "hi"
    assert a.outputs.parameters["w"].value == "wrapped-sh"
    assert b.outputs.parameters["w"].value == "none"


def test_not_a_script_template_is_an_error(render):
    inner = DAG("inner")
    inner.add(Task("t", hello()))
    wf = Workflow("ex")
    wf.add(Step("a", inner, executor=Wrap()))
    with pytest.raises(
        InvalidWorkflowError, match="executor Wrap: template 'inner' is not a script"
    ):
        render(wf)
