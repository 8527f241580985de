"""What a step infers from what it is given, as the original does (checked against 1.8.134).

- ``artifacts={"f": None}`` makes the template's input artifact optional; the OP gets None (the
  original printed ``True`` for ``template.inputs.artifacts["f"].optional``, then ``Succeeded``
  and ``given`` = ``False``).
- A template sliced over an input parameter, run by a step without a loop, fans out over that
  parameter's entries (``with_param`` = ``argo_range(len(value))``, or of ``argo_len(ref)``).
- ``s3_config["repo_type"]`` is ``"s3"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import List

from dflow import Step, Workflow, argo_len, argo_range
from dflow.config import config, s3_config
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices


class Look(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"f": Artifact(Path)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"given": bool})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"given": op_in["f"] is not None})


class Names(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"names": List[str]})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"names": ["a", "bb", "ccc"]})


class Size(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"name": str})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"n": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"n": len(op_in["name"])})


def _debug(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)


def test_an_artifact_given_none_is_optional(tmp_path, monkeypatch, render) -> None:
    _debug(tmp_path, monkeypatch)
    template = PythonOPTemplate(Look)
    wf = Workflow("none-artifact")
    wf.add(Step("look", template, artifacts={"f": None}))
    assert template.inputs.artifacts["f"].optional is True
    tmpl = next(t for t in render(wf)["spec"]["templates"] if t["name"] == "look")
    assert {"name": "f", "path": "/tmp/inputs/artifacts/f", "optional": True} in tmpl["inputs"][
        "artifacts"
    ]
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="look")[0].outputs.parameters["given"].value is False


def test_a_sliced_step_without_a_loop_fans_out_over_its_sliced_parameter(
    tmp_path, monkeypatch
) -> None:
    _debug(tmp_path, monkeypatch)
    sliced = PythonOPTemplate(Size, slices=Slices(input_parameter=["name"], output_parameter=["n"]))
    prep = Step("prep", PythonOPTemplate(Names))
    names = prep.outputs.parameters["names"]
    size = Step("size", sliced, parameters={"name": names})
    assert size.with_param.expr == argo_range(argo_len(names)).expr
    assert Step("inline", sliced, parameters={"name": ["x", "y"]}).with_param.expr == (
        argo_range(2).expr
    )
    wf = Workflow("sliced-infer")
    wf.add(prep)
    wf.add(size)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    sizes = sorted(s.outputs.parameters["n"].value for s in wf.query_step(name="size", type="Pod"))
    assert sizes == [1, 2, 3]


def test_the_repository_type_is_s3() -> None:
    assert s3_config["repo_type"] == "s3" and s3_config["extra_prefixes"] == []


def test_two_different_templates_of_one_op_both_render(render) -> None:
    # the original names an OP's templates at random, so two that differ never clash; ours take
    # the OP's name, and the second one that differs goes by "<name>-2"
    wf = Workflow("two-looks")
    wf.add(Step("given", PythonOPTemplate(Look), artifacts={"f": None}))
    wf.add(Step("plain", PythonOPTemplate(Look, image="python:3.12"), artifacts={"f": None}))
    steps = render(wf)["spec"]["templates"][0]["steps"]
    assert [g[0]["template"] for g in steps] == ["look", "look-2"]


class Maybe(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"n": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"n": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"n": op_in["n"]})


def test_none_passes_a_parameters_type_check() -> None:
    # checked against 1.8.134: "skip type checking if the variable is None" (inputs and outputs)
    assert Maybe().execute(OPIO({"n": None})) == {"n": None}


class MaybeFile(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"f": Artifact(Path, optional=True)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"given": bool})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"given": op_in["f"] is not None})


def test_an_optional_artifact_passed_on_unset_is_skipped(tmp_path, monkeypatch, render) -> None:
    # checked against 1.8.134: the argument is {'from': '{{inputs.artifacts.m}}', 'name': 'f',
    # 'optional': True, ...}; the workflow Succeeded and the OP got None (given False)
    from dflow import InputArtifact, Inputs, Steps

    _debug(tmp_path, monkeypatch)
    inner = Steps("inner", inputs=Inputs(artifacts={"m": InputArtifact(optional=True)}))
    inner.add(
        Step("look", PythonOPTemplate(MaybeFile), artifacts={"f": inner.inputs.artifacts["m"]})
    )
    wf = Workflow("unset-optional")
    wf.add(Step("inner", inner))
    tmpl = next(t for t in render(wf)["spec"]["templates"] if t["name"] == "inner")
    args = tmpl["steps"][0][0]["arguments"]["artifacts"]
    assert {"name": "f", "from": "{{inputs.artifacts.m}}", "optional": True} in args
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="look")[0].outputs.parameters["given"].value is False
