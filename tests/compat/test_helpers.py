"""The helpers of ``dflow.utils`` / ``dflow.common`` that dflow 1.x scripts call directly."""

from __future__ import annotations

import os
import sys
import types

import pytest

from dflow import utils
from dflow.common import CustomHandler, CustomPickler, import_func


def test_randstr_is_lower_case_alphanumeric():
    names = {utils.randstr() for _ in range(50)}
    assert len(names) > 45
    assert all(len(n) == 5 and n.isalnum() and n == n.lower() for n in names)
    assert len(utils.randstr(12)) == 12


def test_run_command_answers_code_and_output(tmp_path):
    # checked against pydflow 1.8.134: (0, 'hi\n', 'err\n'); a string without shell= is split
    assert utils.run_command("echo hi; echo err >&2", shell=True) == (0, "hi\n", "err\n")
    assert utils.run_command("echo a;b") == (0, "a;b\n", "")
    assert utils.run_command("cat", input="abc") == (0, "abc", "")
    assert utils.run_command("exit 3", shell=True, raise_error=False) == (3, "", "")
    with pytest.raises(AssertionError, match="exit code 2"):
        utils.run_command(["sh", "-c", "echo o; exit 2"])
    out, err = tmp_path / "o", tmp_path / "e"
    with open(out, "w") as o, open(err, "w") as e:
        utils.run_command(["sh", "-c", "echo x; echo y >&2"], stdout=o, stderr=e)
    assert (out.read_text(), err.read_text()) == ("x\n", "y\n")
    assert utils.run_command("echo $0", shell=True, try_bash=True)[1] == "bash\n"
    # checked against pydflow 1.8.134: try_bash alone runs a shell command line, a list's words
    # joined by spaces (as dpgen2 calls it: run_command(["ls | sort"], try_bash=True))
    listed = utils.run_command(["echo b; echo a | tr a c"], try_bash=True, interactive=False)
    assert listed == (0, "b\nc\n", "")
    words = utils.run_command(["echo", "x", "$0"], try_bash=True, interactive=False)
    assert words == (0, "x bash\n", "")
    assert utils.run_command(["pwd"], cwd=str(tmp_path))[1].strip() == str(tmp_path)
    # checked against pydflow 1.8.134 (dpgen2 relies on it): with shell=, a list's first item is
    # the command line, as subprocess passes it
    listed = tmp_path / "listed"
    listed.mkdir()
    (listed / "b").touch(), (listed / "a").touch()
    assert utils.run_command(["ls | sort"], shell=True, cwd=str(listed)) == (0, "a\nb\n", "")


def test_set_directory_and_tempdir(tmp_path):
    here = os.getcwd()
    with utils.set_directory(tmp_path / "new", mkdir=True):
        assert os.getcwd() == str(tmp_path / "new")
    assert os.getcwd() == here
    with utils.TempDir() as scratch:
        assert os.path.isdir(scratch)
    assert not os.path.exists(scratch)


def test_set_directory_gives_the_absolute_path(tmp_path, monkeypatch):
    # checked against 1.8.134: ``with set_directory("test_dir", mkdir=True) as wdir`` gave
    # ``PosixPath('<cwd>/test_dir')`` and ran the block there
    monkeypatch.chdir(tmp_path)
    with utils.set_directory("test_dir", mkdir=True) as wdir:
        assert str(wdir) == str(tmp_path / "test_dir")
        assert os.getcwd() == str(wdir)
    assert os.getcwd() == str(tmp_path)


def test_file_helpers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.makedirs("a/x")
    open("a/x/f", "w").write("1")
    open("a/g", "w").write("2")
    os.makedirs("b/x")
    open("b/x/h", "w").write("3")
    open("b/g", "w").write("old")
    # checked against pydflow 1.8.134: merge_dir moves src into dst, replacing files
    utils.merge_dir("a", "b")
    assert sorted(os.listdir("b/x")) == ["f", "h"] and open("b/g").read() == "2"
    assert not os.path.exists("a")
    utils.copy_file("b/g", "c/d/g")
    assert open("c/d/g").read() == "2"
    utils.link("b/g", "hard")
    assert os.stat("hard").st_ino == os.stat("b/g").st_ino
    utils.try_link("b/g", "hard2")
    assert open("hard2").read() == "2"
    utils.force_link("b/g", "hard")
    utils.force_link("b/g", "hard")
    assert os.path.islink("hard") and open("hard").read() == "2"
    utils.linktree("b", "t")
    assert os.path.islink("t/x/f") and open("t/x/f").read() == "1"
    open("m", "w").write("m")
    utils.force_move("m", "b/g")
    assert open("b/g").read() == "m" and not os.path.exists("m")
    assert utils.get_md5("b/g") == "6f8f57715090da2632453988d9a1501b"


