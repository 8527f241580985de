"""Bad input is refused where it is built, naming the culprit, not changed or failed deep inside."""

from __future__ import annotations

import textwrap

import pytest
from helpers import out, python, shell

from dflow import DAG, InvalidWorkflowError, Step, Task, Workflow
from dflow.engines.local import LocalEngine
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate
from dflow.python.errors import SignError


def test_a_task_depending_on_itself_is_refused():
    # (the original 1.8.134 renders depends "(a)", which Argo refuses at submission)
    t = shell("t", "echo hi")
    with pytest.raises(InvalidWorkflowError, match="task 'a' depends on itself"):
        Task("a", t, dependencies=["a"])
    with pytest.raises(InvalidWorkflowError, match="task 'a' depends on itself"):
        Task("a", t, dependencies=["a.Succeeded"])
    a = Task("a", t)
    a.dependencies.append("a")
    dag = DAG(name="d")
    dag.add(a)
    with pytest.raises(InvalidWorkflowError, match="task 'a' of DAG 'd' depends on itself"):
        Workflow(name="selfdep", dag=dag).to_dict()


def test_the_local_engine_fails_a_manifest_whose_task_depends_on_itself(local_root):
    manifest = {
        "metadata": {"name": "selfdep"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {
                    "name": "main",
                    "dag": {"tasks": [{"name": "a", "template": "t", "dependencies": ["a"]}]},
                },
                {"name": "t", "script": {"image": "alpine", "command": ["sh"], "source": "true"}},
            ],
        },
    }
    final = LocalEngine().submit(manifest)
    assert final["status"]["phase"] in ("Failed", "Error")
    assert "'a'" in final["status"]["message"]


def test_a_nul_byte_in_a_parameter_is_refused_naming_it(local_root):
    t = shell("t", "echo {{inputs.parameters.x}}", inputs=["x"])
    with pytest.raises(InvalidWorkflowError, match="step 's': input parameter 'x' contains a NUL"):
        Step("s", t, parameters={"x": "a\0b"})


def test_a_nul_byte_made_at_run_time_fails_the_step_naming_the_parameter(local_root):
    # GIVEN a step whose output carries a NUL byte, fed to a Python script step
    make = shell("make", "mkdir -p /tmp/outputs; printf 'a\\000b' > /tmp/outputs/v", outputs=["v"])
    use = python("use", "print('{{inputs.parameters.v}}')", inputs=["v"])
    wf = Workflow(name="nul-run-time")
    first = Step("make", make)
    wf.add(first)
    wf.add(Step("use", use, parameters={"v": first.outputs.parameters["v"]}))
    wf.submit()
    assert out(wf.query_step(name="make")[0], "v") == "a\0b"
    # THEN the step fails with a message that names the parameter, no traceback from inside
    assert wf.query_status() == "Failed"
    (step,) = wf.query_step(name="use")
    assert step.phase == "Failed"
    assert "input parameter 'v' contains a NUL byte" in step.message
    assert "Traceback" not in step.message


class StrSigned(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": "str", "n": "List[int]"})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": "int"})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"y": len(op_in["x"]) + sum(op_in["n"])})


def test_a_type_given_as_a_string_is_the_annotation_it_names(local_root):
    from typing import List

    sign = OPIOSign({"x": "int", "p": "Path", "n": "Optional[List[int]]"})
    from pathlib import Path
    from typing import Optional

    assert dict(sign) == {"x": int, "p": Path, "n": Optional[List[int]]}
    # AND an OP with string types runs with the values its types say
    wf = Workflow(name="str-signs")
    wf.add(Step("s", PythonOPTemplate(StrSigned), parameters={"x": "12345", "n": [1, 2]}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="s")[0].outputs.parameters["y"].value == 8


def test_a_string_that_names_no_type_is_refused_naming_the_key():
    with pytest.raises(SignError, match="sign key 'x': the type 'Nope' is a string that names"):
        OPIOSign({"x": "Nope"})
    with pytest.raises(SignError, match="sign key 'y'"):
        OPIOSign({"y": "3"})


@pytest.mark.parametrize(
    "text, culprit",
    [
        ("", "got an empty document"),
        ("- a\n- b\n", "got a list"),
        ("just text", "got a str"),
        ("kind: Workflow\nspec: [1]\n", "spec is not a mapping"),
        ("kind: Workflow\nspec: {templates: {a: 1}}\n", "spec.templates is not a list"),
        (
            textwrap.dedent(
                """
                kind: Workflow
                metadata: {generateName: x-}
                spec:
                  entrypoint: main
                  templates:
                  - container: {image: alpine, command: [echo]}
                """
            ),
            r"spec.templates\[0\] has no name",
        ),
    ],
)
def test_from_yaml_of_bad_input_names_what_is_wrong(text, culprit):
    with pytest.raises(InvalidWorkflowError, match=culprit):
        Workflow.from_yaml(text)
