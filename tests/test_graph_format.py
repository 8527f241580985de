"""The graph format (``Workflow.to_graph`` / ``from_graph``): every example round-trips to the
same manifest, ours has the reference's shape, and the reference's graphs read into ours."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any, Dict, Set

import pytest
from argo_schema import validate_manifest
from test_code_gen import _rich_workflow

from dflow import (
    DAG,
    HookStep,
    InputParameter,
    Inputs,
    InvalidWorkflowError,
    ShellOPTemplate,
    Step,
    Steps,
    Task,
    Workflow,
)
from dflow.code_gen import gen_code
from dflow.python import OP, OPIOSign, PythonOPTemplate
from dflow.python.signs import BigParameter, Parameter

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
REFERENCE = ROOT / "tests" / "data" / "graph_1.8.134"


def _example(path: Path) -> Workflow:
    spec = importlib.util.spec_from_file_location(f"graph_example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.build()


def _round_trip(wf: Workflow) -> None:
    manifest = wf.to_dict()
    graph = json.loads(wf.to_graph_json())  # plain JSON all through
    rebuilt = Workflow.from_graph(graph).to_dict()
    validate_manifest(rebuilt)
    assert rebuilt == manifest


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_round_trips_through_its_graph(path: Path) -> None:
    _round_trip(_example(path))


def test_yaml_form_reads_back_the_same():
    wf = _example(ROOT / "examples" / "dag.py")
    again = Workflow.from_graph_yaml(wf.to_graph_yaml())
    assert again.to_dict() == wf.to_dict()


def test_a_rich_workflow_round_trips():
    # keys, loops of every kind, conditions, S3 inputs, a DAG's outputs, recursion, on_exit,
    # resources, PVCs, descriptions
    _round_trip(_rich_workflow())


class Big(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"b": BigParameter(dict), "p": Parameter(int, default=2)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"o": BigParameter(dict)})

    def execute(self, op_in):
        return {"o": op_in["b"]}


def _echo() -> ShellOPTemplate:
    return ShellOPTemplate(
        name="echo",
        image="alpine:3",
        script="echo {{inputs.parameters.x}}",
        inputs=Inputs(parameters={"x": InputParameter()}),
    )


def test_hooks_big_parameters_and_dependencies_round_trip():
    t, hook = _echo(), ShellOPTemplate(name="hook", image="alpine:3", script="echo hook")
    wf = Workflow("more")
    wf.add(
        Step(
            "a",
            t,
            parameters={"x": 1},
            success_hook=HookStep(hook),
            failure_hook=HookStep(hook, expression="steps.a.status == 'Failed'"),
            timeout=30,
        )
    )
    big1 = Step("big1", PythonOPTemplate(Big, image="python:3.11"), parameters={"b": {"k": 1}})
    wf.add(big1)
    big2 = PythonOPTemplate(Big, image="python:3.11", output_parameter_default={"o": {}})
    wf.add(Step("big2", big2, parameters={"b": big1.outputs.parameters["o"]}))
    dag = DAG("d")
    ta = Task("ta", t, parameters={"x": 1})
    tb = Task("tb", t, parameters={"x": ta.outputs.parameters.get("x", "2")})
    tc = Task("tc", t, parameters={"x": 3}, dependencies=[ta, "tb", "tb.Failed || tb.Succeeded"])
    dag.add([ta, tb, tc])
    wf.add(Step("sub", dag))
    _round_trip(wf)
    tasks = wf.to_graph()["templates"]["d"]["tasks"]
    assert tasks[2]["dependencies"] == ["ta.Succeeded", "(tb)", "tb.Failed || tb.Succeeded"]


def _keys(ours: Any, theirs: Any, where: str, out: Set[str]) -> None:
    """Paths where the two graphs' dicts have different key sets (entries keyed by name and the
    fields of ours given only when set are left out)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        by_name = where.endswith(("parameters", "artifacts", "inputs", "outputs"))
        if not by_name and set(ours) != set(theirs):
            out.add(f"{where}: ours {sorted(set(ours) - set(theirs))} "
                    f"theirs {sorted(set(theirs) - set(ours))}")  # fmt: skip
        for k in set(ours) & set(theirs):
            _keys(ours[k], theirs[k], f"{where}.{k}", out)
    elif isinstance(ours, list) and isinstance(theirs, list):
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _keys(a, b, f"{where}[{i}]", out)


