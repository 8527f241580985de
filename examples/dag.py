"""DAG: tasks start as soon as the tasks they depend on have finished (diamond shape)."""

from __future__ import annotations

import sys

from dflow import (
    DAG,
    InputParameter,
    Inputs,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
    Task,
    Workflow,
)

add = ShellOPTemplate(
    name="add",
    image="alpine:3",
    script="mkdir -p /tmp/outputs && "
    "echo $(({{inputs.parameters.a}} + {{inputs.parameters.b}})) > /tmp/outputs/sum",
    inputs=Inputs(parameters={"a": InputParameter(), "b": InputParameter(value=0)}),
    outputs=Outputs(parameters={"sum": OutputParameter(value_from_path="/tmp/outputs/sum")}),
)


def build() -> Workflow:
    dag = DAG("diamond")
    top = Task("top", add, parameters={"a": 1, "b": 1})
    left = Task("left", add, parameters={"a": top.outputs.parameters["sum"], "b": 10})
    right = Task("right", add, parameters={"a": top.outputs.parameters["sum"], "b": 100})
    bottom = Task(
        "bottom",
        add,
        parameters={"a": left.outputs.parameters["sum"], "b": right.outputs.parameters["sum"]},
    )
    dag.add([top, left, right, bottom])
    return Workflow("dag", dag=dag)


def main() -> int:
    wf = build()
    wf.submit()
    phase = wf.wait()
    bottom = wf.query_step(name="bottom")[0]
    print(f"workflow {wf.id}: {phase}; bottom = {bottom.outputs.parameters['sum'].value}")  # 114
    return 0 if phase == "Succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
