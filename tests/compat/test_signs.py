"""``@OP.exec_sign_check`` fills in what the caller left out (checked against pydflow 1.8.134).

On the original, ``Op().execute(OPIO({"a": 1}))`` for the OP below gets
``{'a': 1, 'b': 5, 'c': None, 'e': None}`` and returns ``{'x': 6, 'y': 'dft', 'z': 7}``: inputs
``Parameter(T, default=v)`` take ``v``, a missing optional artifact is None, and outputs
declared with a default that ``execute`` does not return take the default. Run as a step in
debug mode the same OP succeeds with outputs ``x=6, y='dft', z=7``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

from dflow import Step, Workflow
from dflow.config import config, s3_config
from dflow.python import OP, OPIO, Artifact, OPIOSign, Parameter, PythonOPTemplate, SignError


class Defaults(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign(
            {
                "a": int,
                "b": Parameter(int, default=5),
                "c": Artifact(Path, optional=True),
                "e": Parameter(Optional[str], default=None),
            }
        )

    @classmethod
    def get_output_sign(cls):
        return OPIOSign(
            {"x": int, "y": Parameter(str, default="dft"), "z": Parameter(int, default=7)}
        )

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        assert dict(op_in) == {"a": 1, "b": 5, "c": None, "e": None}
        return OPIO({"x": op_in["a"] + op_in["b"]})


def test_a_direct_call_fills_defaults_in_and_out() -> None:
    given = OPIO({"a": 1})
    assert dict(Defaults().execute(given)) == {"x": 6, "y": "dft", "z": 7}
    assert dict(given) == {"a": 1}  # the caller's OPIO is left as it was


def test_a_required_input_is_still_required() -> None:
    with pytest.raises(SignError, match="input 'a' is missing"):
        Defaults().execute(OPIO({}))


def test_a_step_takes_the_output_defaults(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    wf = Workflow("signs")
    wf.add(Step("s", PythonOPTemplate(Defaults), parameters={"a": 1}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    step = wf.query_step(name="s")[0]
    assert {k: step.outputs.parameters[k].value for k in step.outputs.parameters} == {
        "x": 6,
        "y": "dft",
        "z": 7,
    }