def _by_role(graph: Dict[str, Any]) -> Dict[str, Any]:
    """Templates keyed by what they are: the entrypoint, a Python OP by its class, else by name
    (the reference names the entrypoint and Python templates differently)."""
    out = {}
    for name, t in graph["templates"].items():
        if name == graph["entrypoint"]:
            out["<entry>"] = t
        elif t["type"] == "PythonOPTemplate":
            out[t["op"]["name"]] = t
        else:
            out[name] = t
    return out


@pytest.mark.parametrize("ref", sorted(REFERENCE.glob("*.json")), ids=lambda p: p.stem)
def test_our_graph_has_the_reference_shape(ref: Path) -> None:
    # GIVEN the reference's graph of an example (checked against 1.8.134: written by
    # scripts/reference_graphs.py) and ours of the same example
    theirs = json.loads(ref.read_text())
    ours = json.loads(_example(ROOT / "examples" / f"{ref.stem}.py").to_graph_json())
    # THEN the same templates hold the same fields, down to each step and input/output
    assert set(ours) == set(theirs)
    ours_t, theirs_t = _by_role(ours), _by_role(theirs)
    assert set(ours_t) == set(theirs_t)
    diffs: Set[str] = set()
    _keys(ours_t, theirs_t, "templates", diffs)
    assert not diffs


@pytest.mark.parametrize("ref", sorted(REFERENCE.glob("*.json")), ids=lambda p: p.stem)
def test_reference_graph_reads_into_a_valid_manifest(ref: Path) -> None:
    graph = json.loads(ref.read_text())
    manifest = Workflow.from_graph(graph).to_dict()
    validate_manifest(manifest)
    # the templates keep the names the graph gives them (a sliced step runs a variant)
    names = {t["name"] for t in manifest["spec"]["templates"]}
    for name in graph["templates"]:
        assert any(n == name or n.startswith(f"{name}-") for n in names), name
    assert graph["entrypoint"] == manifest["spec"]["entrypoint"]
    # and the code generator reads the graph as it reads the manifest
    code = gen_code(graph, submit=False)
    namespace: Dict[str, Any] = {"__name__": "__generated__"}
    exec(compile(code, "<generated>", "exec"), namespace)
    assert namespace["wf"].to_dict() == manifest


def test_get_graph_templates_lists_what_a_template_runs():
    t = _echo()
    inner = Steps("inner", steps=[Step("e", t, parameters={"x": 1})])
    outer = Steps("outer", steps=[Step("i", inner)])
    wf = Workflow("w", steps=outer)
    found = wf.get_graph_templates(outer)
    assert list(found) == ["outer", "inner", "echo"]
    assert found["inner"]["steps"][0][0]["template"] == "echo"
    more = wf.get_graph_templates(t, {"x": {}})
    assert sorted(more) == ["echo", "x"]


def test_bad_graphs_name_what_is_wrong():
    graph = Workflow("w", steps=Steps("w", steps=[Step("e", _echo(), parameters={"x": 1})]))
    good = graph.to_graph()
    with pytest.raises(InvalidWorkflowError, match="from_dict"):
        Workflow.from_graph(graph.to_dict())
    bad = json.loads(json.dumps(good))
    bad["templates"]["echo"]["type"] = "HTTPTemplate"
    with pytest.raises(InvalidWorkflowError, match="'echo'.*HTTPTemplate"):
        Workflow.from_graph(bad)
    bad = json.loads(json.dumps(good))
    del bad["templates"]["echo"]
    with pytest.raises(InvalidWorkflowError, match=r"\['w'\]"):
        Workflow.from_graph(bad)
    bad = json.loads(json.dumps(good))
    bad["templates"]["w"]["steps"][0][0]["colour"] = "red"
    with pytest.raises(InvalidWorkflowError, match="step 'e'.*colour"):
        Workflow.from_graph(bad)
    bad = json.loads(json.dumps(good))
    bad["entrypoint"] = "nope"
    with pytest.raises(InvalidWorkflowError, match="entrypoint 'nope'"):
        Workflow.from_graph(bad)


