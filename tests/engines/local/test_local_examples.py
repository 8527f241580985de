"""Every example of ``examples/`` runs on the local engine to the result it prints."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

EXPECTED = {
    "conditional_outputs": "Succeeded; said win",
    "dag": "Succeeded; bottom = 114",
    "dispatcher": "'be' appears 2 times",
    "error_handling": "Succeeded; flaky ran 3 times",
    "progress": "Succeeded; progress 5/5",
    "python_op": "Succeeded; sum = 10",
    "recursion": "Succeeded; 3 iterations",
    "reuse": "Succeeded; square-2 now gives 40",
    "slices": "Succeeded; total = 14",
    "steps": "HELLO, WORLD!",
    "success_ratio": "Succeeded",
}


def test_every_example_is_listed():
    assert sorted(p.stem for p in EXAMPLES.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example(name, local_root, capsys, monkeypatch, tmp_path):
    # GIVEN the example imported as `python examples/<name>.py` would (its folder on sys.path),
    # run from a scratch directory (examples download their results into the current one)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    # WHEN its main runs THEN it succeeds and prints the result computed by its steps
    assert module.main() == 0
    assert EXPECTED[name] in capsys.readouterr().out
