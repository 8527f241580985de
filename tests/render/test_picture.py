"""Pictures of workflows: every example drawn to SVG by the real Graphviz ``dot`` and parsed back,
Mermaid and DOT text, fan-outs and recursion, colours by phase after a run on the local engine."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from dflow import DAG, ShellOPTemplate, Step, Task, Workflow
from dflow.cli import main
from dflow.config import config, s3_config
from dflow.render.picture import GraphvizMissingError, workflow_picture

GOLDEN = sorted((Path(__file__).resolve().parent.parent / "golden").glob("*.yaml"))
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")


def _step_names(manifest):
    """Every step and task name of the manifest's composite templates."""
    names = set()
    for t in manifest["spec"]["templates"]:
        for group in t.get("steps") or ():
            names.update(s["name"] for s in group)
        names.update(task["name"] for task in (t.get("dag") or {}).get("tasks") or ())
    return names


@needs_dot
@pytest.mark.parametrize("golden", GOLDEN, ids=lambda p: p.stem)
def test_every_example_draws_to_svg(golden, tmp_path, capsys):
    # GIVEN the manifest of an example, WHEN `dflow graph FILE -o out.svg` draws it
    out = tmp_path / "out.svg"
    assert main(["graph", str(golden), "-o", str(out)]) == 0
    # THEN the SVG parses, has one node per node of the DOT text, and names every step
    root = ET.parse(out).getroot()
    assert root.tag == f"{SVG}svg"
    manifest = yaml.safe_load(golden.read_text())
    dot = workflow_picture(manifest, "dot")
    drawn = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    assert len(drawn) == len(re.findall(r"^\s*n\d+ \[", dot, re.M))
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for name in _step_names(manifest):
        assert name in texts, name


def _diamond() -> Workflow:
    say = ShellOPTemplate(name="say", image="alpine:3", script="echo hi")
    dag = DAG("diamond")
    top = Task("top", say)
    left = Task("left", say, dependencies=[top])
    right = Task("right", say, dependencies=["top"])
    xs = "{{workflow.parameters.xs}}"
    bottom = Task("bottom", say, dependencies=[left, right], with_param=xs)
    dag.add([top, left, right, bottom])
    return Workflow("diamond", dag=dag)


def test_dag_edges_and_fan_out_in_mermaid_and_dot():
    wf = _diamond()
    mermaid = wf.to_graph("mermaid")
    assert mermaid.startswith("flowchart TD\n")
    ids = dict(re.findall(r'(n\d+)\("([^"]+)"\)', mermaid))
    by_label = {v: k for k, v in ids.items()}
    assert set(by_label) == {"top", "left", "right", "bottom ×N"}
    edges = set(re.findall(r"(n\d+) --> (n\d+)", mermaid))
    expected = {("top", "left"), ("top", "right"), ("left", "bottom ×N"), ("right", "bottom ×N")}
    assert edges == {(by_label[a], by_label[b]) for a, b in expected}
    dot = wf.to_graph("dot")
    assert dot.startswith('digraph "diamond" {') and dot.count(" -> ") == 4


def test_items_count_and_recursion_drawn_once():
    leaf = ShellOPTemplate(name="leaf", image="alpine:3", script="true")
    loop = Steps_with_recursion(leaf)
    wf = Workflow("rec")
    wf.add(Step("fan", leaf, with_items=[1, 2, 3, 4, 5]))
    wf.add(Step("loop", loop))
    text = wf.to_graph("dot")
    assert 'label="fan ×5"' in text
    # the loop template is expanded once, its call to itself is one dashed node
    assert text.count("cluster_") == 2
    assert text.count("↻ loop") == 1


def Steps_with_recursion(leaf):
    from dflow import Steps

    loop = Steps("loop")
    loop.add(Step("work", leaf))
    loop.add(Step("again", loop, when="1 < 0"))
    return loop


def test_without_format_returns_the_graph_for_the_code_generator():
    # as in the original, to_graph() with no format gives the graph dict (templates by name),
    # which from_graph and gen_code read
    from dflow import Workflow
    from dflow.code_gen import gen_code

    wf = _diamond()
    graph = wf.to_graph()
    assert graph["entrypoint"] in graph["templates"]
    assert Workflow.from_graph(graph).to_dict() == wf.to_dict()
    assert "Workflow(" in gen_code(graph)


def test_unknown_format_and_missing_graphviz(monkeypatch, tmp_path, capsys):
    wf = _diamond()
    with pytest.raises(ValueError, match="'gif'"):
        wf.to_graph("gif")
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on this PATH
    with pytest.raises(GraphvizMissingError, match="Debian package graphviz"):
        wf.to_graph("svg")
    golden = str(GOLDEN[0])
    assert main(["graph", golden, "-o", str(tmp_path / "x.png")]) == 3
    assert "graphviz" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
    # text formats need nothing
    assert main(["graph", golden, "-T", "mermaid"]) == 0
    assert capsys.readouterr().out.startswith("flowchart TD")
    assert main(["graph", golden, "-o", str(tmp_path / "x.txt")]) == 2


@pytest.fixture
def debug_mode(tmp_path, monkeypatch):
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_coloured_by_phase_after_a_local_run(debug_mode, capsys):
    ok = ShellOPTemplate(name="ok", script="true")
    bad = ShellOPTemplate(name="bad", script="exit 1")
    wf = Workflow("colours")
    wf.add(Step("fine", ok))
    wf.add([Step("broken", bad, continue_on_failed=True), Step("items", ok, with_items=[1, 2])])
    wf.submit()
    wf.wait()
    dot = wf.to_graph("dot")
    assert re.search(r'label="fine", fillcolor="#a7e3b0"', dot)
    assert re.search(r'label="broken", fillcolor="#f5a3a3"', dot)
    assert re.search(r'label="items ×2", fillcolor="#a7e3b0"', dot)
    # and by id from the command line
    assert main(["--mode", "debug", "graph", wf.id, "-T", "mermaid"]) == 0
    out = capsys.readouterr().out
    assert "classDef Failed" in out and "classDef Succeeded" in out
