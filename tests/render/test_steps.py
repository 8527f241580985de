"""Rendering of Steps: groups, references, conditions, loops, keys, timeouts, success checks."""

from __future__ import annotations

import json

import pytest
from render_helpers import by_name, echo_template

from dflow import (
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    S3Artifact,
    Step,
    Steps,
    Workflow,
    argo_len,
    argo_range,
    argo_sequence,
    if_expression,
)


def test_sequential_and_parallel_groups(render):
    t = echo_template()
    wf = Workflow("groups")
    a = Step("a", t, parameters={"msg": "hi"})
    b = Step("b", t, parameters={"msg": a.outputs.parameters["out"]})
    c = Step("c", t, parameters={"msg": 3}, artifacts={"data": a.outputs.artifacts["f"]})
    wf.add(a)
    wf.add([b, c])
    m = render(wf)
    assert m["metadata"] == {"generateName": "groups-"}
    assert m["spec"]["entrypoint"] == "groups"
    groups = by_name(m)["groups"]["steps"]
    assert [[s["name"] for s in g] for g in groups] == [["a"], ["b", "c"]]
    assert groups[1][0]["arguments"]["parameters"] == [
        {"name": "msg", "value": "{{steps.a.outputs.parameters.out}}"}
    ]
    # non-str values travel JSON-encoded; artifacts by reference
    assert groups[1][1]["arguments"] == {
        "parameters": [{"name": "msg", "value": "3"}],
        # "data" is optional in the template: Argo passes over a reference resolving to nothing
        "artifacts": [
            {"name": "data", "from": "{{steps.a.outputs.artifacts.f}}", "optional": True}
        ],
    }
    # one template, rendered once, in first-use order after the entrypoint
    assert [t["name"] for t in m["spec"]["templates"]] == ["groups", "echo"]


def test_parameter_values_are_encoded():
    from dflow.render.values import encode_parameter

    assert encode_parameter("x") == "x"
    assert encode_parameter(1.5) == "1.5"
    assert encode_parameter({"a": [1, None, True]}) == '{"a": [1, null, true]}'
    assert json.loads(encode_parameter((1, 2)))["py/tuple"] == [1, 2]


def test_when_from_comparisons(render):
    t = echo_template()
    wf = Workflow("cond")
    a = Step("a", t, parameters={"msg": "x"})
    b = Step("b", t, parameters={"msg": "y"}, when=a.outputs.parameters["out"] > 2)
    c = Step("c", t, parameters={"msg": "y"}, when=a.outputs.parameters["out"] == "heads")
    d = Step("d", t, parameters={"msg": "y"}, when="%s == tails" % a.outputs.parameters["out"])
    wf.add(a)
    wf.add([b, c, d])
    steps = by_name(render(wf))["cond"]["steps"][1]
    assert steps[0]["when"] == "{{=asFloat(steps['a'].outputs.parameters['out']) > 2}}"
    assert steps[1]["when"] == "{{=steps['a'].outputs.parameters['out'] == 'heads'}}"
    assert steps[2]["when"] == "{{steps.a.outputs.parameters.out}} == tails"


def test_loops(render):
    t = echo_template()
    wf = Workflow("loops")
    a = Step("a", t, parameters={"msg": "x"})
    wf.add(a)
    wf.add(
        [
            Step("p", t, parameters={"msg": "{{item}}"}, with_param=[1, 2, 3]),
            Step(
                "r",
                t,
                parameters={"msg": "{{item}}"},
                with_param=argo_range(argo_len(a.outputs.parameters["out"])),
            ),
            Step("i", t, parameters={"msg": "{{item}}"}, with_items=["a", {"k": 1}]),
            Step(
                "s",
                t,
                parameters={"msg": "{{item}}"},
                with_sequence=argo_sequence(4, start=1, format="%02d"),
            ),
            Step("q", t, parameters={"msg": "{{item}}"}, with_param=a.outputs.parameters["out"]),
        ]
    )
    steps = {s["name"]: s for s in by_name(render(wf))["loops"]["steps"][1]}
    assert steps["p"]["withParam"] == "[1, 2, 3]"
    assert steps["r"]["withParam"] == (
        "{{=toJson(sprig.untilStep(0, int(len(sprig.fromJson("
        "steps['a'].outputs.parameters['out']))), 1))}}"
    )
    assert steps["i"]["withItems"] == ["a", {"k": 1}]
    assert steps["s"]["withSequence"] == {"count": "4", "start": "1", "format": "%02d"}
    assert steps["q"]["withParam"] == "{{steps.a.outputs.parameters.out}}"


