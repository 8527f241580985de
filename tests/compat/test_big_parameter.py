"""A ``BigParameter`` is a parameter to the user (checked against pydflow 1.8.134).

On the original, ``step.outputs.parameters["sums"]`` of a ``BigParameter`` output exists and is
passed on with ``parameters=``; the manifest carries it as the artifact ``dflow_bigpar_sums``;
the queried ``inputs.parameters["table"].value`` is ``{'a': [1, 2], 'b': [3]}``,
``outputs.parameters["sums"].value`` is ``{'a': 3, 'b': 3}`` and the next step's total is ``6``.
"""

from __future__ import annotations

from typing import Dict, List

import pytest

from dflow import Step, Workflow
from dflow.config import config, s3_config
from dflow.errors import InvalidWorkflowError
from dflow.python import OP, OPIO, BigParameter, OPIOSign, PythonOPTemplate


class Sum(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"table": BigParameter(Dict[str, List[int]])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"sums": BigParameter(Dict[str, int])})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"sums": {k: sum(v) for k, v in op_in["table"].items()}})


class Total(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"sums": BigParameter(Dict[str, int]), "n": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"total": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"total": sum(op_in["sums"].values()) * op_in["n"]})


def _workflow() -> Workflow:
    first = Step("sum", PythonOPTemplate(Sum), parameters={"table": {"a": [1, 2], "b": [3]}})
    second = Step(
        "total",
        PythonOPTemplate(Total),
        parameters={"sums": first.outputs.parameters["sums"], "n": 1},
    )
    wf = Workflow("big")
    wf.add(first)
    wf.add(second)
    return wf


def test_big_parameters_render_as_the_originals_artifacts(render) -> None:
    manifest = render(_workflow())
    first, second = (g[0] for g in manifest["spec"]["templates"][0]["steps"])
    assert first["arguments"]["artifacts"] == [
        {"name": "dflow_bigpar_table", "raw": {"data": '{"a": [1, 2], "b": [3]}'}}
    ]
    assert second["arguments"]["artifacts"] == [
        {"name": "dflow_bigpar_sums", "from": "{{steps.sum.outputs.artifacts.dflow_bigpar_sums}}"}
    ]


def test_a_big_parameter_is_not_a_plain_parameter() -> None:
    # a big output given to a plain parameter of an OP is an error naming both (on 1.8.134 a
    # TypeError "... is big parameter, but ... is not big parameter")
    first = Step("s", PythonOPTemplate(Sum))
    match = "input parameter 'n' of template 'total' is given the big parameter"
    with pytest.raises(InvalidWorkflowError, match=match):
        Step("t", PythonOPTemplate(Total), parameters={"n": first.outputs.parameters["sums"]})


def test_big_parameters_are_parameters_when_queried(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    wf = _workflow()
    wf.submit()
    assert wf.query_status() == "Succeeded"
    first, second = wf.query_step(name="sum")[0], wf.query_step(name="total")[0]
    assert "table" in first.inputs.parameters and "sums" in first.outputs.parameters
    assert first.inputs.parameters["table"].value == {"a": [1, 2], "b": [3]}
    assert first.outputs.parameters["sums"].value == {"a": 3, "b": 3}
    assert second.inputs.parameters["sums"].value == {"a": 3, "b": 3}
    assert second.outputs.parameters["total"].value == 6


class Names(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"names": BigParameter(List[str])})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"names": ["a", "b", "c"]})


class Count(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"names": BigParameter(List[str])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"k": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"k": len(op_in["names"])})


@pytest.mark.parametrize("kind", ["steps", "dag"])
def test_a_loop_over_the_length_of_a_big_parameter(kind, tmp_path, monkeypatch) -> None:
    # checked against pydflow 1.8.134 debug mode (steps): Succeeded, each item's k is the length
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    from dflow import DAG, Task, argo_len, argo_range

    make = Task if kind == "dag" else Step
    prep = make("prep", PythonOPTemplate(Names))
    names = prep.outputs.parameters["names"]
    use = make(
        "use",
        PythonOPTemplate(Count),
        parameters={"names": names},
        with_param=argo_range(argo_len(names)),
    )
    if kind == "dag":
        dag = DAG("inner")
        dag.add(prep)
        dag.add(use)
        wf = Workflow("big-len", dag=dag)
    else:
        wf = Workflow("big-len")
        wf.add(prep)
        wf.add(use)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    counts = [s.outputs.parameters["k"].value for s in wf.query_step(name="use", type="Pod")]
    assert counts == [3, 3, 3]


def test_a_templates_big_output_is_reachable_by_its_parameter_name(render) -> None:
    # on pydflow 1.8.134, template.outputs.parameters["names"] of a BigParameter output exists
    # and setting its global_name publishes the value globally (as the artifact
    # dflow_bigpar_all-names); a missing name is a KeyError
    template = PythonOPTemplate(Names)
    view = template.outputs.parameters["names"]
    assert view.save_as_artifact is True and view.global_name is None
    view.global_name = "all-names"
    assert template.outputs.artifacts["dflow_bigpar_names"].global_name == "all-names"
    with pytest.raises(KeyError):
        template.outputs.parameters["nope"]
    with pytest.raises(InvalidWorkflowError, match="big output parameter 'names'"):
        view.value_from_path = "/tmp/x"
    wf = Workflow("big-global")
    wf.add(Step("names", template))
    tmpl = next(t for t in render(wf)["spec"]["templates"] if t.get("script"))
    # published as the original names it: the artifact dflow_bigpar_<global name>
    assert tmpl["outputs"]["artifacts"][0]["globalName"] == "dflow_bigpar_all-names"
