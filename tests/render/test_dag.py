"""Rendering of DAGs: dependencies from references and from Task(dependencies=...)."""

from __future__ import annotations

from render_helpers import by_name, echo_template

from dflow import DAG, Step, Task, Workflow


def test_dependencies_inferred_and_explicit(render):
    t = echo_template()
    dag = DAG("graph")
    a = Task("a", t, parameters={"msg": "a"})
    b = Task("b", t, parameters={"msg": a.outputs.parameters["out"]})
    c = Task(
        "c",
        t,
        parameters={"msg": "c"},
        artifacts={"data": a.outputs.artifacts["f"]},
        dependencies=[b],
    )
    d = Task("d", t, parameters={"msg": "d"}, dependencies=["c.Succeeded || c.Failed"])
    dag.add([a, b, c, d])
    wf = Workflow("dags", dag=dag)
    m = render(wf)
    assert m["spec"]["entrypoint"] == "graph"
    tasks = {x["name"]: x for x in by_name(m)["graph"]["dag"]["tasks"]}
    assert "dependencies" not in tasks["a"] and "depends" not in tasks["a"]
    # as the original renders them: one parenthesized term per dependency, joined by &&
    assert tasks["b"]["depends"] == "(a.Succeeded)"
    assert tasks["c"]["depends"] == "(b.Succeeded) && (a.Succeeded)"
    assert tasks["d"]["depends"] == "(c.Succeeded || c.Failed)"
    assert not any("dependencies" in x for x in tasks.values())


def test_dag_inside_steps_and_outputs(render):
    t = echo_template()
    dag = DAG("inner-dag")
    a = Task("a", t, parameters={"msg": "a"})
    dag.add(a)
    wf = Workflow("mixed")
    wf.add(Step("run", dag))
    m = render(wf)
    assert by_name(m)["mixed"]["steps"][0][0]["template"] == "inner-dag"


def test_success_ratio_in_dag_adds_check_task_before_dependents(render):
    t = echo_template()
    dag = DAG("ratio")
    fan = Task(
        "fan",
        t,
        parameters={"msg": "{{item}}"},
        with_param=[1, 2, 3],
        continue_on_success_ratio=0.6,
    )
    after = Task("after", t, parameters={"msg": "x"}, dependencies=[fan])
    dag.add([fan, after])
    tasks = {x["name"]: x for x in by_name(render(Workflow("w", dag=dag)))["ratio"]["dag"]["tasks"]}
    check = "(fan.Succeeded || fan.Skipped || fan.Daemoned || fan.Failed)"
    assert tasks["fan-check-success"]["depends"] == check
    assert tasks["after"]["depends"] == "(fan-check-success.Succeeded)"
    assert tasks["fan"]["continueOn"] == {"failed": True}