def test_steps_outputs_from_inner_steps_and_expressions(render):
    t = echo_template()
    inner = Steps(
        "inner",
        inputs=Inputs(parameters={"n": InputParameter(value=1)}),
        outputs=Outputs(
            parameters={"m": OutputParameter(), "pick": OutputParameter(default="none")},
            artifacts={"f": OutputArtifact(), "g": OutputArtifact()},
        ),
    )
    a = Step("a", t, parameters={"msg": inner.inputs.parameters["n"]})
    b = Step("b", t, parameters={"msg": "b"})
    inner.add([a, b])
    inner.outputs.parameters["m"].value_from_parameter = a.outputs.parameters["out"]
    inner.outputs.parameters["pick"].value_from_expression = if_expression(
        a.outputs.parameters["out"] > 1, a.outputs.parameters["out"], b.outputs.parameters["out"]
    )
    inner.outputs.artifacts["f"]._from = a.outputs.artifacts["f"]
    inner.outputs.artifacts["g"].from_expression = if_expression(
        a.outputs.parameters["out"] == "x", a.outputs.artifacts["f"], b.outputs.artifacts["f"]
    )
    wf = Workflow("nested")
    wf.add(Step("run", inner, parameters={"n": 5}))
    body = by_name(render(wf))["inner"]
    assert body["inputs"] == {"parameters": [{"name": "n", "value": "1"}]}
    assert body["steps"][0][0]["arguments"]["parameters"][0]["value"] == "{{inputs.parameters.n}}"
    params = {p["name"]: p for p in body["outputs"]["parameters"]}
    assert params["m"]["valueFrom"] == {"parameter": "{{steps.a.outputs.parameters.out}}"}
    assert params["pick"]["valueFrom"] == {
        "expression": "(asFloat(steps['a'].outputs.parameters['out']) > 1 ? "
        "steps['a'].outputs.parameters['out'] : steps['b'].outputs.parameters['out'])",
        "default": "none",
    }
    arts = {a["name"]: a for a in body["outputs"]["artifacts"]}
    assert arts["f"]["from"] == "{{steps.a.outputs.artifacts.f}}"
    assert arts["g"]["fromExpression"].startswith("(steps['a'].outputs.parameters['out'] == 'x' ?")


def test_recursive_steps(render):
    t = echo_template()
    loop = Steps("loop", inputs=Inputs(parameters={"i": InputParameter()}))
    body = Step("body", t, parameters={"msg": loop.inputs.parameters["i"]})
    again = Step(
        "again",
        loop,
        parameters={"i": "{{=asInt(inputs.parameters.i) + 1}}"},
        when="%s < 3" % loop.inputs.parameters["i"],
    )
    loop.add(body)
    loop.add(again)
    wf = Workflow("recurse")
    wf.add(Step("start", loop, parameters={"i": 0}))
    m = render(wf)
    assert [t["name"] for t in m["spec"]["templates"]] == ["recurse", "loop", "echo"]
    assert by_name(m)["loop"]["steps"][1][0] == {
        "name": "again",
        "template": "loop",
        "arguments": {
            "parameters": [{"name": "i", "value": "{{=asInt(inputs.parameters.i) + 1}}"}]
        },
        "when": "{{inputs.parameters.i}} < 3",
    }


def test_continue_on_failed_and_success_counts(render):
    t = echo_template()
    wf = Workflow("counts")
    wf.add(Step("a", t, parameters={"msg": "x"}, continue_on_failed=True))
    wf.add(
        Step(
            "b",
            t,
            parameters={"msg": "{{item}}"},
            with_param=argo_range(4),
            continue_on_num_success=3,
        )
    )
    wf.add(
        Step(
            "c",
            t,
            parameters={"msg": "{{item}}"},
            with_param=argo_range(4),
            continue_on_success_ratio=0.5,
        )
    )
    m = render(wf)
    groups = by_name(m)["counts"]["steps"]
    assert groups[0][0]["continueOn"] == {"failed": True}
    assert [g[0]["name"] for g in groups] == ["a", "b", "b-check-success", "c", "c-check-success"]
    assert groups[2][0]["arguments"]["parameters"] == [
        {"name": "tags", "value": "{{steps.b.outputs.parameters.dflow_success_tag}}"},
        {"name": "min_success", "value": "3"},
    ]
    tagged = by_name(m)["echo-b"]
    assert tagged["script"]["source"] == (
        "(\necho {{inputs.parameters.msg}} > /tmp/out.txt\n)\ndflow_rc=$?\n"
        "if [ $dflow_rc -eq 0 ]; then mkdir -p /tmp/outputs && "
        "echo 1 > /tmp/outputs/success_tag; fi\n"
        "exit $dflow_rc\n"
    )
    assert {
        "name": "dflow_success_tag",
        "valueFrom": {"path": "/tmp/outputs/success_tag", "default": "0"},
    } in tagged["outputs"]["parameters"]
    assert by_name(m)["dflow-check-success"]["script"]["command"] == ["python3"]


