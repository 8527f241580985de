"""The reference release's graph of each example (``tests/data/graph_1.8.134``, written by
``scripts/reference_graphs.py``), read by ``Workflow.from_graph_json``, runs on the local engine
to the result the example itself gives."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from test_local_examples import EXAMPLES, EXPECTED

from dflow import Workflow

GRAPHS = Path(__file__).resolve().parents[2] / "data" / "graph_1.8.134"


def test_every_example_the_reference_builds_has_its_graph():
    # the dispatcher example uses a keyword the reference's DispatcherExecutor does not have
    assert sorted(p.stem for p in GRAPHS.glob("*.json")) == sorted(set(EXPECTED) - {"dispatcher"})


@pytest.mark.parametrize("name", sorted(p.stem for p in GRAPHS.glob("*.json")))
def test_reference_graph_runs_like_the_example(name, local_root, capsys, monkeypatch, tmp_path):
    # GIVEN the example's main, whose workflow is read from the reference's graph instead
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"graph_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    text = (GRAPHS / f"{name}.json").read_text()
    monkeypatch.setattr(module, "build", lambda: Workflow.from_graph_json(text))
    # WHEN it runs THEN it succeeds with the example's own result
    assert module.main() == 0
    assert EXPECTED[name] in capsys.readouterr().out
