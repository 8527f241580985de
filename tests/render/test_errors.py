"""Bad input is an error at build time that names the step and the field."""

from __future__ import annotations

import pytest
from render_helpers import echo_template

from dflow import (
    DAG,
    InputParameter,
    Inputs,
    InvalidWorkflowError,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
    Step,
    Steps,
    Task,
    Workflow,
)


def test_unknown_parameter_and_artifact_names():
    with pytest.raises(
        InvalidWorkflowError,
        match=r"step 'a': template 'echo' has no input parameter 'msgg' \(it takes: msg\)",
    ):
        Step("a", echo_template(), parameters={"msgg": "x"})
    with pytest.raises(
        InvalidWorkflowError, match="step 'a': template 'echo' has no input artifact 'dat'"
    ):
        Step("a", echo_template(), parameters={"msg": "x"}, artifacts={"dat": None})


def test_required_input_left_unset():
    wf = Workflow("missing")
    wf.add(Step("a", echo_template()))
    with pytest.raises(
        InvalidWorkflowError, match=r"step 'a' of 'missing': required input parameter 'msg'"
    ):
        wf.to_dict()


def test_reference_to_a_step_not_in_the_workflow():
    other = Step("ghost", echo_template(), parameters={"msg": "x"})
    wf = Workflow("refs")
    wf.add(Step("a", echo_template(), parameters={"msg": other.outputs.parameters["out"]}))
    with pytest.raises(
        InvalidWorkflowError,
        match="step 'a' of Steps 'refs' refers to step 'ghost', which is in no group",
    ):
        wf.to_dict()


def test_reference_to_a_step_of_the_same_group():
    a = Step("a", echo_template(), parameters={"msg": "x"})
    b = Step("b", echo_template(), parameters={"msg": a.outputs.parameters["out"]})
    wf = Workflow("same")
    wf.add([a, b])
    with pytest.raises(
        InvalidWorkflowError, match="refers to step 'a', which is in a later or the same group"
    ):
        wf.to_dict()


def test_reference_to_a_task_not_in_the_dag():
    ghost = Task("ghost", echo_template(), parameters={"msg": "x"})
    dag = DAG("d")
    dag.add(Task("a", echo_template(), parameters={"msg": ghost.outputs.parameters["out"]}))
    with pytest.raises(InvalidWorkflowError, match="task 'a' of DAG 'd' refers to task 'ghost'"):
        Workflow("w", dag=dag).to_dict()
    dag2 = DAG("d2")
    dag2.add(Task("a", echo_template(), parameters={"msg": "x"}, dependencies=["nope"]))
    with pytest.raises(InvalidWorkflowError, match="task 'a' of DAG 'd2' depends on 'nope'"):
        Workflow("w", dag=dag2).to_dict()


def test_invalid_names():
    with pytest.raises(InvalidWorkflowError, match="step name 'bad_name' is invalid"):
        Step("bad_name", echo_template(), parameters={"msg": "x"})
    with pytest.raises(InvalidWorkflowError, match="template name 'e.cho' is invalid"):
        ShellOPTemplate(name="e.cho")
    with pytest.raises(InvalidWorkflowError, match="has 58 characters; at most 57"):
        ShellOPTemplate(name="a" * 58)
    with pytest.raises(InvalidWorkflowError, match="workflow name"):
        Workflow("Hello World")
    with pytest.raises(InvalidWorkflowError, match="input parameter name 'a b' is invalid"):
        Inputs(parameters={"a b": InputParameter()})
    with pytest.raises(InvalidWorkflowError, match="key 'Bad_Key' is not a lower-case RFC 1123"):
        Step("a", echo_template(), parameters={"msg": "x"}, key="Bad_Key")


def test_two_templates_under_one_name_names_both_users():
    wf = Workflow("clash")
    wf.add(Step("first", echo_template(), parameters={"msg": "x"}))
    other = echo_template()
    other.script = "echo other"
    wf.add(Step("second", other, parameters={"msg": "x"}))
    with pytest.raises(InvalidWorkflowError) as err:
        wf.to_dict()
    text = str(err.value)
    assert "two different templates are named 'echo'" in text
    assert "step 'first' of 'clash'" in text and "step 'second' of 'clash'" in text


