"""Every artifact type of the original, with its round trip (checked against pydflow 1.8.134).

Run on the original's debug mode, the two OPs below (without the HDF5 outputs) give the same
report as here: a ``Dict[str, Path]`` comes back as ``{"a": Path, "b": Path}`` with each file at
its place, a ``NestedDict[Path]`` nested as it went in (lists included), a ``List[Path]`` in its
order, a ``Set[str]`` as a set of ``str``. ``HDF5Datasets`` follows the original's file layout
(one dataset per leaf, attributes ``type``/``path``/``dtype``), read back as ``HDF5Dataset``
objects; the original's venv has no h5py, so that part is checked against its documented layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Set, Union

import pytest

from dflow import Step, Workflow
from dflow.config import config, s3_config
from dflow.python import (
    OP,
    OPIO,
    Artifact,
    HDF5Dataset,
    HDF5Datasets,
    NestedDict,
    OPIOSign,
    PythonOPTemplate,
    SignError,
)

TYPES = {
    "d": Artifact(Dict[str, Path]),
    "n": Artifact(NestedDict[Path]),
    "l": Artifact(List[Path]),
    "s": Artifact(Set[str]),
    "ds": Artifact(Dict[str, str]),
    "h": Artifact(HDF5Datasets),
    "u": Artifact(Union[Path, HDF5Datasets]),
    "uh": Artifact(Union[List[Path], HDF5Datasets]),
}


class Make(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign(TYPES)

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        for name in ("a.txt", "sub/b.txt", "c.txt", "d.txt", "tree/leaf.txt"):
            Path(name).parent.mkdir(parents=True, exist_ok=True)
            Path(name).write_text(name)
        return OPIO(
            {
                "d": {"a": Path("a.txt"), "b": Path("sub/b.txt")},
                "n": {"x": {"y": Path("c.txt")}, "l": [Path("a.txt"), Path("d.txt")]},
                "l": [Path("c.txt"), Path("a.txt")],
                "s": {"a.txt"},
                "ds": {"k": "d.txt"},
                "h": {
                    "num": 3,
                    "text": "hi",
                    "file": Path("c.txt"),
                    "none": None,
                    "tree": Path("tree"),
                    "list": [1.5, 2.5],
                },  # fmt: skip
                "u": Path("d.txt"),  # given as a path: stored as one
                "uh": [{"k": 1}, {"k": 2}],  # not paths: stored as HDF5 datasets
            }
        )


def _show(value):
    if isinstance(value, dict):
        return {k: _show(v) for k, v in value.items()}
    if isinstance(value, set):
        return sorted(_show(v) for v in value)
    if isinstance(value, list):
        return [_show(v) for v in value]
    if isinstance(value, HDF5Dataset):
        return ["HDF5Dataset", value.get_data()]
    if value is None:
        return None
    return [type(value).__name__, Path(value).read_text()]


class Use(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign(TYPES)

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"report": dict, "recovered": str})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        h = op_in["h"]
        report = {k: _show(op_in[k]) for k in TYPES if k != "h"}
        report["h"] = {
            "num": int(h["num"].get_data()),
            "text": h["text"].get_data(),
            "file": h["file"].get_data(),
            "none": h["none"],
            "list": [float(x.get_data()) for x in h["list"]],
        }
        tree = h["tree"].recover()  # the directory, written back under the working directory
        return OPIO({"report": report, "recovered": (tree / "leaf.txt").read_text()})


def test_every_original_type_is_accepted_and_others_are_not() -> None:
    for sign in TYPES.values():
        assert sign.type is not None
    for t in (Set[Path], List[str], Union[str, HDF5Datasets], NestedDict[str]):
        Artifact(t)
    with pytest.raises(SignError, match="Artifact type must be one of .*got int"):
        Artifact(int)
    with pytest.raises(SignError, match="Dict\\[str, int\\]"):
        Artifact(Dict[str, int])


def test_nested_dict_types_share_their_base() -> None:
    from dflow.python.opio import NestedDictBase

    # checked against pydflow 1.8.134: both NestedDict types derive from NestedDictBase
    assert all(issubclass(t, NestedDictBase) for t in NestedDict.values())
    assert not issubclass(HDF5Datasets, NestedDictBase)


def test_round_trip_on_the_local_engine(tmp_path, monkeypatch) -> None:
    pytest.importorskip("h5py")
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    make = Step("make", PythonOPTemplate(Make))
    use = Step(
        "use", PythonOPTemplate(Use), artifacts={k: make.outputs.artifacts[k] for k in TYPES}
    )
    wf = Workflow("artifact-types")
    wf.add(make)
    wf.add(use)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    out = wf.query_step(name="use")[0].outputs.parameters
    assert out["report"].value == {
        # the same report as on the original
        "d": {"a": ["PosixPath", "a.txt"], "b": ["PosixPath", "sub/b.txt"]},
        "ds": {"k": ["str", "d.txt"]},
        "l": [["PosixPath", "c.txt"], ["PosixPath", "a.txt"]],
        "n": {
            "l": [["PosixPath", "a.txt"], ["PosixPath", "d.txt"]],
            "x": {"y": ["PosixPath", "c.txt"]},
        },
        "s": [["str", "a.txt"]],
        # a Union takes the form the value was stored in
        "u": ["PosixPath", "d.txt"],
        "uh": [{"k": ["HDF5Dataset", 1]}, {"k": ["HDF5Dataset", 2]}],
        "h": {"num": 3, "text": "hi", "file": "c.txt", "none": None, "list": [1.5, 2.5]},
    }
    assert out["recovered"].value == "tree/leaf.txt"


class CountNested(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"d": Artifact(NestedDict[Path])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"names": List[str]})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        d = op_in["d"]
        assert isinstance(d, list), d
        return OPIO({"names": sorted(Path(p).name for p in d)})


def test_a_list_upload_given_to_a_nested_dict_is_its_list(tmp_path, monkeypatch) -> None:
    # checked against pydflow 1.8.134: the OP gets a list of the 2 paths (dpgen2's init_data)
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    monkeypatch.chdir(tmp_path)
    from dflow import upload_artifact

    for name in ("foo", "bar"):
        Path("data", name).mkdir(parents=True)
        Path("data", name, "a").write_text(name)
    art = upload_artifact([Path("data/foo"), Path("data/bar")])
    wf = Workflow("nested-list")
    wf.add(Step("count", PythonOPTemplate(CountNested), artifacts={"d": art}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="count")[0].outputs.parameters["names"].value == ["bar", "foo"]
