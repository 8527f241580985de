"""Queried parameter values come back typed, as the OP produced them (checked against 1.8.134).

The original records each Python OP parameter's type in its ``description`` (``{"type": "int"}``)
and decodes queried values by it; a ``str`` parameter stays the string. Observed on pydflow
1.8.134 in debug mode with the same OP: outputs ``n=4 (int), f=1.5, l=[1, '2'], s='123' (str),
bo=True, d={'x': [1]}``, inputs ``n=3 (int), s='7' (str), d={'a': 1}``, and a Steps output
taking ``value_from_parameter`` from an int output reads ``9`` (int).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from dflow import OutputParameter, Outputs, Step, Steps, Workflow
from dflow.argo_objects import ArgoWorkflow
from dflow.config import config, s3_config
from dflow.python import OP, OPIO, OPIOSign, Parameter, PythonOPTemplate


class Typed(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"n": int, "s": str, "d": Parameter(dict, default={"a": 1})})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign(
            {
                "n": int,
                "f": float,
                "l": list,
                "s": str,
                "bo": bool,
                "d": Parameter(dict, global_name="glob"),
                "t": tuple,
                "o": Optional[List[int]],
            }
        )

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO(
            {
                "n": op_in["n"] + 1,
                "f": 1.5,
                "l": [1, "2"],
                "s": "123",
                "bo": True,
                "d": {"x": [1]},
                "t": (1, 2),
                "o": None,
            }
        )


OUTPUTS: Dict[str, Any] = {
    "n": 4,
    "f": 1.5,
    "l": [1, "2"],
    "s": "123",
    "bo": True,
    "d": {"x": [1]},
    "t": (1, 2),
    "o": None,
}


def _workflow() -> Workflow:
    inner = Steps("inner", outputs=Outputs(parameters={"m": OutputParameter()}))
    step = Step("typed", PythonOPTemplate(Typed), parameters={"n": 3, "s": "7"})
    inner.add(step)
    inner.outputs.parameters["m"].value_from_parameter = step.outputs.parameters["n"]
    wf = Workflow("typed")
    wf.add(Step("inner", inner))
    return wf


@pytest.fixture
def debug_mode(tmp_path, monkeypatch):
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    return tmp_path / "root"


def test_the_manifest_records_each_type_as_the_original(render) -> None:
    # GIVEN a Python OP WHEN rendered THEN descriptions name the types as 1.8.134 writes them
    manifest = render(_workflow())
    (leaf,) = [t for t in manifest["spec"]["templates"] if "script" in t]
    ins = {p["name"]: p["description"] for p in leaf["inputs"]["parameters"]}
    outs = {p["name"]: p["description"] for p in leaf["outputs"]["parameters"]}
    assert ins == {"n": '{"type": "int"}', "s": '{"type": "str"}', "d": '{"type": "dict"}'}
    assert outs["l"] == '{"type": "list"}' and outs["t"] == '{"type": "tuple"}'
    assert outs["o"] == '{"type": "typing.Optional"}'  # the original's typing names
    # AND a Steps output fed by a typed parameter records that type (the original copies it)
    inner = next(t for t in manifest["spec"]["templates"] if t["name"] == "inner")
    assert inner["outputs"]["parameters"][0]["description"] == '{"type": "int"}'


def _check(step: Any) -> None:
    for key, expected in OUTPUTS.items():
        value = step.outputs.parameters[key].value
        assert value == expected and type(value) is type(expected), key
    assert step.inputs.parameters["n"].value == 3
    assert step.inputs.parameters["s"].value == "7"  # str stays str, even if it looks like a number
    assert step.inputs.parameters["d"].value == {"a": 1}


def test_local_engine_gives_typed_values(debug_mode) -> None:
    wf = _workflow()
    wf.submit()
    assert wf.query_status() == "Succeeded"
    _check(wf.query_step(name="typed")[0])
    assert wf.query_step(name="inner")[0].outputs.parameters["m"].value == 4
    assert wf.query_global_outputs().parameters["glob"].value == {"x": [1]}


def test_typed_values_from_another_process(debug_mode) -> None:
    # GIVEN a finished workflow WHEN another process reads it by id THEN the types travel too
    wf = _workflow()
    wf.submit()
    code = (
        "import json, sys\n"
        "from dflow import Workflow, config\n"
        "config['mode'] = 'debug'\n"
        f"config['debug_workdir'] = {str(debug_mode)!r}\n"
        f"wf = Workflow(id={wf.id!r})\n"
        "s = wf.query_step(name='typed')[0]\n"
        "out = {k: [repr(s.outputs.parameters[k].value)] for k in s.outputs.parameters}\n"
        "out['in_s'] = [repr(s.inputs.parameters['s'].value)]\n"
        "out['glob'] = [repr(wf.query_global_outputs().parameters['glob'].value)]\n"
        "print(json.dumps(out))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    seen = {k: v[0] for k, v in json.loads(done.stdout.splitlines()[-1]).items()}
    assert seen == {**{k: repr(v) for k, v in OUTPUTS.items()}, "in_s": "'7'", "glob": "{'x': [1]}"}


def test_argo_status_is_read_by_the_same_types() -> None:
    # GIVEN a node and global outputs as the Argo server reports them (descriptions copied from
    # the templates; global outputs carry none) WHEN read THEN the values are typed
    status = {
        "metadata": {"name": "wf-1"},
        "spec": {
            "templates": [
                {
                    "name": "t",
                    "outputs": {
                        "parameters": [
                            {"name": "d", "globalName": "glob", "description": '{"type": "dict"}'}
                        ]
                    },
                }
            ]
        },
        "status": {
            "nodes": {
                "wf-1-1": {
                    "id": "wf-1-1",
                    "displayName": "typed",
                    "type": "Pod",
                    "outputs": {
                        "parameters": [
                            {"name": "n", "value": "4", "description": '{"type": "int"}'},
                            {"name": "s", "value": "123", "description": '{"type": "str"}'},
                            {"name": "u", "value": "5"},
                        ]
                    },
                }
            },
            "outputs": {"parameters": [{"name": "glob", "value": '{"x": [1]}'}]},
        },
    }
    wf = ArgoWorkflow(status)
    (step,) = wf.get_step(name="typed")
    assert step.outputs.parameters["n"].value == 4
    assert step.outputs.parameters["s"].value == "123"
    assert step.outputs.parameters["u"].value == "5"  # untyped (a plain template): the string
    assert wf.get_global_outputs().parameters["glob"].value == {"x": [1]}
