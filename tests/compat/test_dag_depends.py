"""DAG dependencies are rendered as the original renders them, and run with Argo's semantics.

Checked against the original 1.8.134: each dependency is one parenthesized ``depends`` term, joined
by ``&&`` - a referenced task or a ``Task`` in ``dependencies`` is ``(a.Succeeded)``, a string is
kept as written, ``"a"`` -> ``(a)``, ``"c.Failed"`` -> ``(c.Failed)`` - so on Argo a task whose
upstream failed (under ``continue_on_failed``) or was skipped by its ``when`` does not run (it is
``Omitted``), while ``"a.Succeeded || a.Failed"`` runs. (The original drops the reference to ``a``
of a task that also names ``"c.Failed"``, so it may start before ``a`` ends; we keep both terms.
Its debug mode reports "cyclic graph" for this workflow; Argo's answer is the one to match.)
"""

from __future__ import annotations

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import DAG, InputParameter, OutputParameter, ShellOPTemplate, Task, Workflow

ECHO = ShellOPTemplate(
    name="echo",
    image="alpine:3",
    script="echo {{inputs.parameters.m}} > /tmp/o; exit {{inputs.parameters.code}}",
)
ECHO.inputs.parameters = {"m": InputParameter(), "code": InputParameter(value=0)}
ECHO.outputs.parameters = {"o": OutputParameter(value_from_path="/tmp/o")}


def build():
    dag = DAG("d")
    a = Task("a", ECHO, parameters={"m": 1, "code": 1}, continue_on_failed=True)
    b = Task("b", ECHO, parameters={"m": a.outputs.parameters["o"]})
    c = Task("c", ECHO, parameters={"m": 3}, dependencies=[a])
    e = Task("e", ECHO, parameters={"m": 3}, when="1 > 2")
    f = Task("f", ECHO, parameters={"m": 3}, dependencies=[e])
    g = Task("g", ECHO, parameters={"m": 3}, dependencies=["a.Succeeded || a.Failed"])
    h = Task("h", ECHO, parameters={"m": a.outputs.parameters["o"]}, dependencies=["e", "c.Failed"])
    dag.add([a, b, c, e, f, g, h])
    return Workflow("deps", dag=dag)


def test_depends_rendered_as_the_original(render):
    tasks = {t["name"]: t for t in render(build())["spec"]["templates"][0]["dag"]["tasks"]}
    assert {n: t.get("depends") for n, t in tasks.items()} == {
        "a": None,
        "b": "(a.Succeeded)",
        "c": "(a.Succeeded)",
        "e": None,
        "f": "(e.Succeeded)",
        "g": "(a.Succeeded || a.Failed)",
        "h": "(e) && (c.Failed) && (a.Succeeded)",
    }
    assert not any("dependencies" in t for t in tasks.values())


@pytest.mark.usefixtures("debug")
def test_failed_or_skipped_upstream_omits_the_task():
    wf = build()
    wf.submit()
    assert wf.query_status() == "Succeeded"
    got = {s.displayName: (s.type, s.phase) for s in wf.query_step() if len(s.displayName) == 1}
    assert got == {
        "a": ("Pod", "Failed"),
        "b": ("Skipped", "Omitted"),
        "c": ("Skipped", "Omitted"),
        "e": ("Skipped", "Skipped"),
        "f": ("Skipped", "Omitted"),
        "g": ("Pod", "Succeeded"),
        "h": ("Skipped", "Omitted"),
    }
