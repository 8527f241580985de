"""The helpers of ``dflow.python.op`` that turn an annotated function into OP signs."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, NamedTuple, Tuple, TypedDict

import pytest

from dflow.python import OPIO, Artifact, Parameter
from dflow.python.errors import SignError
from dflow.python.op import get_sign_from_func, get_source_code, type2opiosign


class Pair(NamedTuple):
    a: int
    b: str


class Result(TypedDict):
    x: int


def test_type2opiosign_maps_each_return_annotation():
    # checked against pydflow 1.8.134: the signs and both maps of each form
    sign, to_out, from_out = type2opiosign(None)
    assert dict(sign) == {} and to_out(None) == {} and from_out({}) is None
    sign, to_out, from_out = type2opiosign({"a": int})
    assert dict(sign) == {"a": int} and to_out({"a": 1}) == {"a": 1}
    sign, to_out, from_out = type2opiosign(Pair)
    assert dict(sign) == {"a": int, "b": str}
    assert to_out(Pair(1, "x")) == {"a": 1, "b": "x"}
    assert from_out({"b": "x", "a": 1}) == (1, "x")
    sign, to_out, from_out = type2opiosign(Result)
    assert dict(sign) == {"x": int} and from_out({"x": 2}) == {"x": 2}
    sign, to_out, from_out = type2opiosign(Tuple[int, str])
    assert dict(sign) == {"dflow_output_0": int, "dflow_output_1": str}
    assert to_out((1, "x")) == {"dflow_output_0": 1, "dflow_output_1": "x"}
    assert from_out({"dflow_output_1": "x", "dflow_output_0": 1}) == (1, "x")
    sign, to_out, from_out = type2opiosign(int)
    assert dict(sign) == {"dflow_output": int}
    assert to_out(3) == {"dflow_output": 3} and from_out({"dflow_output": 3}) == 3


def test_get_sign_from_func_reads_annotations_and_defaults():
    def f(a: int, b: Artifact(str) = None, c=3, d: Parameter(int) = 4) -> Tuple[int, str]:
        return a, "x"

    inputs, outputs, to_out, from_out = get_sign_from_func(f)
    # checked against pydflow 1.8.134: b optional, c Parameter(Any, default=3), d default 4
    assert inputs["a"] is int
    assert isinstance(inputs["b"], Artifact) and inputs["b"].optional
    assert isinstance(inputs["c"], Parameter) and inputs["c"].type is Any
    assert inputs["c"].default == 3 and inputs["d"].default == 4
    assert dict(outputs) == {"dflow_output_0": int, "dflow_output_1": str}
    assert OPIO(to_out(f(1))) == OPIO({"dflow_output_0": 1, "dflow_output_1": "x"})

    def g(*args: int) -> None: ...

    with pytest.raises(SignError, match="args"):
        get_sign_from_func(g)


def test_get_source_code_is_the_file_up_to_the_definition(tmp_path, monkeypatch):
    (tmp_path / "mod_src.py").write_text(
        "import os\n\nX = 1\n\n\ndef f(a: int) -> int:\n    return a + X\n\n\nY = 2\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import mod_src

    try:
        # checked against pydflow 1.8.134: the same text
        assert get_source_code(mod_src.f) == (
            "import os\n\nX = 1\n\n\ndef f(a: int) -> int:\n    return a + X\n\n"
        )
    finally:
        sys.modules.pop("mod_src", None)


def test_handle_packages_script_makes_shipped_packages_importable(tmp_path):
    from dflow.python.python_op_template import handle_packages_script

    # GIVEN a package shipped under a root WHEN the lines run in a fresh interpreter
    (tmp_path / "shipped_pkg").mkdir()
    (tmp_path / "shipped_pkg" / "__init__.py").write_text("VALUE = 42\n")
    script = (
        handle_packages_script(str(tmp_path)) + "\nimport shipped_pkg\nprint(shipped_pkg.VALUE)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd="/", check=False
    )
    # THEN the package imports from there
    assert done.returncode == 0, done.stderr
    assert done.stdout == "42\n"


def test_argo_sequence_to_and_from_dict():
    from dflow import argo_len, argo_sequence
    from dflow.expressions import ArgoSequence, ArgoVar

    # checked against pydflow 1.8.134: unset fields are None, an expression its {{=...}} text
    seq = argo_sequence(3, start=1, format="%02d")
    assert seq.to_dict() == {"count": 3, "start": 1, "end": None, "format": "%02d"}
    counted = argo_sequence(argo_len(ArgoVar("inputs.parameters.x")), format="%d")
    assert counted.to_dict() == {
        "count": "{{=len(sprig.fromJson(inputs.parameters.x))}}",
        "start": None,
        "end": None,
        "format": "%d",
    }
    back = ArgoSequence.from_dict({"start": 2, "end": 5})
    assert (back.count, back.start, back.end, back.format) == (None, 2, 5, None)
    assert ArgoSequence.from_dict(seq.to_dict()).to_dict() == seq.to_dict()
    assert ArgoSequence.from_dict(None) is None