def test_reference_graph_with_keys_sequences_and_stored_artifacts():
    # GIVEN the reference's graph (checked against 1.8.134; its S3Artifacts' copies of the
    # storage settings left out) of: a step over argo_sequence(count=3, format="%02d") with
    # key "s-{{item}}", continue_on_failed and an S3Artifact("in/a.txt") input, whose template
    # saves output "o" to S3Artifact("saved/o") unarchived, and a step reading "o" when "y" > 0
    graph = json.loads(
        (ROOT / "tests" / "data" / "graph_keys_and_sequences_1.8.134.json").read_text()
    )
    manifest = Workflow.from_graph(graph).to_dict()
    validate_manifest(manifest)
    # THEN the manifest has what the reference's manifest of that workflow has
    entry = [t for t in manifest["spec"]["templates"] if t["name"] == "more-steps"][0]
    first, second = entry["steps"][0][0], entry["steps"][1][0]
    assert first["withSequence"] == {"count": "3", "format": "%02d"}
    assert first["continueOn"] == {"failed": True}
    assert {"name": "dflow_key", "value": "s-{{item}}"} in first["arguments"]["parameters"]
    assert first["arguments"]["artifacts"] == [{"name": "a", "s3": {"key": "in/a.txt"}}]
    assert second["when"] == "{{steps.s.outputs.parameters.y}} > 0"
    assert second["arguments"]["artifacts"] == [
        {"name": "a", "from": "{{steps.s.outputs.artifacts.o}}"}
    ]
    template = [t for t in manifest["spec"]["templates"] if t["name"] == "t"][0]
    saved = template["outputs"]["artifacts"][0]
    assert (saved["s3"], saved["archive"]) == ({"key": "saved/o"}, {"none": {}})
    assert template["outputs"]["parameters"][0]["globalName"] == "gy"
    assert template["inputs"]["parameters"][0]["description"] == '{"type": "int"}'
    assert manifest["spec"]["arguments"] == {"parameters": [{"name": "p", "value": "1"}]}
    assert manifest["metadata"]["labels"] == {"a": "b"}


def test_reference_graph_with_an_executor_builds_ours_from_its_arguments():
    # GIVEN the reference's graph (checked against 1.8.134) of a step run by
    # DispatcherExecutor(host="1.2.3.4", queue_name="q", remote_root="/r", username="u"): the
    # executor pickled with its arguments and the machine/resources/task dicts it derived
    graph = json.loads(
        (ROOT / "tests" / "data" / "graph_dispatcher_executor_1.8.134.json").read_text()
    )
    wf = Workflow.from_graph(graph)
    # THEN ours is made by its constructor from those arguments, and renders the step with them
    from dflow.plugins.dispatcher import DispatcherExecutor

    executor = wf.entrypoint.steps[0][0].executor
    assert isinstance(executor, DispatcherExecutor)
    manifest = wf.to_dict()
    validate_manifest(manifest)
    spec = [
        json.loads(e["value"])
        for t in manifest["spec"]["templates"]
        for e in t.get("script", {}).get("env", [])
        if e["name"] == "DFLOW_DISPATCHER_SPEC"
    ][0]
    assert spec["machine"]["batch_type"] == "Slurm"
    assert spec["machine"]["remote_profile"]["hostname"] == "1.2.3.4"
    assert spec["machine"]["remote_profile"]["username"] == "u"
    assert spec["machine"]["remote_root"] == "/r"
