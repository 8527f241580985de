"""``Workflow(parameters=, on_exit=)``, ``convert_to_argo()``, a workflow before ``submit`` and
``upload_packages`` naming a path that ``python_packages`` names too.

Checked against the original 1.8.134: ``parameters={"x": 7, "s": "str"}`` renders
``spec.arguments.parameters`` ``[{"name": "x", "value": "7"}, {"name": "s", "value": "str"}]`` and
``on_exit=tpl`` renders ``spec.onExit: <tpl name>`` with the template among the templates;
``convert_to_argo()`` gives the manifest as an object with attribute access and ``to_dict()``
(the original's is Argo's SDK model class); before ``submit`` ``wf.id`` is None and
``query_status()`` raises (the original: a TypeError in debug mode, an API error on Argo; ours
says the workflow has not been submitted); the same path in ``upload_packages`` and
``python_packages`` is shipped once (the original keeps a set). The original's debug mode
ignores ``on_exit`` and cannot read ``{{workflow.parameters.x}}``; Argo runs both, and so do we.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import InputParameter, OutputParameter, ShellOPTemplate, Step, Workflow
from dflow.errors import InvalidWorkflowError
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate
from dflow.python import template as python_template

ECHO = ShellOPTemplate(
    name="echo", image="alpine:3", script="echo {{inputs.parameters.m}} > /tmp/o"
)
ECHO.inputs.parameters = {"m": InputParameter()}
ECHO.outputs.parameters = {"o": OutputParameter(value_from_path="/tmp/o")}


def exit_handler(path: Path) -> ShellOPTemplate:
    tpl = ShellOPTemplate(
        name="on-exit",
        image="alpine:3",
        script="echo {{workflow.status}} > {{inputs.parameters.path}}",
    )
    tpl.inputs.parameters = {"path": InputParameter(value=str(path))}
    return tpl


def test_parameters_and_on_exit_render(render):
    wf = Workflow("args", parameters={"x": 7, "s": "str"}, on_exit=exit_handler(Path("/x")))
    wf.add(Step("a", ECHO, parameters={"m": "{{workflow.parameters.x}}"}))
    spec = render(wf)["spec"]
    assert spec["arguments"]["parameters"] == [
        {"name": "x", "value": "7"},
        {"name": "s", "value": "str"},
    ]
    assert spec["onExit"] == "on-exit"
    assert "on-exit" in [t["name"] for t in spec["templates"]]
    argo = wf.convert_to_argo()
    assert argo.spec.onExit == "on-exit" and argo.metadata.generateName == "args-"
    assert argo.to_dict() == wf.to_dict()


@pytest.mark.usefixtures("debug")
@pytest.mark.parametrize("fail", [False, True])
def test_parameters_and_on_exit_run(tmp_path, fail):
    status = tmp_path / "status.txt"
    wf = Workflow("args", parameters={"x": 7}, on_exit=exit_handler(status))
    if fail:
        wf.add(Step("a", ShellOPTemplate(name="boom", image="alpine:3", script="exit 3")))
    else:
        wf.add(Step("a", ECHO, parameters={"m": "{{workflow.parameters.x}}"}))
    wf.submit()
    assert wf.query_status() == ("Failed" if fail else "Succeeded")
    assert status.read_text().strip() == ("Failed" if fail else "Succeeded")
    handler = wf.query_step(name=f"{wf.id}.onExit")
    assert [s.phase for s in handler] == ["Succeeded"]
    if not fail:
        assert wf.query_step(name="a")[0].outputs.parameters["o"].value == "7"


def test_before_submit():
    wf = Workflow("pre")
    assert wf.id is None
    with pytest.raises(InvalidWorkflowError, match="has not been submitted"):
        wf.query_status()
    with pytest.raises(InvalidWorkflowError, match="reused by submit"):
        wf.convert_to_argo(reuse_step=[])


class Hello(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"v": int})

    @OP.exec_sign_check
    def execute(self, op_in):
        import compat_pkg_helper  # type: ignore[import-not-found]

        return OPIO({"v": compat_pkg_helper.VALUE})


@pytest.mark.usefixtures("debug")
def test_upload_packages_and_python_packages_name_the_same_path(tmp_path, monkeypatch):
    pkg = tmp_path / "compat_pkg_helper"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("VALUE = 5\n")
    monkeypatch.setattr(python_template, "upload_packages", [str(pkg)])
    tpl = PythonOPTemplate(Hello, image="python:3.11", python_packages=[str(pkg) + "/"])
    assert tpl.python_packages == [str(pkg) + "/"]
    wf = Workflow("packages")
    wf.add(Step("hello", tpl))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert int(wf.query_step(name="hello")[0].outputs.parameters["v"].value) == 5
