"""PythonOPTemplate: inputs/outputs from signs, options, retries, and sign validation."""

from __future__ import annotations

from pathlib import Path
from typing import List

import ops_sample
import pytest

from dflow import S3Artifact, Step, Workflow
from dflow.errors import DflowError, InvalidWorkflowError
from dflow.python import OP, Artifact, OPIOSign, Parameter, PythonOPTemplate


def _by_name(items):
    return {i["name"]: i for i in items}


def _leaf(manifest, name):
    return next(t for t in manifest["spec"]["templates"] if t["name"] == name)


def test_signs_render_to_argo_inputs_and_outputs(render) -> None:
    template = PythonOPTemplate(
        ops_sample.Everything,
        image="registry/dflow:1",
        output_artifact_save={"copy": [S3Artifact("saved/copy")]},
        output_artifact_archive={"listing": None},
        output_parameter_default={"text": "none"},
        output_parameter_global_name={"text": "g-text"},
        output_artifact_global_name={"copy": "g-copy"},
        envs={"EXTRA": "1"},
    )
    wf = Workflow("signs")
    wf.add(
        Step(
            "e",
            template,
            parameters={"text": "hi", "count": 1, "ratio": 1.5, "table": {}, "maybe": None},
            artifacts={
                "dflow_bigpar_big": "k/big",
                "one": "k/one",
                "many": "k/many",
                "names": "k/n",
            },
        )
    )
    t = _leaf(render(wf), template.name)
    ins = _by_name(t["inputs"]["parameters"])
    assert ins["fallback"] == {
        "name": "fallback",
        "value": "dft",
        "description": '{"type": "str"}',
    }
    assert "value" not in ins["text"]
    arts = _by_name(t["inputs"]["artifacts"])
    # a big parameter is the artifact dflow_bigpar_<key>, as the original names it
    assert arts["dflow_bigpar_big"]["path"] == "/tmp/inputs/parameters/big"
    assert arts["one"]["path"] == "/tmp/inputs/artifacts/one"
    assert arts["absent"]["optional"] is True
    outs = _by_name(t["outputs"]["parameters"])
    assert outs["text"] == {
        "name": "text",
        "valueFrom": {"path": "/tmp/outputs/parameters/text", "default": "none"},
        "globalName": "g-text",
        "description": '{"type": "str"}',  # the type recorded as the original records it
    }
    oarts = _by_name(t["outputs"]["artifacts"])
    assert oarts["copy"]["s3"] == {"key": "saved/copy"} and oarts["copy"]["globalName"] == "g-copy"
    assert oarts["listing"]["archive"] == {"none": {}}
    assert oarts["dflow_bigpar_big"]["path"] == "/tmp/outputs/parameters/big"
    assert oarts["skipped"]["optional"] is True
    env = _by_name(t["script"]["env"])
    assert env["DFLOW_INPUT_text"]["value"] == "{{inputs.parameters.text}}"
    assert env["EXTRA"]["value"] == "1"
    assert t["script"]["image"] == "registry/dflow:1"
    assert t["script"]["command"] == ["python3"]
    assert t["script"]["source"] == (
        'import sys; sys.path.insert(0, "/tmp/inputs/artifacts/dflow_python_packages")\n'
        "from dflow.python.runtime import use_packages\n"
        'use_packages("/tmp/inputs/artifacts/dflow_python_packages")\n'
        "from dflow.python.runtime import run as dflow_run\n"
        "from ops_sample import Everything\n"
        'dflow_run(Everything, root="/tmp/")\n'
    )


