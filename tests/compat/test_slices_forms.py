"""``Slices`` takes the original's forms and keywords (checked against pydflow 1.8.134).

The original's ``Slices`` has the keywords listed below; its ``slices`` defaults to
``"{{item}}"``, or ``"{{item.order}}"`` with ``sub_path=True`` and no ``group_size``; a Python
expression as the slice (``"int('{{item}}')"``) runs there (the workflow succeeded in debug mode
with ``x=[1, 2, 3]``; its per-item values are its debug mode's internal records, ours are 1, 4, 9).
"""

from __future__ import annotations

import inspect
import time
from pathlib import Path
from typing import List

import pytest

from dflow import Step, Workflow, argo_range
from dflow.config import config, s3_config
from dflow.errors import InvalidWorkflowError
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices
from dflow.python.runtime import slice_index

ORIGINAL_KEYWORDS = [
    "slices",
    "input_parameter",
    "input_artifact",
    "output_parameter",
    "output_artifact",
    "sub_path",
    "group_size",
    "shuffle",
    "random_seed",
    "pool_size",
    "pool_timeout",
    "register_first_only",
    "create_dir",
    "raise_for_group",
]


class Square(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": int, "nap": float})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        time.sleep(op_in["nap"])
        return OPIO({"y": op_in["x"] ** 2})


def test_every_keyword_of_the_original(render) -> None:
    assert list(inspect.signature(Slices).parameters) == ORIGINAL_KEYWORDS
    assert Slices().slices == "{{item}}"
    assert Slices(sub_path=True).slices == "{{item.order}}"
    assert Slices(sub_path=True, group_size=2).slices == "{{item}}"
    s = Slices(
        input_parameter=["x"],
        group_size=2,
        pool_size=2,
        pool_timeout=30,
        random_seed=7,
        register_first_only=True,
        create_dir=True,
        raise_for_group=True,
    )
    assert (s.pool_timeout, s.random_seed, s.create_dir, s.raise_for_group) == (30, 7, True, True)
    wf = Workflow("keywords")
    wf.add(Step("s", PythonOPTemplate(Square, slices=s), parameters={"x": [1], "nap": 0},
                with_param=argo_range(1)))  # fmt: skip
    sources = [t["script"]["source"] for t in render(wf)["spec"]["templates"] if "script" in t]
    assert any("pool_timeout=30" in source for source in sources)  # the group pod honours it
    with pytest.raises(InvalidWorkflowError, match="random_seed must be an int"):
        Slices(group_size=2, shuffle=True, random_seed="7")
    with pytest.raises(InvalidWorkflowError, match="pool_timeout must be positive"):
        Slices(pool_timeout=0)


def test_slice_indices_as_python_expressions() -> None:
    assert slice_index("3") == 3
    assert slice_index("[1, 2]") == [1, 2]
    assert slice_index("int('3')") == 3
    assert slice_index("[2*3, 7]") == [6, 7]
    assert slice_index("list(range(2, 4))") == [2, 3]


@pytest.fixture
def debug_mode(tmp_path, monkeypatch):
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)


def test_a_python_expression_slice_runs(debug_mode) -> None:
    slices = Slices("int('{{item}}')", input_parameter=["x"], output_parameter=["y"])
    step = Step(
        "sq",
        PythonOPTemplate(Square, slices=slices),
        parameters={"x": [1, 2, 3], "nap": 0},
        with_param=argo_range(3),
    )
    wf = Workflow("py-slice")
    wf.add(step)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    items = [s for s in wf.query_step(name="sq") if s.get("type") == "Pod"]
    assert sorted(s.outputs.parameters["y"].value for s in items) == [1, 4, 9]


def test_pool_timeout_fails_a_slow_group(debug_mode) -> None:
    slices = Slices(
        input_parameter=["x"], output_parameter=["y"], group_size=2, pool_size=2, pool_timeout=1
    )
    step = Step(
        "slow",
        PythonOPTemplate(Square, slices=slices),
        parameters={"x": [1, 2], "nap": 8},
        with_param=argo_range(2),
    )
    wf = Workflow("pool-timeout")
    wf.add(step)
    started = time.monotonic()
    wf.submit()
    assert wf.query_status() == "Failed"
    assert time.monotonic() - started < 8  # the pool was stopped, not waited for


