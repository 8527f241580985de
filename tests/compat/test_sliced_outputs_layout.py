"""A sliced step's stacked output artifact keeps the paths its OP gave (checked against 1.8.134).

Each item writes ``out.txt`` and ``task.<x>/m.txt``; downloading the stacked ``out`` gave
``out/out.txt`` three times holding ``cube 3`` (the items' files merge, one of them stays) and
``sub`` gave ``sub/task.1/m.txt``, ``sub/task.2/m.txt``, ``sub/task.3/m.txt``. With
``Slices(create_dir=True)`` each item's files sit in a directory of their own.
"""

from __future__ import annotations

import os
from pathlib import Path

from dflow import Step, Workflow, argo_range, download_artifact
from dflow.config import config, s3_config
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices


class Cube(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"out": Artifact(Path), "sub": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        x = op_in["x"]
        Path("out.txt").write_text(f"cube {x}")
        os.makedirs(f"task.{x}", exist_ok=True)
        Path(f"task.{x}/m.txt").write_text(f"m {x}")
        return OPIO({"out": Path("out.txt"), "sub": Path(f"task.{x}/m.txt")})


def _run(tmp_path: Path, monkeypatch, create_dir: bool) -> Path:
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    slices = Slices(input_parameter=["x"], output_artifact=["out", "sub"], create_dir=create_dir)
    template = PythonOPTemplate(Cube, slices=slices)
    wf = Workflow("layout")
    wf.add(Step("cube", template, parameters={"x": [1, 2, 3]}, with_param=argo_range(3)))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    step = wf.query_step(name="cube")[0]
    dest = tmp_path / "dl"
    download_artifact(step.outputs.artifacts["out"], path=dest / "out")
    download_artifact(step.outputs.artifacts["sub"], path=dest / "sub")
    return dest


def _files(dest: Path) -> dict:
    return {str(p.relative_to(dest)): p.read_text() for p in sorted(dest.rglob("*.txt"))}


def test_stacked_items_keep_their_paths(tmp_path, monkeypatch) -> None:
    files = _files(_run(tmp_path, monkeypatch, create_dir=False))
    # one out.txt: the items ran side by side, so which one stays is not fixed
    assert files.pop("out/out.txt") in {"cube 1", "cube 2", "cube 3"}
    assert files == {
        "sub/task.1/m.txt": "m 1",
        "sub/task.2/m.txt": "m 2",
        "sub/task.3/m.txt": "m 3",
    }


def test_create_dir_keeps_each_item_apart(tmp_path, monkeypatch) -> None:
    files = _files(_run(tmp_path, monkeypatch, create_dir=True))
    assert sorted(v for k, v in files.items() if k.startswith("out/")) == [
        "cube 1",
        "cube 2",
        "cube 3",
    ]
