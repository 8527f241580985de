"""Dict forms of single objects, as dflow 1.x gives them (checked against pydflow 1.8.134).

On the original, for the objects built below:
- ``Parameter(int, default=3).to_dict()`` is ``{'type': 'int', 'global_name': None, 'default': 3}``,
  ``BigParameter(dict).to_dict()`` is ``{'type': 'dict'}`` and
  ``Artifact(List[Path], optional=True).to_dict()`` is ``{'type': 'typing.List', 'archive': 'tar',
  'save': None, 'optional': True, 'global_name': None, 'sub_path': True}``;
  ``Artifact.from_dict({"type": "typing.List"}).type`` is ``List[Path]``.
- ``S3Artifact(key="a/b", urn="u").evalable_repr(imports)`` is ``S3Artifact(key='a/b', urn='u')``,
  ``Slices(input_parameter=["x"], output_artifact=["o"], group_size=2)`` gives
  ``Slices(input_parameter=['x'], output_artifact=['o'], group_size=2)``,
  ``Slices(sub_path=True, input_artifact=["a"])`` gives ``Slices(input_artifact=['a'],
  sub_path=True)`` and ``argo_sequence(count=3, format="%02d")`` gives
  ``argo_sequence(count=3, format='%02d')``, each adding its import to ``imports``.
- ``InputParameter.from_dict({"name": "x", "value": "1", "description": '{"type": "int"}'})``
  has name ``x``, value ``1``, type ``int``; ``OutputArtifact.from_dict`` of ``archive: {none: {}}``
  has archive None.
- ``Add.get_opio_info(Add.get_input_sign())`` is ``{'a': 'int', 'b': Parameter(type=int,
  default=1), 'f': Artifact(type=pathlib.Path, optional=False, sub_path=True)}``; ``get_info()``
  gives those as text under ``inputs``, ``name`` ``<module>.Add`` and the source of ``execute``.
- ``inputs.convert_to_graph()`` of the template below is ``{'parameters': {'x': {'name': 'x',
  'type': 'int', 'save_as_artifact': False, 'path': None, 'value': 1}}, 'artifacts': {'a':
  {'name': 'a', 'type': None, 'path': '/a', 'optional': False, 'source': None, 'mode': None,
  'sub_path': None, 'slice': None, 'archive': 'default', 'save_as_parameter': False}}}`` (ours
  writes the archive it means, ``tar``), its outputs' the dict asserted below, and a step's
  graph has the keys listed below.
"""

from __future__ import annotations

from pathlib import Path
from typing import List

from dflow import (
    DAG,
    HookStep,
    InputArtifact,
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    S3Artifact,
    ShellOPTemplate,
    Step,
    Steps,
    Task,
    argo_sequence,
)
from dflow.python import OP, Artifact, BigParameter, OPIOSign, Parameter, Slices


def test_signs_to_dict_and_back():
    assert Parameter(int, default=3).to_dict() == {"type": "int", "global_name": None, "default": 3}
    assert Parameter(str).to_dict() == {"type": "str", "global_name": None}
    assert BigParameter(dict).to_dict() == {"type": "dict"}
    assert Artifact(List[Path], optional=True).to_dict() == {
        "type": "typing.List",
        "archive": "tar",
        "save": None,
        "optional": True,
        "global_name": None,
        "sub_path": True,
    }
    assert Artifact.from_dict({"type": "typing.List"}).type == List[Path]
    assert Artifact.from_dict({"type": "pathlib.Path"}).type is Path
    back = Parameter.from_dict({"type": "int", "default": 2})
    assert (back.type, back.default, back.global_name) == ("int", 2, None)