class MakeFiles(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"n": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"files": Artifact(List[Path])})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        out = []
        for i in range(op_in["n"]):
            path = Path(f"d{i}/f{i}.txt")
            path.parent.mkdir(exist_ok=True)
            path.write_text(str(i + 1))
            out.append(path)
        return OPIO({"files": out})


class Double(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"f": Artifact(Path)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"g": Artifact(Path), "v": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        value = int(Path(op_in["f"]).read_text()) * 2
        # a name of its own: the items' stacked files keep their paths, as in the original
        Path(f"g{value}.txt").write_text(str(value))
        return OPIO({"g": Path(f"g{value}.txt"), "v": value})


class Total(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"gs": Artifact(List[Path])})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"s": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"s": sum(int(Path(p).read_text()) for p in op_in["gs"])})


def _sub_path_workflow() -> Workflow:
    # Checked against the original 1.8.134 (debug mode): with this workflow it adds a step
    # "dbl-init-artifact" whose dflow_slices_path is [{'order': 0, 'f': 'd0/f0.txt'},
    # {'order': 1, 'f': 'd1/f1.txt'}, {'order': 2, 'f': 'd2/f2.txt'}], then "dbl" runs three
    # pods, each with its own file (d0/f0.txt, d1/f1.txt, d2/f2.txt), v = 2, 4, 6, and the
    # workflow succeeds. On Argo it renders the same pair: the init step reads the artifact's
    # catalog and "dbl" has withParam over its dflow_slices_path with the slice "{{item.order}}".
    make = Step("make", PythonOPTemplate(MakeFiles), parameters={"n": 3})
    slices = Slices(sub_path=True, input_artifact=["f"], output_artifact=["g"],
                    output_parameter=["v"])  # fmt: skip
    dbl = Step("dbl", PythonOPTemplate(Double, slices=slices),
               artifacts={"f": make.outputs.artifacts["files"]})  # fmt: skip
    total = Step("total", PythonOPTemplate(Total), artifacts={"gs": dbl.outputs.artifacts["g"]})
    wf = Workflow("sub-path")
    wf.add(make)
    wf.add(dbl)
    wf.add(total)
    return wf


def test_sub_path_without_fan_out_renders_an_init_step(render) -> None:
    manifest = render(_sub_path_workflow())
    templates = {t["name"]: t for t in manifest["spec"]["templates"]}
    wrapper = next(t for t in templates.values() if t["name"].endswith("-dbl-entries"))
    init, inner = (group[0] for group in wrapper["steps"])
    assert init["name"] == "dbl-init-artifact"
    assert inner["name"] == "dbl"
    assert inner["withParam"] == "{{steps.dbl-init-artifact.outputs.parameters.dflow_slices_path}}"
    assert {"name": "dflow_slice", "value": "{{item.order}}"} in inner["arguments"]["parameters"]
    lister = templates[init["template"]]
    assert lister["outputs"]["parameters"][0]["name"] == "dflow_slices_path"
    assert [a["name"] for a in lister["inputs"]["artifacts"]] == ["f"]


def test_sub_path_without_fan_out_runs_one_item_per_entry(debug_mode) -> None:
    wf = _sub_path_workflow()
    wf.submit()
    assert wf.query_status() == "Succeeded"
    (init,) = wf.query_step(name="dbl-init-artifact")
    assert init.outputs.parameters["dflow_slices_path"].value in (
        [{"order": 0, "f": "d0/f0.txt"}, {"order": 1, "f": "d1/f1.txt"},
         {"order": 2, "f": "d2/f2.txt"}],
        '[{"order": 0, "f": "d0/f0.txt"}, {"order": 1, "f": "d1/f1.txt"}, '
        '{"order": 2, "f": "d2/f2.txt"}]',
    )  # fmt: skip
    items = [s for s in wf.query_step(name="dbl") if s.get("type") == "Pod"]
    assert sorted(s.outputs.parameters["v"].value for s in items) == [2, 4, 6]
    (total,) = [s for s in wf.query_step(name="total") if s.get("type") == "Pod"]
    assert total.outputs.parameters["s"].value == 12


def test_sub_path_without_fan_out_needs_a_sliced_artifact(render) -> None:
    wf = Workflow("sub-path-bad")
    wf.add(Step("sq", PythonOPTemplate(Square, slices=Slices(sub_path=True, input_parameter=["x"])),
                parameters={"x": [1], "nap": 0}))  # fmt: skip
    with pytest.raises(InvalidWorkflowError, match="step 'sq'.*needs input_artifact"):
        render(wf)
