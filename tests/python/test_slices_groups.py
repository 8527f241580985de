"""Slices(group_size, pool_size): pods run groups of items; consumers see one entry per item."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any, Dict, List

import ops_groups
import pytest
from harness import run_template

from dflow import Step, Steps, Workflow, argo_range, argo_sequence, upload_artifact
from dflow.engines.local.expressions import evaluate
from dflow.errors import InvalidWorkflowError
from dflow.python import PythonOPTemplate, Slices
from dflow.python.grouping import joined


def _load_local_fixtures() -> Any:
    """The local engine tests' fixtures module, loaded under a name of its own."""
    path = Path(__file__).resolve().parents[1] / "engines" / "local" / "conftest.py"
    spec = importlib.util.spec_from_file_location("local_engine_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


local_root = _load_local_fixtures().local_root

XS = [1, 2, 3, 4, 5]  # five items: not a multiple of the group sizes used here


def _slices(**kw: Any) -> Slices:
    # every item writes out.txt: create_dir keeps them apart (each in its own <item>/)
    return Slices(input_parameter=["x"], output_parameter=["y", "pair"], output_artifact=["out"],
                  **{"create_dir": True, **kw})  # fmt: skip


def _workflow(name: str, slices: Slices, extra: Any = None, **loop: Any) -> Workflow:
    cube = Step(
        "cube",
        PythonOPTemplate(ops_groups.Cube),
        parameters={"x": XS, **(extra or {})},
        slices=slices,
        **(loop or {"with_param": argo_range(len(XS))}),
    )
    total = Step(
        "total",
        PythonOPTemplate(ops_groups.Total),
        parameters={"ys": cube.outputs.parameters["y"], "pairs": cube.outputs.parameters["pair"]},
        artifacts={"outs": cube.outputs.artifacts["out"]},
    )
    wf = Workflow(name, steps=Steps(name))
    wf.add(cube)
    wf.add(total)
    return wf


def _outputs(wf: Workflow, step: str) -> Dict[str, Any]:
    node = wf.query_step(name=f"^{step}$")[0]
    return {k: v.value for k, v in node.outputs.parameters.items()}  # typed values


# -- the options -------------------------------------------------------------------------------


def test_bad_sizes_and_combinations_are_clear_errors() -> None:
    with pytest.raises(InvalidWorkflowError, match="group_size must be a positive int"):
        Slices(group_size=0)
    with pytest.raises(InvalidWorkflowError, match="pool_size must be a positive int or -1"):
        Slices(group_size=2, pool_size=True)
    with pytest.raises(InvalidWorkflowError, match="OP Cube: Slices\\(group_size=2\\) needs"):
        PythonOPTemplate(ops_groups.Cube, slices=Slices("{{item.i}}", group_size=2))
    template = PythonOPTemplate(ops_groups.Cube)
    for kw, option in (({"timeout": 10}, "a step timeout"),):
        step = Step("c", template, parameters={"x": XS}, with_param=argo_range(5),
                    slices=_slices(group_size=2), **kw)  # fmt: skip
        with pytest.raises(InvalidWorkflowError, match=f"step 'c': OP Cube: .*{option}"):
            template.for_step(step)
    step = Step("c", template, parameters={"x": XS}, slices=_slices(group_size=2),
                with_sequence=argo_sequence(5, format="%02d"))  # fmt: skip
    with pytest.raises(InvalidWorkflowError, match="literal int count/start/end and no format"):
        template.for_step(step)


def test_the_join_reads_both_aggregation_shapes() -> None:
    # GIVEN the groups' lists as Argo aggregates them (strings) and as parsed JSON
    expr = joined("cube", "pair")
    as_text = json.dumps(["[[1,-1],[2,-2]]", "[[3,-3]]"])
    as_json = json.dumps([[[1, -1], [2, -2]], [[3, -3]]])
    for aggregated in (as_text, as_json):
        scope = {"steps.cube.outputs.parameters.pair": aggregated, "steps.cube.status": "Succeeded"}
        # THEN one list, one entry per item, nested lists kept whole
        assert json.loads(evaluate(expr, scope)) == [[1, -1], [2, -2], [3, -3]]
    # and with no groups (a fan-out over nothing is skipped, without outputs) the empty list
    assert json.loads(evaluate(expr, {"steps.cube.status": "Skipped"})) == []


# -- rendering ---------------------------------------------------------------------------------


def test_grouped_step_renders_a_wrapper_over_group_starts(render) -> None:
    manifest = render(_workflow("grouped", _slices(group_size=2, pool_size=2)))
    templates = {t["name"]: t for t in manifest["spec"]["templates"]}
    outer = templates["grouped"]["steps"][0][0]
    # THEN the step runs the wrapper once and hands it the item list
    assert "withParam" not in outer and outer["template"] == "cube-cube"
    args = {p["name"]: p["value"] for p in outer["arguments"]["parameters"]}
    assert args["dflow_items"] == "{{=toJson(sprig.untilStep(0, 5, 1))}}"
    assert "dflow_slice" not in args
    wrapper = templates["cube-cube"]
    inner = wrapper["steps"][0][0]
    assert inner["withParam"] == (
        "{{=toJson(sprig.untilStep(0, len(sprig.fromJson(inputs.parameters.dflow_items)), 2))}}"
    )
    inner_args = {p["name"]: p["value"] for p in inner["arguments"]["parameters"]}
    assert inner_args["dflow_group"] == "{{item}}"
    assert inner_args["x"] == "{{inputs.parameters.x}}"
    outs = {p["name"]: p["valueFrom"]["expression"] for p in wrapper["outputs"]["parameters"]}
    assert set(outs) == {"y", "pair", "pid"} and outs["y"] == joined("cube", "y")
    group = templates[inner["template"]]
    env = {e["name"]: e["value"] for e in group["script"]["env"]}
    assert env["DFLOW_GROUP"] == "{{inputs.parameters.dflow_group}}"
    assert "group_size=2, pool_size=2" in group["script"]["source"]
    out = next(a for a in group["outputs"]["artifacts"] if a["name"] == "out")
    assert out["archive"] == {"none": {}}
    assert out["s3"] == {"key": "{{inputs.parameters.dflow_stack_key}}/out"}
    # AND the stack key is the one of the user's step, passed down through the wrapper
    key = "{{workflow.name}}/dflow-stacked/{{=sprig.sha1sum(node.name)}}/cube"
    assert {"name": "dflow_stack_key", "value": key} in outer["arguments"]["parameters"]
    assert inner_args["dflow_stack_key"] == "{{inputs.parameters.dflow_stack_key}}"
    # AND the consumer reads the same references as without grouping
    total = templates["grouped"]["steps"][1][0]["arguments"]
    assert {"name": "outs", "s3": {"key": key + "/out"}} in total["artifacts"]
    assert {"name": "ys", "value": "{{steps.cube.outputs.parameters.y}}"} in total["parameters"]


# -- the runtime, one pod at a time --------------------------------------------------------------


def _run_group(tmp_path: Path, start: int, fail_on: int = -1, pool: Any = None) -> Any:
    template = PythonOPTemplate(ops_groups.Cube)
    step = Step("cube", template, parameters={"x": XS}, with_param=argo_range(5),
                slices=_slices(group_size=2, pool_size=pool))  # fmt: skip
    group = template.for_step(step).steps[0][0].template
    root = tmp_path / f"group{start}"
    params = {"x": XS, "fail_on": fail_on, "dflow_items": list(range(5)), "dflow_group": start}
    return root, run_template(group, root, params)


@pytest.mark.parametrize("pool", [1, 2])
def test_each_pod_runs_its_items_in_order_and_lays_them_out_per_item(
    tmp_path: Path, pool: Any
) -> None:
    merged = tmp_path / "merged"
    ys: List[int] = []
    for start in (4, 0, 2):  # groups finish in any order
        root, proc = _run_group(tmp_path, start, pool=pool)
        assert proc.returncode == 0, proc.stderr
        y = json.loads((root / "outputs" / "parameters" / "y").read_text())
        assert y == [x**3 for x in XS[start : start + 2]]
        ys += y
        shutil.copytree(root / "outputs" / "artifacts" / "out", merged, dirs_exist_ok=True)
    # THEN the merged prefix reads back as one list in item order, same names kept apart
    gather = tmp_path / "gather"
    shutil.copytree(merged, gather / "inputs" / "artifacts" / "outs")
    total = PythonOPTemplate(ops_groups.Total)
    proc = run_template(total, gather, {"ys": ys, "pairs": []})
    assert proc.returncode == 0, proc.stderr
    texts = json.loads((gather / "outputs" / "parameters" / "texts").read_text())
    assert texts == [f"cube {x} = {x**3}" for x in XS]


@pytest.mark.parametrize("fail_on, code", [(4, 2), (3, 1)])
def test_a_failing_item_fails_its_pod_and_writes_nothing(
    tmp_path: Path, fail_on: int, code: int
) -> None:
    root, proc = _run_group(tmp_path, 2, fail_on=fail_on, pool=2)
    assert proc.returncode == code
    assert f"item {fail_on} fails" in proc.stderr
    assert not (root / "outputs" / "parameters").exists()
    assert not (root / "outputs" / "artifacts").exists()


# -- end to end on the local engine --------------------------------------------------------------


def _expected() -> Dict[str, Any]:
    return {
        "total": sum(x**3 for x in XS),
        "texts": [f"cube {x} = {x**3}" for x in XS],
        "pairs": [[x, -x] for x in XS],
    }


@pytest.mark.parametrize("group_size, pool_size", [(2, 1), (3, 1), (5, 1)])
def test_grouped_fan_out_stacks_like_one_item_per_pod(
    local_root: Path, group_size: int, pool_size: Any
) -> None:
    # GIVEN five items in groups of `group_size`, each group run serially in its pod
    wf = _workflow("serial", _slices(group_size=group_size, pool_size=pool_size))
    # WHEN it runs
    wf.submit()
    assert wf.query_status() == "Succeeded"
    # THEN the parent step stacks every output per item, in item order
    cube = _outputs(wf, "cube")
    assert cube["y"] == [x**3 for x in XS] and cube["pair"] == [[x, -x] for x in XS]
    groups = -(-len(XS) // group_size)
    assert len(set(cube["pid"])) == groups  # one process per group
    assert _outputs(wf, "total") == _expected()
    assert len(wf.query_step(name="cube", type="Pod")) == groups


@pytest.mark.parametrize("pool_size", [2, -1])
def test_a_pool_runs_the_items_of_a_group_at_once(
    local_root: Path, tmp_path: Path, pool_size: int
) -> None:
    # GIVEN groups of three of five items (3 + 2); each item waits for a partner of its group
    # (the engine maps the folder into each pod's own directory: a group meets there)
    meet = tmp_path / "meet"
    wf = _workflow("pooled", _slices(group_size=3, pool_size=pool_size),
                   extra={"meet": str(meet), "per": 3})  # fmt: skip
    # WHEN it runs: this only finishes if a group's items really run in parallel
    wf.submit()
    assert wf.query_status() == "Succeeded"
    # THEN the outputs are what one item per pod gives, in item order
    cube = _outputs(wf, "cube")
    assert cube["y"] == [x**3 for x in XS]
    assert len(set(cube["pid"])) >= 4  # worker processes, not the pods' main processes
    assert _outputs(wf, "total") == _expected()


def test_ungrouped_and_pool_only_give_the_same_outputs(local_root: Path) -> None:
    # pool_size alone keeps one item per pod (as the original does): the pool has one item;
    # every item writes out.txt, so create_dir keeps them apart (as a group's pod always does)
    plain = _workflow("plain", _slices(create_dir=True))
    pooled = _workflow("poolonly", _slices(pool_size=4, create_dir=True))
    for wf in (plain, pooled):
        wf.submit()
        assert wf.query_status() == "Succeeded"
        assert _outputs(wf, "total") == _expected()
        assert len(wf.query_step(name="cube", type="Pod")) == len(XS)


def test_with_items_and_sequence_are_grouped_too(local_root: Path) -> None:
    for i, loop in enumerate(({"with_items": list(range(5))}, {"with_sequence": argo_sequence(5)})):
        wf = _workflow(f"loop{i}", _slices(group_size=2, pool_size=1), **loop)
        wf.submit()
        assert wf.query_status() == "Succeeded"
        assert _outputs(wf, "total") == _expected()


def test_a_failed_group_fails_the_step(local_root: Path) -> None:
    wf = _workflow("failing", _slices(group_size=2, pool_size=2), extra={"fail_on": 4})
    wf.submit()
    assert wf.query_status() == "Failed"
    failed = [s for s in wf.query_step(phase="Failed") if s.type == "Pod"]
    assert len(failed) == 1 and "(1:2)" in failed[0].name


def test_artifacts_of_a_grouped_step_are_inputs_like_any_list(
    local_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a grouped step that slices an input artifact too
    monkeypatch.chdir(tmp_path)
    for x in XS:
        Path(f"in{x}.txt").write_text(f"in{x}")
    files = upload_artifact([f"in{x}.txt" for x in XS])
    import ops_sample

    sq = Step(
        "sq",
        PythonOPTemplate(ops_sample.Square),
        parameters={"x": XS, "tag": "g"},
        artifacts={"src": files},
        with_param=argo_range(5),
        slices=Slices(
            input_parameter=["x"],
            input_artifact=["src"],
            output_parameter=["y"],
            output_artifact=["out"],
            group_size=2,
            pool_size=2,
        ),  # fmt: skip
    )
    gather = Step("gather", PythonOPTemplate(ops_sample.Gather),
                  artifacts={"outs": sq.outputs.artifacts["out"]})  # fmt: skip
    wf = Workflow("artin", steps=Steps("artin"))
    wf.add(sq)
    wf.add(gather)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert _outputs(wf, "sq")["y"] == [x * x for x in XS]
    assert _outputs(wf, "gather")["texts"] == [f"g:in{x}:{x * x}" for x in XS]


@pytest.mark.parametrize("short", [False, True])
def test_without_a_pool_the_op_takes_its_group_as_lists(local_root: Path, short: bool) -> None:
    # GIVEN an OP signed for lists, grouped without a pool (the original runs it once per group)
    cubes = Step(
        "cubes",
        PythonOPTemplate(ops_groups.Cubes),
        parameters={"x": XS, "short": short},
        with_param=argo_range(len(XS)),
        slices=Slices(input_parameter=["x"], output_parameter=["y"], group_size=2),
    )
    wf = Workflow("lists", steps=Steps("lists"))
    wf.add(cubes)
    wf.submit()
    if not short:  # THEN the step's output is one value per item, in item order
        assert wf.query_status() == "Succeeded"
        assert _outputs(wf, "cubes")["y"] == [x**3 for x in XS]
        return
    # a list of the wrong length is an error naming the OP and the output
    assert wf.query_status() == "Failed"
    pod = [s for s in wf.query_step(phase="Failed") if s.type == "Pod"][0]
    assert "exit code 2" in pod.message