def test_evalable_reprs():
    imports: set = set()
    assert S3Artifact(key="a/b", urn="u").evalable_repr(imports) == "S3Artifact(key='a/b', urn='u')"
    assert imports == {("dflow", "S3Artifact")}
    imports = set()
    sliced = Slices(input_parameter=["x"], output_artifact=["o"], group_size=2)
    text = "Slices(input_parameter=['x'], output_artifact=['o'], group_size=2)"
    assert sliced.evalable_repr(imports) == text
    assert imports == {("dflow.python", "Slices")}
    text = "Slices(input_artifact=['a'], sub_path=True)"
    assert Slices(sub_path=True, input_artifact=["a"]).evalable_repr(set()) == text
    imports = set()
    seq = argo_sequence(count=3, format="%02d")
    assert seq.evalable_repr(imports) == "argo_sequence(count=3, format='%02d')"
    assert imports == {("dflow", "argo_sequence")}
    assert S3Artifact.from_dict({"key": "k", "urn": "u"}).urn == "u"


def test_io_from_argo_dicts():
    p = InputParameter.from_dict({"name": "x", "value": "1", "description": '{"type": "int"}'})
    assert (p.name, p.value, p.type) == ("x", "1", "int")
    a = InputArtifact.from_dict({"name": "a", "path": "/tmp/a", "optional": True})
    assert (a.name, a.path, a.optional) == ("a", "/tmp/a", True)
    o = OutputParameter.from_dict(
        {"name": "o", "valueFrom": {"path": "/tmp/o", "default": "0"}, "globalName": "g"}
    )
    assert (o.name, o.value_from_path, o.default, o.global_name) == ("o", "/tmp/o", "0", "g")
    oa = OutputArtifact.from_dict({"name": "f", "path": "/tmp/f", "archive": {"none": {}}})
    assert (oa.name, oa.path, oa.archive) == ("f", "/tmp/f", None)
    inputs = Inputs.from_dict({"parameters": [{"name": "n", "value": "3"}]})
    assert inputs.parameters["n"].value == "3"
    assert list(Outputs.from_dict({}).parameters) == []


class Add(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"a": int, "b": Parameter(int, default=1), "f": Artifact(Path)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"s": int})

    def execute(self, op_in):
        return {"s": op_in["a"] + op_in["b"]}


def test_op_info():
    info = Add.get_opio_info(Add.get_input_sign())
    assert info["a"] == "int" and isinstance(info["b"], Parameter)
    assert repr(info["b"]) == "Parameter(type=int, default=1)"
    assert repr(info["f"]) == "Artifact(type=pathlib.Path, optional=False, sub_path=True)"
    got = Add.get_info()
    assert got["name"] == f"{__name__}.Add"
    assert got["inputs"] == {
        "a": "int",
        "b": "Parameter(type=int, default=1)",
        "f": "Artifact(type=pathlib.Path, optional=False, sub_path=True)",
    }
    assert got["outputs"] == {"s": "int"}
    assert got["execute"].lstrip().startswith("def execute(self, op_in):")
    graph = Add.convert_to_graph()
    assert sorted(graph) == ["inputs", "module", "name", "outputs", "source"]
    assert OP.from_graph(graph) is Add


def _template() -> ShellOPTemplate:
    return ShellOPTemplate(
        name="t",
        image="alpine",
        script="echo",
        inputs=Inputs(
            parameters={"x": InputParameter(type=int, value=1)},
            artifacts={"a": InputArtifact(path="/a")},
        ),
        outputs=Outputs(
            parameters={"y": OutputParameter(value_from_path="/y", default="0")},
            artifacts={"b": OutputArtifact(path="/b")},
        ),
    )