def test_timeouts_template_and_step(render):
    t = echo_template()
    t.timeout = 30
    wf = Workflow("timeouts")
    wf.add(
        [Step("a", t, parameters={"msg": "x"}), Step("b", t, parameters={"msg": "x"}, timeout="2m")]
    )
    m = render(wf)
    assert by_name(m)["echo"]["timeout"] == "30s"
    assert by_name(m)["echo-t2m"]["timeout"] == "2m"
    assert t.timeout == 30 and t.name == "echo"


def test_key_and_memoization(render):
    t = echo_template()
    wf = Workflow("keys")
    wf.add(Step("a", t, parameters={"msg": "{{item}}"}, key="a-{{item}}", with_param=[1, 2]))
    wf.add(Step("b", t, parameters={"msg": "x"}))
    plain = render(wf)
    step = by_name(plain)["keys"]["steps"][0][0]
    assert {"name": "dflow_key", "value": "a-{{item}}"} in step["arguments"]["parameters"]
    assert {"name": "dflow_key", "value": ""} in by_name(plain)["echo"]["inputs"]["parameters"]
    assert "memoize" not in by_name(plain)["echo"]
    reused = render(wf, memoize_configmap="dflow-memo-x")
    assert by_name(reused)["echo"]["memoize"] == {
        "key": "{{inputs.parameters.dflow_key}}",
        "maxAge": "",
        "cache": {"configMap": {"name": "dflow-memo-x"}},
    }
    assert "dflow_key" not in t.inputs.parameters


def test_template_memoize_key_and_retry_and_progress(render):
    t = echo_template()
    t.memoize_key = "echo-{{inputs.parameters.msg}}"
    t.retry_strategy = {"limit": 2, "retryPolicy": "OnError"}
    t.init_progress = "0/10"
    wf = Workflow("memo")
    wf.add(Step("a", t, parameters={"msg": "x"}))
    body = by_name(render(wf))["echo"]
    assert body["memoize"]["key"] == "echo-{{inputs.parameters.msg}}"
    assert body["retryStrategy"] == {"limit": "2", "retryPolicy": "OnError"}
    assert body["metadata"]["annotations"]["workflows.argoproj.io/progress"] == "0/10"


def test_s3_artifact_argument_and_sub_path(render):
    t = echo_template()
    wf = Workflow("s3args")
    wf.add(Step("a", t, parameters={"msg": "x"}, artifacts={"data": S3Artifact("up/load.tgz")}))
    wf.add(
        Step(
            "b",
            t,
            parameters={"msg": "x"},
            artifacts={"data": S3Artifact("up/dir").sub_path("x/y.txt")},
        )
    )
    groups = by_name(render(wf))["s3args"]["steps"]
    assert groups[0][0]["arguments"]["artifacts"] == [
        {"name": "data", "s3": {"key": "up/load.tgz"}}
    ]
    assert groups[1][0]["arguments"]["artifacts"] == [
        {"name": "data", "s3": {"key": "up/dir/x/y.txt"}}
    ]


def test_optional_artifact_left_out_and_default_output(render):
    t = echo_template()
    t.outputs.parameters["out"].default = "nothing"
    wf = Workflow("optional")
    wf.add(Step("a", t, parameters={"msg": "x"}, artifacts={"data": None}))
    m = render(wf)
    assert "artifacts" not in m["spec"]["templates"][0]["steps"][0][0]["arguments"]
    assert by_name(m)["echo"]["inputs"]["artifacts"] == [
        {"name": "data", "path": "/tmp/data", "optional": True}
    ]
    assert by_name(m)["echo"]["outputs"]["parameters"][0]["valueFrom"]["default"] == "nothing"


