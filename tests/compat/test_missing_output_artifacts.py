"""An OP that gives None (or a path that does not exist) for an output artifact succeeds, and the
next step gets None in its place (checked against 1.8.134).

- ``execute`` decorated with ``OP.exec_sign_check`` returning ``{"out": None}`` for an
  ``Artifact(Path)`` output: the original returned ``{'out': None}``.
- In debug mode a producer returning None, ``Path("no-such-file")`` and ``[missing, None]`` for
  ``Artifact(Path)``, ``Artifact(Path)`` and ``Artifact(List[Path])``: the workflow Succeeded
  and the consumer got ``{'none': None, 'gone': None, 'lst': [None, None]}``.
- A sliced producer whose item 1 gives None: the consumer of the stacked output got
  ``['0', None, '2']``.
"""

from __future__ import annotations

from pathlib import Path
from typing import List

from dflow import Step, Workflow
from dflow.config import config, s3_config
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices


def _debug(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)


class Produce(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign(
            {"none": Artifact(Path), "gone": Artifact(Path), "lst": Artifact(List[Path])}
        )

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"none": None, "gone": Path("no-such-file"), "lst": [Path("no-such"), None]})


class Consume(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign(
            {"none": Artifact(Path), "gone": Artifact(Path), "lst": Artifact(List[Path])}
        )

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"seen": str})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"seen": repr({k: op_in[k] for k in ("none", "gone", "lst")})})


def test_exec_sign_check_lets_an_output_artifact_be_none() -> None:
    assert dict(Produce().execute(OPIO({}))) == {
        "none": None,
        "gone": Path("no-such-file"),
        "lst": [Path("no-such"), None],
    }


def test_the_next_step_gets_none_for_a_missing_output(tmp_path, monkeypatch) -> None:
    _debug(tmp_path, monkeypatch)
    produce = Step("produce", PythonOPTemplate(Produce))
    consume = Step(
        "consume",
        PythonOPTemplate(Consume),
        artifacts={k: produce.outputs.artifacts[k] for k in ("none", "gone", "lst")},
    )
    wf = Workflow("missing-outputs")
    wf.add(produce)
    wf.add(consume)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    seen = wf.query_step(name="consume")[0].outputs.parameters["seen"].value
    assert seen == repr({"none": None, "gone": None, "lst": [None, None]})


class Make(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"i": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"f": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        if op_in["i"] == 1:
            return OPIO({"f": None})
        path = Path(f"f{op_in['i']}.txt")
        path.write_text(str(op_in["i"]))
        return OPIO({"f": path})


class Read(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"fs": Artifact(List[Path])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"texts": List})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"texts": [None if f is None else f.read_text() for f in op_in["fs"]]})


def test_a_sliced_item_giving_none_leaves_none_in_its_place(tmp_path, monkeypatch) -> None:
    _debug(tmp_path, monkeypatch)
    sliced = Slices("{{item}}", input_parameter=["i"], output_artifact=["f"])
    make = Step(
        "make",
        PythonOPTemplate(Make, slices=sliced),
        parameters={"i": [0, 1, 2]},
        with_param=[0, 1, 2],
    )
    read = Step("read", PythonOPTemplate(Read), artifacts={"fs": make.outputs.artifacts["f"]})
    wf = Workflow("missing-sliced-output")
    wf.add(make)
    wf.add(read)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="read")[0].outputs.parameters["texts"].value == ["0", None, "2"]