def test_empty_steps_and_dag():
    with pytest.raises(InvalidWorkflowError, match="Steps 'empty' has no steps"):
        Workflow("empty").to_dict()
    with pytest.raises(InvalidWorkflowError, match="DAG 'g' has no tasks"):
        Workflow("w", dag=DAG("g")).to_dict()
    with pytest.raises(InvalidWorkflowError, match="cannot add an empty group"):
        Steps("s").add([])


@pytest.mark.parametrize("bad", [3, "plain text", {"a": 1}])
def test_with_param_must_be_list_or_reference(bad):
    with pytest.raises(
        InvalidWorkflowError, match="step 'a': with_param must be a list or a reference"
    ):
        Step("a", echo_template(), parameters={"msg": "x"}, with_param=bad)


def test_output_without_source_names_template_and_output():
    t = ShellOPTemplate(name="t", outputs=Outputs(parameters={"p": OutputParameter()}))
    wf = Workflow("w")
    wf.add(Step("a", t))
    with pytest.raises(
        InvalidWorkflowError, match="template 't': output parameter 'p' has no source"
    ):
        wf.to_dict()


def test_success_counts_need_a_fan_out_and_a_valid_ratio():
    with pytest.raises(InvalidWorkflowError, match="need a fan-out"):
        Step("a", echo_template(), parameters={"msg": "x"}, continue_on_num_success=1)
    with pytest.raises(InvalidWorkflowError, match="between 0 and 1"):
        Step(
            "a",
            echo_template(),
            parameters={"msg": "x"},
            with_param=[1],
            continue_on_success_ratio=2,
        )


def test_bad_timeout_names_the_step():
    wf = Workflow("w")
    wf.add(Step("a", echo_template(), parameters={"msg": "x"}, timeout="soon"))
    with pytest.raises(ValueError, match="step 'a' of 'w': timeout 'soon'"):
        wf.to_dict()


def test_a_users_steps_named_like_one_of_its_templates():
    main = Steps("echo")
    main.add(Step("a", echo_template("echo"), parameters={"msg": "x"}))
    with pytest.raises(InvalidWorkflowError) as err:
        Workflow("wf", steps=main).to_dict()
    assert "two different templates are named 'echo': one used by the workflow" in str(err.value)
    assert "step 'a' of 'echo' (a leaf template)" in str(err.value)


def test_duplicate_names_in_one_parallel_group():
    with pytest.raises(InvalidWorkflowError, match="two steps are named 'x'"):
        Steps("s").add([Step("x", echo_template(), parameters={"msg": "a"})] * 2)


def test_parameters_and_artifacts_are_not_interchangeable():
    a = Step("a", echo_template(), parameters={"msg": "x"})
    with pytest.raises(InvalidWorkflowError, match="input parameter 'msg' is given an artifact"):
        Step("b", echo_template(), parameters={"msg": a.outputs.artifacts["f"]})
    with pytest.raises(InvalidWorkflowError, match="input artifact 'data' is given a parameter"):
        Step(
            "b",
            echo_template(),
            parameters={"msg": "x"},
            artifacts={"data": a.outputs.parameters["out"]},
        )


def test_options_that_would_be_dropped_are_errors():
    with pytest.raises(InvalidWorkflowError, match=r"Step\(parallelism=...\) is not supported"):
        Step("a", echo_template(), parameters={"msg": "x"}, parallelism=2)
    inner = Steps("inner")
    inner.add(Step("a", echo_template(), parameters={"msg": "x"}))
    wf = Workflow("w")
    wf.add(Step("run", inner, timeout=10))
    with pytest.raises(InvalidWorkflowError, match="a step timeout needs a script or container"):
        wf.to_dict()
    t = echo_template()
    t.outputs.artifacts["f"].archive = "zip"
    wf = Workflow("w")
    wf.add(Step("a", t, parameters={"msg": "x"}))
    with pytest.raises(InvalidWorkflowError, match="archive 'zip'; use 'tar' or None"):
        wf.to_dict()


def test_literal_text_that_looks_like_a_reference_is_no_reference(render):
    wf = Workflow("literal")
    wf.add(Step("a", echo_template(), parameters={"msg": "data/steps.v1.tar"}))
    assert (
        render(wf)["spec"]["templates"][0]["steps"][0][0]["arguments"]["parameters"][0]["value"]
        == "data/steps.v1.tar"
    )