def test_retries_and_timeouts(render) -> None:
    plain = PythonOPTemplate(ops_sample.Fails, name="plain", retry_on_transient_error=3)
    assert plain.retry_strategy == {
        "limit": "3",
        "retryPolicy": "Always",
        "expression": "asInt(lastRetry.exitCode) == 1",
    }
    timed = PythonOPTemplate(
        ops_sample.Fails,
        name="timed",
        retry_on_transient_error=2,
        timeout="2m",
        timeout_as_transient_error=True,
    )
    assert timed.retry_strategy["expression"] == (
        "asInt(lastRetry.exitCode) == 1 || asFloat(lastRetry.duration) >= 120"
    )
    wf = Workflow("retries")
    wf.add([Step("a", plain, parameters={"how": "x"}), Step("b", timed, parameters={"how": "y"})])
    manifest = render(wf)
    assert _leaf(manifest, "timed")["timeout"] == "2m"
    assert _leaf(manifest, "plain")["retryStrategy"]["limit"] == "3"
    with pytest.raises(InvalidWorkflowError, match="retry_on_transient_error must be a count"):
        PythonOPTemplate(ops_sample.Fails, retry_on_transient_error="3")


def test_continue_on_num_success_writes_the_tag_from_the_runtime(render) -> None:
    template = PythonOPTemplate(ops_sample.Fails)
    wf = Workflow("counted")
    wf.add(
        Step(
            "f",
            template,
            parameters={"how": "{{item}}"},
            with_items=["ok", "fatal"],
            continue_on_num_success=1,
        )
    )
    t = _leaf(render(wf), "fails-f")
    assert "success_tag='/tmp/outputs/success_tag'" in t["script"]["source"]


def test_packages_input_artifact(render) -> None:
    template = PythonOPTemplate(ops_sample.Progress, python_packages=S3Artifact("pkgs/key"))
    wf = Workflow("pkgs")
    wf.add(Step("p", template, parameters={"steps": 1}))
    t = _leaf(render(wf), "progress")
    assert _by_name(t["inputs"]["artifacts"])["dflow_python_packages"] == {
        "name": "dflow_python_packages",
        "path": "/tmp/inputs/artifacts/dflow_python_packages",
        "optional": True,
        "s3": {"key": "pkgs/key"},
    }
    assert 'use_packages("/tmp/inputs/artifacts/dflow_python_packages")' in t["script"]["source"]


class _BadDefault(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"n": Parameter(int, default="three")})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({})


def test_sign_errors_name_the_op_and_key() -> None:
    with pytest.raises(DflowError, match="Artifact type must be one of"):
        Artifact(int)
    with pytest.raises(
        InvalidWorkflowError,
        match="OP _BadDefault: the default of input parameter 'n' should be int, got str 'three'",
    ):
        PythonOPTemplate(_BadDefault)
    with pytest.raises(InvalidWorkflowError, match="output_artifact_save names 'nope'"):
        PythonOPTemplate(ops_sample.Square, output_artifact_save={"nope": []})
    with pytest.raises(InvalidWorkflowError, match="needs an OP subclass"):
        PythonOPTemplate(object)
    with pytest.raises(InvalidWorkflowError, match="default of output parameter 'y' should be int"):
        PythonOPTemplate(ops_sample.Square, output_parameter_default={"y": "nine"})


def test_exec_sign_check_in_process() -> None:
    from dflow.python import OPIO, TypeCheckError

    op = ops_sample.Everything()
    with pytest.raises(TypeCheckError, match="OP Everything: input 'count' should be int, got str"):
        op.execute(
            OPIO(
                {
                    "text": "t",
                    "count": "1",
                    "ratio": 1.0,
                    "table": {},
                    "maybe": None,
                    "big": {},
                    "one": Path("x"),
                    "many": [],
                    "names": set(),
                }
            )
        )


def test_function_op_signs() -> None:
    sign = ops_sample.add.get_input_sign()
    assert sign.sign("b").default == 10 and sign.sign("a").type is int
    assert set(ops_sample.add.get_output_sign()) == {"total", "note"}
    # an OP object, as the original's @OP.function gives
    assert isinstance(ops_sample.add, OP) and type(ops_sample.add).__name__ == "add"
    assert List  # the sign types come from real typing objects


def test_one_package_path_is_one_package() -> None:
    from ops_sample import Everything

    assert PythonOPTemplate(Everything, python_packages="./mypkg").python_packages == ["./mypkg"]
