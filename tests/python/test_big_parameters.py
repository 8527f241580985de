"""Big parameters take values the original way, ``Step(parameters=...)``, and run end to end."""

from __future__ import annotations

from typing import Dict, List

import pytest

from dflow import Step, Workflow
from dflow.config import config, s3_config
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
        return OPIOSign({"sums": BigParameter(Dict[str, int])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"total": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"total": sum(op_in["sums"].values())})


def _workflow() -> Workflow:
    table = {"a": list(range(100)), "b": [1, 2, 3]}
    first = Step("sum", PythonOPTemplate(Sum), parameters={"table": table})
    second = Step(
        "total", PythonOPTemplate(Total), parameters={"sums": first.outputs.parameters["sums"]}
    )
    wf = Workflow("big")
    wf.add(first)
    wf.add(second)
    return wf


def test_values_render_as_raw_artifacts_and_references_as_from(render):
    manifest = render(_workflow())
    first, second = (g[0] for g in manifest["spec"]["templates"][0]["steps"])
    (raw,) = first["arguments"]["artifacts"]
    assert raw["name"] == "dflow_bigpar_table" and raw["raw"]["data"].startswith('{"a": [0, 1, 2')
    assert second["arguments"]["artifacts"] == [
        {"name": "dflow_bigpar_sums", "from": "{{steps.sum.outputs.artifacts.dflow_bigpar_sums}}"}
    ]
    assert "parameters" not in first["arguments"]


@pytest.fixture
def debug_mode(tmp_path, monkeypatch):
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)


def test_big_parameters_run_on_the_local_engine(debug_mode):
    wf = _workflow()
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="total")[0].outputs.parameters["total"].value == 4950 + 6
