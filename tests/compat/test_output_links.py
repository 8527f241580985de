"""Symbolic links in artifacts travel as the files and directories they name.

Checked against 1.8.134 (debug mode): an OP returned the directory ``out`` holding ``real.txt``,
``sub/``, ``abs.lnk`` (an absolute link to ``elsewhere.txt`` beside ``out``), ``rel.lnk`` (to
``real.txt``) and ``dir.lnk`` (an absolute link to the directory ``edir`` holding ``e.txt``), and
the list ``[out/real.txt, f.lnk]`` where ``f.lnk`` links to ``elsewhere.txt``. The next OP saw
(name:kind:content) ``['abs.lnk:file:elsewhere', 'dir.lnk/e.txt:file:e', 'dir.lnk:dir:',
'real.txt:file:real', 'rel.lnk:file:real', 'sub:dir:', 'FS file:real', 'FS file:elsewhere']``:
links are copied as their content. Its ``upload_artifact`` archives with links dereferenced too;
its ``download_artifact`` gave links into its own store (its ``debug_copy_method``), holding the
same content, where ours gives copies. dpgen2's ``PrepRelax`` returns task directories of such
absolute links to its input files, and the original ran its consumer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, List

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import Step, Workflow, download_artifact, upload_artifact
from dflow.config import config, s3_config
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate

SEEN = [
    "abs.lnk:file:elsewhere",
    "dir.lnk/e.txt:file:e",
    "dir.lnk:dir:",
    "real.txt:file:real",
    "rel.lnk:file:real",
    "sub:dir:",
    "FS file:real",
    "FS file:elsewhere",
]


def describe(root: str) -> List[str]:
    """Each entry under ``root`` as ``name:kind:content`` (kind ``link``, ``dir`` or ``file``)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if rel.startswith(".dflow"):
                continue
            kind = "link" if os.path.islink(path) else "dir" if os.path.isdir(path) else "file"
            content = Path(path).read_text() if kind == "file" else ""
            found.append(f"{rel}:{kind}:{content}")
    return sorted(found)


class Make(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign()

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"d": Artifact(Path), "fs": Artifact(List[Path])})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        os.makedirs("out/sub")
        os.makedirs("edir")
        Path("out/real.txt").write_text("real")
        Path("elsewhere.txt").write_text("elsewhere")
        Path("edir/e.txt").write_text("e")
        os.symlink(os.path.abspath("elsewhere.txt"), "out/abs.lnk")
        os.symlink("real.txt", "out/rel.lnk")
        os.symlink(os.path.abspath("edir"), "out/dir.lnk")
        os.symlink(os.path.abspath("elsewhere.txt"), "f.lnk")
        return OPIO({"d": Path("out"), "fs": [Path("out/real.txt"), Path("f.lnk")]})


class Use(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"d": Artifact(Path), "fs": Artifact(List[Path])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"seen": List[str]})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        files = [f"FS {'link' if f.is_symlink() else 'file'}:{f.read_text()}" for f in op_in["fs"]]
        return OPIO({"seen": describe(str(op_in["d"])) + files})


@pytest.fixture(params=["local store", "s3"])
def store(request: pytest.FixtureRequest, debug: Path, tmp_path: Path) -> Iterator[str]:  # noqa: F811
    """The local engine with its own store, or with S3 (``debug_s3``, the real test server)."""
    if request.param == "s3":
        request.getfixturevalue("s3_config_for_tests")
        config["debug_s3"] = True
        s3_config["storage_client"] = None
    yield request.param


def test_links_in_op_outputs_reach_the_next_op_as_content(store, tmp_path, monkeypatch):
    # GIVEN an OP whose outputs hold absolute and relative links to files and a directory
    monkeypatch.chdir(tmp_path)
    wf = Workflow(name="links")
    make = Step("make", PythonOPTemplate(Make))
    use = Step(
        "use",
        PythonOPTemplate(Use),
        artifacts={"d": make.outputs.artifacts["d"], "fs": make.outputs.artifacts["fs"]},
    )
    wf.add(make)
    wf.add(use)
    # WHEN the workflow runs
    wf.submit()
    # THEN the next OP sees what the links named, as on the original
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="use")[0].outputs.parameters["seen"].value == SEEN
    # AND a download holds the same content, as plain files
    made = wf.query_step(name="make")[0].outputs.artifacts
    assert download_artifact(made["d"], path="dl") == ["dl/out"]
    assert describe("dl/out") == sorted(s for s in SEEN if not s.startswith("FS"))
    assert download_artifact(made["fs"], path="dl2") == ["dl2/out/real.txt", "dl2/f.lnk"]
    assert Path("dl2/f.lnk").read_text() == "elsewhere" and not Path("dl2/f.lnk").is_symlink()


@pytest.mark.parametrize("archive", ["tar", None])
def test_uploaded_links_are_stored_as_content(store, tmp_path, monkeypatch, archive):
    # GIVEN a directory with links to files and to a directory, and a link given by itself
    monkeypatch.chdir(tmp_path)
    os.makedirs("data")
    Path("data/a.txt").write_text("a")
    Path("outside.txt").write_text("o")
    os.symlink(os.path.abspath("outside.txt"), "data/abs.lnk")
    os.symlink("a.txt", "data/rel.lnk")
    os.makedirs("edir")
    Path("edir/e.txt").write_text("e")
    os.symlink(os.path.abspath("edir"), "data/dir.lnk")
    os.symlink(os.path.abspath("outside.txt"), "top.lnk")
    # WHEN they are uploaded and downloaded
    art = upload_artifact(["data", "top.lnk"], archive=archive)
    got = download_artifact(art, path="dl")
    # THEN the links came back as the content they named (the original archives with
    # dereference=True)
    assert got == ["dl/data", "dl/top.lnk"]
    assert describe("dl") == [
        "data/a.txt:file:a",
        "data/abs.lnk:file:o",
        "data/dir.lnk/e.txt:file:e",
        "data/dir.lnk:dir:",
        "data/rel.lnk:file:a",
        "data:dir:",
        "top.lnk:file:o",
    ]
