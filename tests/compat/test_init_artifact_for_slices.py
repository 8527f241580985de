"""``dflow.util_ops.InitArtifactForSlices``: the set-up template of a sliced step, usable as a
template of its own.

Checked against 1.8.134: its script, run on the same input directories (two list artifacts
``a``, ``b`` of three positions, catalogs split over several files), wrote the files asserted
below, byte for byte; its inputs and outputs are named as asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import InputParameter, S3Artifact, Step, Workflow, upload_artifact
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices
from dflow.util_ops import InitArtifactForSlices
from dflow.utils import path_list_of_artifact


class Op(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"a": Artifact(Path), "b": Artifact(Path, optional=True)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"out": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"out": op_in["a"]})


def _var(name: str) -> InputParameter:
    var = InputParameter()
    var.name = name
    return var


def _inputs(root: Path, catalog_only: bool) -> None:
    catalogs = {
        "a": {
            "c1": [
                {"dflow_list_item": "f1.txt", "order": 1},
                {"dflow_list_item": "f0.txt", "order": 0},
            ],
            "c2": [{"dflow_list_item": "d", "order": 2}],
        },
        "b": {"c": [{"dflow_list_item": f"g{i}.txt", "order": i} for i in range(3)]},
    }
    for name, files in catalogs.items():
        art = root / "inputs" / "artifacts" / name
        cat = art if catalog_only else art / ".dflow"
        cat.mkdir(parents=True)
        for fname, entries in files.items():
            (cat / fname).write_text(json.dumps({"path_list": entries}))
        if not catalog_only:
            for i in range(3):
                (art / f"{'f' if name == 'a' else 'g'}{i}.txt").write_text(f"{name}{i}")
    if not catalog_only:
        (root / "inputs" / "artifacts" / "a" / "d").mkdir()
        (root / "inputs" / "artifacts" / "a" / "d" / "x").write_text("x")


def _run(init: InitArtifactForSlices, root: Path) -> Dict[str, str]:
    script = root / "script.py"
    script.write_text(init.script)
    env = dict(os.environ, DFLOW_SUM_VAR='[1, 2, "3"]', DFLOW_CONCAT_VAR='[[1], "[2, 3]"]')
    subprocess.run([sys.executable, str(script)], check=True, env=env)
    out = root / "outputs"
    return {
        str(p.relative_to(out)): p.read_text().strip()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def test_slices_path_sum_and_concat(tmp_path):
    _inputs(tmp_path, catalog_only=True)
    init = InitArtifactForSlices(
        PythonOPTemplate(Op, image="python:3.11"),
        "python:3.11",
        ["python3"],
        None,
        None,
        sliced_output_artifact=["out"],
        sliced_input_artifact=["a", "b"],
        sum_var=_var("nums"),
        concat_var=_var("lists"),
        tmp_root=str(tmp_path),
    )
    assert init.name.endswith("-init-artifact")
    assert sorted(init.inputs.parameters) == ["lists", "nums"]
    assert sorted(init.inputs.artifacts) == ["a", "b"]
    assert sorted(init.outputs.parameters) == [
        "concat_lists",
        "dflow_artifact_key",
        "dflow_slices_path",
        "sum_nums",
    ]
    assert init.outputs.parameters["dflow_artifact_key"].value == "{{workflow.name}}/{{pod.name}}"
    assert _run(init, tmp_path) == {
        "artifacts/out/.dflow/init": '{"path_list": []}',
        "parameters/concat_lists": "[1, 2, 3]",
        "parameters/dflow_slices_path": '[{"order": 0, "a": "f0.txt", "b": "g0.txt"}, '
        '{"order": 1, "a": "f1.txt", "b": "g1.txt"}, {"order": 2, "a": "d", "b": "g2.txt"}]',
        "parameters/sum_nums": "6",
    }


def test_groups(tmp_path):
    _inputs(tmp_path, catalog_only=False)
    template = PythonOPTemplate(
        Op,
        image="python:3.11",
        slices=Slices(sub_path=True, group_size=2, input_artifact=["a", "b"]),
    )
    init = InitArtifactForSlices(
        template,
        "python:3.11",
        ["python3"],
        None,
        "k-{{item}}",
        sliced_input_artifact=["a", "b"],
        group_size=2,
        tmp_root=str(tmp_path),
    )
    assert sorted(init.inputs.parameters) == ["dflow_group_key", "dflow_key"]
    assert sorted(init.outputs.artifacts) == ["a", "b"]
    assert init.outputs.parameters["dflow_artifact_key"].value == (
        "{{workflow.name}}/{{inputs.parameters.dflow_group_key}}"
    )
    out = _run(init, tmp_path)
    assert out["parameters/dflow_ngroups"] == "2"
    assert out["artifacts/a/group_0/.dflow/catalog"] == (
        '{"path_list": [{"dflow_list_item": "f0.txt", "order": 0}, '
        '{"dflow_list_item": "f1.txt", "order": 1}]}'
    )
    assert out["artifacts/a/group_1/.dflow/catalog"] == (
        '{"path_list": [{"dflow_list_item": "d", "order": 2}]}'
    )
    assert out["artifacts/a/group_1/d/x"] == "x"
    assert out["artifacts/b/group_1/g2.txt"] == "b2"
    assert len(out) == 11  # 4 catalogs, 6 files, dflow_ngroups


@pytest.mark.usefixtures("debug")
def test_runs_as_a_step(tmp_path, monkeypatch, render):
    # GIVEN the template in a workflow of its own, given a list artifact and a list parameter
    monkeypatch.chdir(tmp_path)
    for i in range(3):
        Path(f"f{i}.txt").write_text(str(i))
    files = upload_artifact([f"f{i}.txt" for i in range(3)])
    init = InitArtifactForSlices(
        PythonOPTemplate(Op, image="python:3.11"),
        "python:3.11",
        ["python3"],
        None,
        None,
        sliced_output_artifact=["out"],
        sliced_input_artifact=["a"],
        sum_var=_var("nums"),
        auto_loop_artifacts=["a"],
    )
    wf = Workflow(name="init")
    wf.add(Step("init", init, parameters={"nums": [4, 5]}, artifacts={"a": files}))
    render(wf)  # valid for Argo's schema
    wf.submit()
    # THEN it reports the positions, the sum and the count, and saves the empty list artifact
    assert wf.query_status() == "Succeeded"
    step = wf.query_step(name="init")[0]
    params = step.outputs.parameters
    assert [item["a"] for item in params["dflow_slices_path"].value] == [
        "f0.txt",
        "f1.txt",
        "f2.txt",
    ]
    assert params["sum_nums"].value == 9
    assert params["dflow_nslices"].value == 3
    key = step.outputs.artifacts["out"].s3.key
    assert key == f"{params['dflow_artifact_key'].value}/out"
    from dflow.storage import get_client

    assert get_client().exists(f"{key}/.dflow/init")  # an empty list, for slices to stack into
    assert path_list_of_artifact(S3Artifact(key=key)) == []