def test_nested_dicts():
    # checked against pydflow 1.8.134
    assert utils.flatten({"a": {"b": 1, "c": {"d": 2}}, "e": 3}) == {"a.b": 1, "a.c.d": 2, "e": 3}
    assert utils.expand({"a.b": 1, "a.c": 2, "e": 3}) == {"a": {"b": 1, "c": 2}, "e": 3}
    assert utils.expand({"0": 1, "1": 2}) == [1, 2]
    assert utils.expand({"a": {"1": "x", "0": "y"}}) == {"a": ["y", "x"]}
    assert utils.expand({"1": 1}) == [None, 1]
    assert utils.dict2list({0: {0: 1}, 1: 2}) == [[1], 2]


def test_evalable_repr_round_trips():
    from pathlib import Path

    imports = set()
    text = utils.evalable_repr(
        {"a": [1, (2, 3)], "p": Path("/a"), "v": utils.Variable("v")}, imports
    )
    assert imports == {(None, "jsonpickle")}
    import jsonpickle

    assert eval(text, {"jsonpickle": jsonpickle, "v": 7}) == {
        "a": [1, (2, 3)],
        "p": Path("/a"),
        "v": 7,
    }


def test_find_subclass_and_import_func():
    from dflow.python import OP

    module = types.ModuleType("user_ops")

    class Mine(OP):
        pass

    Mine.__module__ = "user_ops"
    module.Mine, module.OP = Mine, OP
    assert utils.find_subclass(module, OP) == [Mine]
    assert utils.subclass_or_none(Mine, OP) is Mine and utils.subclass_or_none(OP, OP) is None
    assert import_func("os.path.join") is os.path.join
    assert import_func("os.path") is sys.modules["posixpath"]


def test_artifact_markers():
    from dflow.artifact_values import is_artifact_value, mark_artifact

    assert isinstance(mark_artifact("a"), utils.ArtifactStr) and mark_artifact("a") == "a"
    assert isinstance(mark_artifact(["a"]), utils.ArtifactList)
    assert is_artifact_value(utils.ArtifactDict(a="x")) and not is_artifact_value("x")


def test_local_catalog_helpers(tmp_path):
    import json

    os.makedirs(tmp_path / ".dflow")
    entries = [{"dflow_list_item": "x", "order": 1}, {"dflow_list_item": "y", "order": 0}]
    (tmp_path / ".dflow" / "a").write_text(json.dumps({"path_list": entries}))
    # checked against pydflow 1.8.134
    assert utils.catalog_of_local_artifact(str(tmp_path)) == entries
    assert utils.assemble_path_object(str(tmp_path)) == [f"{tmp_path}/y", f"{tmp_path}/x"]
    nested = [{"dflow_list_item": "x", "order": "a.0"}, {"dflow_list_item": "y", "order": "b"}]
    assert utils.assemble_path_object_from_catalog(nested, art_path="/r") == {
        "a": ["/r/x"],
        "b": "/r/y",
    }
    assert utils.convert_dflow_list(list(entries)) == ["y", "x"]
    catalog = []
    utils.append_item(catalog, entries[0])
    utils.append_item(catalog, dict(entries[0]))
    assert catalog == [entries[0]]
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / ".empty_dir").write_text("")
    utils.remove_empty_dir_tag(str(tmp_path))
    assert os.listdir(tmp_path / "d") == []
    utils.assemble_path_object(str(tmp_path), remove=True)
    assert not (tmp_path / ".dflow").exists()


def test_get_key_and_set_key():
    from dflow import S3Artifact

    art = S3Artifact(key="k1")
    assert utils.get_key(art) == "k1"
    utils.set_key(art, "k2")
    assert art.key == "k2"
    argo = {"name": "a", "s3": {"key": "x"}}
    utils.set_key(argo, "y")
    assert utils.get_key(argo) == "y"
    assert utils.get_key({"name": "a"}, raise_error=False) is None


class _Point:
    def __init__(self, x):
        self.x = x

    def to_dict(self):
        return {"x": self.x}

    @classmethod
    def from_dict(cls, d):
        return cls(d["x"])


def test_custom_handler_and_pickler():
    import jsonpickle

    CustomHandler.handles(_Point)
    text = jsonpickle.dumps(_Point(3))
    assert '"x": 3' in text
    assert jsonpickle.loads(text).x == 3
    pickler = CustomPickler()
    assert pickler.loads(pickler.dumps({"a": (1, 2)})) == {"a": (1, 2)}
