"""Slices: each fan-out item runs the real runtime on its slice; outputs stack in item order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import ops_sample
import pytest
from harness import run_template

from dflow import Step, Steps, Workflow, argo_range
from dflow.errors import InvalidWorkflowError
from dflow.python import PythonOPTemplate, Slices
from dflow.storage.catalog import write_catalog

SLICES = Slices(
    input_parameter=["x"], input_artifact=["src"], output_artifact=["out"], output_parameter=["y"]
)


def _sliced_step() -> Step:
    template = PythonOPTemplate(ops_sample.Square, slices=SLICES)
    return Step(
        "sq",
        template,
        parameters={"x": [3, 4, 5], "tag": "t"},
        artifacts={"src": "srckey"},
        with_param=argo_range(3),
    )


def _sliced_template() -> PythonOPTemplate:
    step = _sliced_step()
    return step.template.for_step(step)


def test_each_item_gets_its_slice_and_the_artifacts_stack(tmp_path: Path) -> None:
    # GIVEN the sliced variant of a template and a list artifact of three source files
    variant = _sliced_template()
    assert variant.step_arguments(_sliced_step()) == {
        "dflow_slice": "{{item}}",
        # where this run of the step stacks: a digest of the Steps/DAG node running it
        "dflow_stack_key": "{{workflow.name}}/dflow-stacked/{{=sprig.sha1sum(node.name)}}/sq",
    }
    stacked = tmp_path / "stacked"  # what the shared key prefix holds after every item saved
    for item in (2, 0, 1):  # items finish in any order
        root = tmp_path / f"item{item}"
        src = root / "inputs" / "artifacts" / "src"
        src.mkdir(parents=True)
        for i in range(3):
            (src / f"s{i}.txt").write_text(f"src{i}")
        write_catalog(str(src), ["s0.txt", "s1.txt", "s2.txt"])
        # WHEN item `item` runs (Argo passes dflow_slice = {{item}})
        proc = run_template(variant, root, {"x": [3, 4, 5], "tag": "t", "dflow_slice": item})
        assert proc.returncode == 0, proc.stderr
        y = json.loads((root / "outputs" / "parameters" / "y").read_text())
        assert y == [9, 16, 25][item]
        # archive none + shared key: every item's directory merges under one prefix
        shutil.copytree(root / "outputs" / "artifacts" / "out", stacked, dirs_exist_ok=True)
    # THEN the next OP reads one list, in item order, every item's file kept apart
    gather = tmp_path / "gather"
    shutil.copytree(stacked, gather / "inputs" / "artifacts" / "outs")
    proc = run_template(PythonOPTemplate(ops_sample.Gather), gather)
    assert proc.returncode == 0, proc.stderr
    texts = json.loads((gather / "outputs" / "parameters" / "texts").read_text())
    assert texts == ["t:src0:9", "t:src1:16", "t:src2:25"]


def test_slice_out_of_range_is_fatal(tmp_path: Path) -> None:
    variant = _sliced_template()
    root = tmp_path / "root"
    src = root / "inputs" / "artifacts" / "src"
    src.mkdir(parents=True)
    (src / "a").write_text("a")
    write_catalog(str(src), ["a"])
    proc = run_template(variant, root, {"x": [1, 2], "tag": "t", "dflow_slice": 7})
    assert proc.returncode == 2
    assert "slice 7 is out of range" in proc.stderr


def test_sliced_workflow_renders_valid(render) -> None:
    # GIVEN a producer fanned out with slices and a consumer of its stacked outputs
    template = PythonOPTemplate(ops_sample.Square)
    sq = Step(
        "sq",
        template,
        parameters={"x": [1, 2], "tag": "t"},
        artifacts={"src": "srckey"},
        with_param=argo_range(2),
        slices=SLICES,
    )
    gather = Step(
        "gather",
        PythonOPTemplate(ops_sample.Gather),
        artifacts={"outs": sq.outputs.artifacts["out"]},
    )
    wf = Workflow("sliced", steps=Steps("sliced"))
    wf.add(sq)
    wf.add(gather)
    # WHEN it is rendered (the fixture validates against Argo's schema)
    manifest = render(wf)
    templates = {t["name"]: t for t in manifest["spec"]["templates"]}
    steps = templates["sliced"]["steps"]
    # THEN the step passes its slice and its stack key, the variant saves under that key
    args = {p["name"]: p["value"] for p in steps[0][0]["arguments"]["parameters"]}
    assert args["dflow_slice"] == "{{item}}" and args["x"] == "[1, 2]"
    key = "{{workflow.name}}/dflow-stacked/{{=sprig.sha1sum(node.name)}}/sq"
    assert args["dflow_stack_key"] == key
    variant = templates[steps[0][0]["template"]]
    assert variant["name"] == "square-sq"
    env = {e["name"]: e["value"] for e in variant["script"]["env"]}
    assert env["DFLOW_SLICE"] == "{{inputs.parameters.dflow_slice}}"
    out = next(a for a in variant["outputs"]["artifacts"] if a["name"] == "out")
    assert out["archive"] == {"none": {}}
    assert out["s3"] == {"key": "{{inputs.parameters.dflow_stack_key}}/out"}
    assert "sliced=['x', 'src']" in variant["script"]["source"]
    # the next group writes the stack empty when the fan-out had no items
    (init,) = steps[1]
    assert init["name"] == "sq-init-artifact" and init["when"] == "{{steps.sq.status}} == Skipped"
    assert init["arguments"]["parameters"] == [{"name": "dflow_stack_key", "value": key}]
    assert steps[2][0]["arguments"]["artifacts"] == [{"name": "outs", "s3": {"key": key + "/out"}}]


def test_slices_name_checks() -> None:
    with pytest.raises(
        InvalidWorkflowError, match="OP Square: Slices.input_parameter names 'nope'"
    ):
        PythonOPTemplate(ops_sample.Square, slices=Slices(input_parameter=["nope"]))
    with pytest.raises(InvalidWorkflowError, match="'src', which is not a parameter"):
        PythonOPTemplate(ops_sample.Square, slices=Slices(input_parameter=["src"]))
    template = PythonOPTemplate(ops_sample.Square, slices=Slices(input_parameter=["x"]))
    with pytest.raises(
        InvalidWorkflowError, match="sliced input parameter 'x' of OP Square must be a list"
    ):
        template.for_step(
            Step(
                "s",
                template,
                parameters={"x": 3, "tag": "t"},
                artifacts={"src": "k"},
                with_param=argo_range(2),
            )
        )
    # with no loop of its own, the step fans out over the sliced parameter's entries (checked
    # against 1.8.134: with_param is argo_range(len(value)), or of argo_len(reference))
    step = Step("s", template, parameters={"x": [3, 4], "tag": "t"}, artifacts={"src": "k"})
    assert step.with_param.expr == argo_range(2).expr
    with pytest.raises(InvalidWorkflowError, match="Slices need a fan-out"):
        template.for_step(Step("s", template, parameters={"tag": "t"}, artifacts={"src": "k"}))
    with pytest.raises(InvalidWorkflowError, match="group_size must be a positive int"):
        Slices(input_parameter=["x"], group_size=0)
