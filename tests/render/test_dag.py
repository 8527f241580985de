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
    assert tasks["b"]["dependencies"] == ["a"]
    assert tasks["c"]["dependencies"] == ["b", "a"]
    assert tasks["d"]["depends"] == "c.Succeeded || c.Failed"


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
    assert tasks["fan-check-success"]["dependencies"] == ["fan"]
    assert tasks["after"]["dependencies"] == ["fan", "fan-check-success"]
    assert tasks["fan"]["continueOn"] == {"failed": True}
