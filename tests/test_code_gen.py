"""gen_code: manifest -> Python source -> exec -> the same manifest, for every example and more."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any, Dict

import pytest
from argo_schema import validate_manifest

import dflow
from dflow import (
    DAG,
    PVC,
    InputArtifact,
    InputParameter,
    Inputs,
    InvalidWorkflowError,
    OutputArtifact,
    OutputParameter,
    Outputs,
    S3Artifact,
    ShellOPTemplate,
    Step,
    Steps,
    Task,
    Workflow,
    argo_range,
    argo_sequence,
)
from dflow.code_gen import CodeGenerator, evalable_repr, gen_code

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def _example(path: Path) -> Workflow:
    # loaded as ``python examples/NAME.py`` would be; kept in sys.modules, where the source of
    # its OPs is found when the workflow renders
    spec = importlib.util.spec_from_file_location(f"codegen_example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.build()


def _run(code: str) -> Workflow:
    """Execute generated source in a fresh namespace, as ``python file.py`` would."""
    namespace: Dict[str, Any] = {"__name__": "__generated__"}
    exec(compile(code, "<generated>", "exec"), namespace)
    return namespace["wf"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_round_trips_through_source(path: Path) -> None:
    # GIVEN the manifest of an example WHEN its generated source is run THEN it renders the same
    manifest = _example(path).to_dict()
    code = gen_code(manifest, submit=False)
    assert "wf.submit()" not in code
    rebuilt = _run(code).to_dict()
    validate_manifest(rebuilt)
    assert rebuilt == manifest


def _echo(name: str) -> ShellOPTemplate:
    return ShellOPTemplate(
        name=name,
        image="alpine:3",
        script="echo {{inputs.parameters.msg}} > /tmp/out.txt",
        inputs=Inputs(
            parameters={"msg": InputParameter(value="hi", description="what to say")},
            artifacts={"data": InputArtifact(path="/tmp/data", optional=True)},
        ),
        outputs=Outputs(
            parameters={"out": OutputParameter(value_from_path="/tmp/out.txt", global_name="g")},
            artifacts={"f": OutputArtifact(path="/tmp/out.txt", archive=None)},
        ),
        cpu_requests="1",
        memory_limits="1Gi",
        envs={"MODE": "fast"},
        pvcs=[PVC("scratch", "run1", "5Gi")],
        timeout=30,
        retry_strategy={"limit": "2"},
    )


def _rich_workflow() -> Workflow:
    # template names that are Python keywords, builtins, the workflow's variable, or start with
    # a digit must still get usable variable names
    wf = Workflow(
        "rich",
        labels={"team": "a"},
        annotations={"note": "x"},
        parallelism=2,
        parameters={"size": 3, "mode": "fast"},
        on_exit=ShellOPTemplate(name="bye", image="alpine:3", script="echo {{workflow.status}}"),
    )
    first = Step("a", _echo("class"), parameters={"msg": "x"}, key="a-{{workflow.name}}")
    wf.add(first)
    wf.add(
        [
            Step("b", _echo("list"), parameters={"msg": "{{item}}"}, with_param=argo_range(3)),
            Step(
                "c",
                _echo("wf"),
                parameters={"msg": "{{item}}"},
                with_sequence=argo_sequence(2),
                when=first.outputs.parameters["out"] == "x",
                continue_on_failed=True,
            ),
            Step(
                "d",
                _echo("1st"),
                parameters={"msg": first.outputs.parameters["out"]},
                with_items=[1, 2],
                artifacts={"data": S3Artifact("inputs/data.tgz")},
            ),
        ]
    )
    dag = DAG("graph")
    t1 = Task("t1", _echo("class"), parameters={"msg": "1"})
    t2 = Task("t2", _echo("class"), parameters={"msg": t1.outputs.parameters["out"]})
    dag.add([t1, t2])
    last = OutputParameter(value_from_parameter=t2.outputs.parameters["out"])
    dag.outputs.parameters["last"] = last
    wf.add(Step("sub", dag))
    loop = Steps("loop", inputs=Inputs(parameters={"n": InputParameter()}))
    loop.add(Step("again", loop, parameters={"n": "{{inputs.parameters.n}}"}, when="1 == 0"))
    wf.add(Step("recurse", loop, parameters={"n": 3}))
    return wf


def test_a_rich_workflow_round_trips_and_names_are_python():
    manifest = _rich_workflow().to_dict()
    code = gen_code(manifest, submit=False)
    assert _run(code).to_dict() == manifest
    assert "class_ = ShellOPTemplate(" in code or "class_2 = ShellOPTemplate(" in code
    assert "_1st = ShellOPTemplate(" in code
    assert "\nwf = Workflow(" in code and "\nwf_2 = ShellOPTemplate(" in code
    assert "loop.add([step_again])" in code  # a Steps that calls itself is bound before its steps
    assert "    parameters={'size': '3', 'mode': 'fast'},\n    on_exit=bye,\n" in code
    long = [line for line in code.splitlines() if len(line) > 99]
    assert all(line.strip().startswith(("'", '"')) for line in long), long  # long strings only
    assert Workflow.from_dict(manifest).to_dict() == manifest


def test_the_source_is_a_readable_script():
    # checked against the original 1.8.134: its source starts with the imports from dflow, binds
    # each template to a variable, adds ``step_<name>`` variables to the Steps and ends with
    # ``wf.submit()``
    code = gen_code(_example(ROOT / "examples" / "steps.py").to_dict())
    lines = code.splitlines()
    assert lines[0] == "from dflow import (" and "    Workflow," in lines
    assert lines[-1] == "wf.submit()"
    assert "step_hello_world = Step('hello-world', hello, parameters={'who': 'world'})" in lines
    assert "steps.add([step_shout_1, step_shout_2])" in lines
    # an output of an earlier step is written as a reference to it, as the original writes it
    assert "    parameters={'length': step_hello_world.outputs.parameters['length']}," in lines
    assert "    artifacts={'greeting': step_hello_world.outputs.artifacts['greeting']}," in lines
    # defaults are left out, long calls are broken over lines
    assert "labels=None" not in code and "envs={}" not in code
    assert max(len(line) for line in lines) <= 99
    assert "        'mkdir -p /tmp/outputs\\n'" in lines  # a script is written line by line


def test_graph_can_be_a_workflow_its_yaml_or_json_or_a_served_workflow():
    wf = _example(ROOT / "examples" / "dag.py")
    manifest = wf.to_dict()
    expected = gen_code(manifest)
    assert gen_code(wf) == expected
    assert gen_code(wf.to_yaml()) == expected
    assert gen_code(json.dumps(manifest)) == expected
    assert CodeGenerator(manifest).generate() == expected
    # what a server answers: a name instead of generateName, status and uid added
    served = json.loads(json.dumps(manifest))
    served["metadata"].update(name="dag-x1y2z", uid="u-1", namespace="argo")
    served["status"] = {"phase": "Succeeded", "nodes": {}}
    rebuilt = _run(gen_code(served, submit=False)).to_dict()
    assert rebuilt["spec"] == manifest["spec"]


def test_bad_graphs_are_refused_by_name():
    with pytest.raises(InvalidWorkflowError, match="not a int"):
        gen_code(3)
    # a graph (templates keyed by name) is read as Workflow.from_graph reads it
    with pytest.raises(InvalidWorkflowError, match="template 'main': unknown template type"):
        gen_code({"name": "wf", "entrypoint": "main", "templates": {"main": {}}})
    with pytest.raises(InvalidWorkflowError, match="no 'entrypoint'"):
        gen_code({"name": "wf", "templates": {"main": {}}})
    manifest = _rich_workflow().to_dict()
    manifest["spec"]["templates"][1]["hostAliases"] = []
    with pytest.raises(InvalidWorkflowError, match="field 'hostAliases' is not supported"):
        gen_code(manifest)


def test_gen_code_is_a_top_level_name_loaded_on_first_use():
    assert "gen_code" in dflow.__all__
    assert dflow.gen_code is gen_code


def test_evalable_repr_gives_source_that_evaluates_back():
    import jsonpickle

    imports: set = set()
    for value in ({"a": [1, (2,)], "b": None}, S3Artifact("k/x.tgz"), Path("/tmp/a"), 1.5, int):
        text = evalable_repr(value, imports)
        assert eval(text, {"S3Artifact": S3Artifact, "jsonpickle": jsonpickle}) == value
    assert imports == {("dflow", "S3Artifact"), (None, "jsonpickle")}


def test_generated_script_runs_the_workflow(tmp_path: Path):
    # the whole script, wf.submit() included, runs on the local engine
    from dflow.config import config, s3_config
    from dflow.storage import LocalClient

    code = gen_code(_example(ROOT / "examples" / "steps.py").to_dict())
    saved = dict(config), dict(s3_config)
    config.update(mode="debug", debug_workdir=str(tmp_path / "engine"), detach=False)
    s3_config["storage_client"] = LocalClient(str(tmp_path / "engine" / "artifacts"))
    try:
        wf = _run(code)
        assert wf.wait(interval=0.1) == "Succeeded"
        assert wf.query_step(name="shout-1")[0].phase == "Succeeded"
    finally:
        config.clear()
        config.update(saved[0])
        s3_config.clear()
        s3_config.update(saved[1])


def test_code_generator_writes_templates_under_chosen_names_then_the_rest():
    # checked against the original 1.8.134: CodeGenerator(graph) has generate(), get_var_name
    # ("wf-steps" -> "wf_steps"), get_kwargs(template, cls) and render_* methods that write one
    # template into its ``code``, remembering its variable in ``templates``
    manifest = _example(ROOT / "examples" / "steps.py").to_dict()
    bodies = {t["name"]: t for t in manifest["spec"]["templates"]}
    gen = CodeGenerator(manifest, submit=False)
    assert gen.get_var_name("wf-steps") == "wf_steps" and gen.get_var_name("class") == "class_"
    gen.render_script_op_template("loud", bodies["shout"])
    assert gen.templates == {"shout": "loud"} and gen.code.startswith("loud = ShellOPTemplate(")
    assert ("dflow", "ShellOPTemplate") in gen.imports
    with pytest.raises(InvalidWorkflowError, match="template 'hello' has no steps"):
        gen.render_steps("x", bodies["hello"])
    gen.render_steps("main", bodies["steps"])
    assert gen.templates == {"shout": "loud", "steps": "main", "hello": "hello"}
    code = gen.generate()
    assert "step_shout_1 = Step(\n    'shout-1',\n    loud," in code
    assert "wf = Workflow(name='steps', steps=main)" in code
    assert _run(code).to_dict() == manifest


def test_get_kwargs_gives_the_constructor_arguments_as_source():
    manifest = _example(ROOT / "examples" / "steps.py").to_dict()
    hello = next(t for t in manifest["spec"]["templates"] if t["name"] == "hello")
    kwargs = CodeGenerator(manifest).get_kwargs(hello, ShellOPTemplate)
    assert kwargs["image"] == "'alpine:3'" and kwargs["command"] == "['sh']"
    assert kwargs["inputs"] == "Inputs(parameters={'who': InputParameter()})"
    assert "name" not in kwargs  # given positionally
    assert set(CodeGenerator(manifest).get_kwargs(hello, Steps)) <= {
        "inputs", "outputs", "memoize_key", "annotations", "parallelism", "labels", "timeout",
        "retry_strategy", "node_selector", "tolerations", "affinity", "init_progress", "volumes",
        "pvcs",
    }  # fmt: skip


def test_an_output_of_an_earlier_task_is_a_reference_to_it():
    manifest = _example(ROOT / "examples" / "dag.py").to_dict()
    code = gen_code(manifest, submit=False)
    assert "task_top.outputs.parameters['sum']" in code
    assert "{{tasks." not in code.split("diamond = DAG(")[1]  # the tasks' arguments are refs
    assert _run(code).to_dict() == manifest