def test_global_names(render):
    t = echo_template()
    t.outputs.parameters["out"].global_name = "final"
    t.outputs.artifacts["f"].global_name = "final-file"
    wf = Workflow("globals")
    wf.add(Step("a", t, parameters={"msg": "x"}))
    outs = by_name(render(wf))["echo"]["outputs"]
    assert outs["parameters"][0]["globalName"] == "final"
    assert outs["artifacts"][0]["globalName"] == "final-file"


def _state(t):
    """Everything about a template that rendering could change."""
    from dflow.render.templates import render_leaf

    plain = {k: v for k, v in vars(t).items() if k not in ("inputs", "outputs")}
    return json.dumps([render_leaf(t, "m"), plain], default=repr, sort_keys=True)


def test_rendering_does_not_mutate_and_templates_are_shared(render):
    t = echo_template()
    before = _state(t)
    first = Workflow("one")
    first.add(Step("a", t, parameters={"msg": "x"}, key="k", timeout=5, continue_on_failed=True))
    second = Workflow("two")
    second.add([Step("a", t, parameters={"msg": "y"}), Step("b", t, parameters={"msg": "z"})])
    m1, m2 = render(first), render(second)
    assert render(first) == m1  # rendering twice gives the same manifest
    assert _state(t) == before
    assert "dflow_key" not in json.dumps(by_name(m2)["echo"])
    assert by_name(m1)["echo-t5s"]["timeout"] == "5s"


def test_yaml_and_json_agree():
    import yaml

    wf = Workflow("formats")
    wf.add(Step("a", echo_template(), parameters={"msg": "x"}))
    assert yaml.safe_load(wf.to_yaml()) == json.loads(wf.to_json()) == wf.to_dict()


def test_workflow_metadata_and_parallelism(render):
    wf = Workflow("meta", annotations={"a": "1"}, labels={"team": "x"}, parallelism=3)
    wf.add(Step("a", echo_template(), parameters={"msg": "x"}))
    m = render(wf)
    assert m["metadata"]["annotations"] == {"a": "1"}
    assert m["metadata"]["labels"] == {"team": "x"}
    assert m["spec"]["parallelism"] == 3


@pytest.mark.parametrize("value", [[1, 2], (3, 4)])
def test_with_param_lists(value, render):
    wf = Workflow("lists")
    wf.add(Step("a", echo_template(), parameters={"msg": "{{item}}"}, with_param=value))
    assert json.loads(by_name(render(wf))["lists"]["steps"][0][0]["withParam"]) == list(value)


def test_a_workflows_own_steps_give_way_to_a_template_of_the_same_name(render):
    # GIVEN a workflow named like the template its step runs (an OP "Count" in workflow "count")
    wf = Workflow("echo")
    wf.add(Step("a", echo_template("echo"), parameters={"msg": "x"}))
    # WHEN rendered THEN the entry Steps it made itself is renamed, the template keeps its name
    m = render(wf)
    assert m["spec"]["entrypoint"] == "echo-main"
    assert [t["name"] for t in m["spec"]["templates"]] == ["echo-main", "echo"]
    assert wf.entrypoint.name == "echo"
    assert Workflow.from_dict(m).to_dict() == m


def test_a_keyed_step_that_calls_its_own_steps(render):
    t = echo_template()
    loop = Steps("loop", inputs=Inputs(parameters={"i": InputParameter()}))
    loop.add(Step("body", t, parameters={"msg": loop.inputs.parameters["i"]}))
    loop.add(
        Step(
            "again",
            loop,
            parameters={"i": "{{=asInt(inputs.parameters.i) + 1}}"},
            when="%s < 3" % loop.inputs.parameters["i"],
            key="it-{{inputs.parameters.i}}",
        )
    )
    wf = Workflow("keyed-loop")
    wf.add(Step("start", loop, parameters={"i": 0}))
    m = render(wf, memoize_configmap="memo")
    body = by_name(m)["loop"]
    assert {"name": "dflow_key", "value": ""} in body["inputs"]["parameters"]
    assert body["memoize"]["key"] == "{{inputs.parameters.dflow_key}}"
    assert Workflow.from_dict(render(wf)).to_dict() == render(wf)


def test_variant_names_stay_valid_for_any_step_name(render):
    wf = Workflow("upper")
    wf.add(
        Step(
            "Fan-Out",
            echo_template(),
            parameters={"msg": "{{item}}"},
            with_param=[1, 2],
            continue_on_num_success=1,
        )
    )
    assert "echo-fan-out" in by_name(render(wf))
