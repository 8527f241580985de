"""Recursion: a Steps that calls itself under a condition, the documented way to loop."""

from __future__ import annotations

import sys

from dflow import (
    InputParameter,
    Inputs,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
    Step,
    Steps,
    Workflow,
)

plus_one = ShellOPTemplate(
    name="plus-one",
    image="alpine:3",
    script="mkdir -p /tmp/outputs && echo $(({{inputs.parameters.i}} + 1)) > /tmp/outputs/i",
    inputs=Inputs(parameters={"i": InputParameter()}),
    outputs=Outputs(parameters={"i": OutputParameter(value_from_path="/tmp/outputs/i")}),
)


def build(limit: int = 3) -> Workflow:
    loop = Steps(
        "loop",
        inputs=Inputs(parameters={"i": InputParameter()}),
        outputs=Outputs(parameters={"i": OutputParameter()}),
    )
    add = Step("add", plus_one, parameters={"i": loop.inputs.parameters["i"]})
    loop.add(add)
    again = Step(
        "again",
        loop,
        parameters={"i": add.outputs.parameters["i"]},
        when="%s < %d" % (add.outputs.parameters["i"], limit),
    )
    loop.add(again)
    loop.outputs.parameters["i"].value_from_parameter = add.outputs.parameters["i"]
    wf = Workflow("recursion")
    wf.add(Step("count", loop, parameters={"i": 0}))
    return wf


def main() -> int:
    wf = build()
    wf.submit()
    phase = wf.wait()
    adds = wf.query_step(name="add")
    print(f"workflow {wf.id}: {phase}; {len(adds)} iterations")
    return 0 if phase == "Succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
