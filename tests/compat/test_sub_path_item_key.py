"""A ``Slices(sub_path=True)`` step keyed ``count-{{item.order}}``, and given parameters naming
the item: each entry of the artifact is a step keyed by its order.

Checked against 1.8.134 (debug mode): ``Step("count", PythonOPTemplate(Count,
slices=Slices(sub_path=True, input_parameter=["name"], input_artifact=["f"],
output_artifact=["g"], output_parameter=["n"])), parameters={"name": ["x", "y", "z"]},
artifacts={"f": <upload of in0.txt, in1.txt, in2.txt>}, key="count-{{item.order}}")`` printed
``Succeeded``, the keys ``count-0``, ``count-1``, ``count-2`` (Pods, ``Succeeded``) and
``count-group-init-artifact``. A step ``tag`` given ``{"tag": "t-{{item.order}}", "whole":
"{{item}}"}`` printed ``t-0|{"order": 0, "f": "in0.txt"}|a`` and so on, one per entry. Ours
used to fail with "unresolved reference 'item.order'".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dflow import Step, Workflow, upload_artifact
from dflow.config import config, s3_config
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices


class Count(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"name": str, "f": Artifact(Path)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"n": int, "g": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        g = Path("g-" + op_in["name"])
        g.write_text(op_in["f"].read_text() * 2)
        return OPIO({"n": len(op_in["f"].read_text()), "g": g})


class Tag(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"tag": str, "whole": str, "f": Artifact(Path)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": str})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"y": "%s|%s|%s" % (op_in["tag"], op_in["whole"], op_in["f"].read_text())})


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    monkeypatch.chdir(tmp_path)
    for i, text in enumerate(["a", "bb", "ccc"]):
        Path(f"in{i}.txt").write_text(text)
    return upload_artifact([Path(f"in{i}.txt") for i in range(3)])


def test_each_entry_is_keyed_by_its_order(files, render) -> None:
    slices = Slices(
        sub_path=True,
        input_parameter=["name"],
        input_artifact=["f"],
        output_artifact=["g"],
        output_parameter=["n"],
    )
    count = Step(
        "count",
        PythonOPTemplate(Count, slices=slices),
        parameters={"name": ["x", "y", "z"]},
        artifacts={"f": files},
        key="count-{{item.order}}",
    )
    wf = Workflow("subkey")
    wf.add(count)
    render(wf)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    keys = sorted(wf.query_keys_of_steps())
    assert keys == ["count-0", "count-1", "count-2", "count-group-init-artifact"]
    items = sorted(wf.query_step(key=["count-0", "count-1", "count-2"]), key=lambda s: s.key)
    assert [(s.key, s.type, s.phase) for s in items] == [
        (f"count-{i}", "Pod", "Succeeded") for i in range(3)
    ]
    assert [s.outputs.parameters["n"].value for s in items] == [1, 2, 3]


def test_parameters_naming_the_item_read_each_entry(files, render) -> None:
    tag = Step(
        "tag",
        PythonOPTemplate(
            Tag, slices=Slices(sub_path=True, input_artifact=["f"], output_parameter=["y"])
        ),
        parameters={"tag": "t-{{item.order}}", "whole": "{{item}}"},
        artifacts={"f": files},
    )
    wf = Workflow("subpar")
    wf.add(tag)
    render(wf)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert len(wf.query_step(name="tag", type="Pod")) == 3
    (stacked,) = wf.query_step(name="tag", type="Steps")  # ours: the wrapper the step runs
    assert stacked.outputs.parameters["y"].value == [
        't-%d|{"order": %d, "f": "in%d.txt"}|%s' % (i, i, i, text)
        for i, text in enumerate(["a", "bb", "ccc"])
    ]