def test_graph_dicts_of_inputs_outputs_and_steps():
    t = _template()
    assert t.inputs.convert_to_graph() == {
        "parameters": {
            "x": {"name": "x", "type": "int", "save_as_artifact": False, "path": None, "value": 1}
        },
        "artifacts": {
            "a": {
                "name": "a",
                "type": None,
                "path": "/a",
                "optional": False,
                "source": None,
                "mode": None,
                "sub_path": None,
                "slice": None,
                "archive": "tar",
                "save_as_parameter": False,
            }
        },
    }
    assert t.outputs.convert_to_graph() == {
        "parameters": {
            "y": {
                "name": "y",
                "value_from_path": "/y",
                "type": None,
                "global_name": None,
                "value_from_expression": None,
                "save_as_artifact": False,
                "save_both": False,
                "value_from_parameter": None,
                "default": "0",
            }
        },
        "artifacts": {
            "b": {
                "name": "b",
                "path": "/b",
                "type": None,
                "save": [],
                "archive": "tar",
                "global_name": None,
                "from_expression": None,
                "_from": None,
                "optional": False,
            }
        },
    }
    assert t.inputs.parameters.convert_to_graph() == t.inputs.convert_to_graph()["parameters"]
    step = Step("s", t, parameters={"x": 2})
    assert sorted(step.convert_to_graph()) == [
        "artifacts", "continue_on_error", "continue_on_failed", "continue_on_num_success",
        "continue_on_success_ratio", "executor", "key", "name", "parameters", "slices",
        "template", "use_resource", "util_command", "util_image", "util_image_pull_policy",
        "when", "with_param", "with_sequence",
    ]  # fmt: skip
    graph, templates = Steps(name="ss", steps=[step]).convert_to_graph()
    assert sorted(graph) == [
        "annotations", "inputs", "name", "outputs", "parallelism", "steps", "type",
    ]  # fmt: skip
    assert templates == [t]


def test_graph_dicts_read_back():
    t = _template()
    again = ShellOPTemplate.from_graph(t.convert_to_graph())
    assert again.inputs.parameters["x"].value == 1
    assert again.outputs.artifacts["b"].path == "/b"
    assert InputParameter.from_graph({"name": "x", "type": "int", "value": 3}).value == 3
    assert Inputs.from_graph(t.inputs.convert_to_graph()).artifacts["a"].path == "/a"
    first = Step("s", t, parameters={"x": 2})
    steps = Steps(name="ss", steps=[first])
    steps.add(Step("u", t, parameters={"x": first.outputs.parameters["y"]}))
    graph, _ = steps.convert_to_graph()
    read = Steps.from_graph(graph, {"t": t})
    assert read.steps[1][0].parameters["x"].step is read.steps[0][0]
    assert read.steps[0][0].template is t
    dag = DAG(name="d")
    a = Task("a", t, parameters={"x": 1})
    dag.add([a, Task("b", t, parameters={"x": a.outputs.parameters["y"]})])
    dgraph, _ = dag.convert_to_graph()
    assert dgraph["tasks"][1]["dependencies"] == ["a.Succeeded"]
    assert dag.tasks[1].convert_to_graph()["dependencies"] == ["a.Succeeded"]
    task = Task.from_graph(dgraph["tasks"][0], {"t": t})
    assert isinstance(task, Task) and task.parameters == {"x": 1}


def test_steps_and_steps_dicts_of_a_manifest():
    t = _template()
    step = Step.from_dict(
        {"name": "s", "template": "t", "arguments": {"parameters": [{"name": "x", "value": "5"}]}},
        {"t": t},
    )
    assert (step.name, step.template, step.parameters) == ("s", t, {"x": "5"})
    body = {
        "name": "main",
        "steps": [[{"name": "s", "template": "t"}], [{"name": "u", "template": "t"}]],
    }
    steps = Steps.from_dict(body, templates={"t": t})
    assert [[s.name for s in g] for g in steps.steps] == [["s"], ["u"]]
    body = {
        "name": "d",
        "dag": {"tasks": [{"name": "a", "template": "t"}, {"name": "b", "template": "t",
                                                           "depends": "(a.Succeeded)"}]},
    }  # fmt: skip
    dag = DAG.from_dict(body, templates={"t": t})
    assert dag.tasks[1].dependencies == ["(a.Succeeded)"]
    task = Task.from_dict({"name": "a", "template": "t"}, templates={"t": t})
    assert isinstance(task, Task)
    hook = HookStep.from_dict({"name": "h", "template": "t", "expression": "true"}, {"t": t})
    assert (hook.name, hook.expression, hook.template) == ("h", "true", t)
