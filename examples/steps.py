"""Steps: shell templates in sequence and in parallel, passing parameters and artifacts.

python examples/steps.py                  # on the Argo server in config["host"]
DFLOW_MODE=debug python examples/steps.py # on this machine
"""

from __future__ import annotations

import sys

from dflow import (
    InputArtifact,
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
    Step,
    Workflow,
    download_artifact,
)

hello = ShellOPTemplate(
    name="hello",
    image="alpine:3",
    script="mkdir -p /tmp/outputs\n"
    "echo 'Hello, {{inputs.parameters.who}}!' > /tmp/outputs/greeting.txt\n"
    "echo {{inputs.parameters.who}} | wc -c > /tmp/outputs/length",
    inputs=Inputs(parameters={"who": InputParameter()}),
    outputs=Outputs(
        parameters={"length": OutputParameter(value_from_path="/tmp/outputs/length")},
        artifacts={"greeting": OutputArtifact(path="/tmp/outputs/greeting.txt")},
    ),
)

shout = ShellOPTemplate(
    name="shout",
    image="alpine:3",
    script="mkdir -p /tmp/outputs\n"
    "tr a-z A-Z < /tmp/inputs/greeting.txt > /tmp/outputs/loud.txt\n"
    "echo '(length was {{inputs.parameters.length}})' >> /tmp/outputs/loud.txt",
    inputs=Inputs(
        parameters={"length": InputParameter()},
        artifacts={"greeting": InputArtifact(path="/tmp/inputs/greeting.txt")},
    ),
    outputs=Outputs(artifacts={"loud": OutputArtifact(path="/tmp/outputs/loud.txt")}),
)


def build() -> Workflow:
    wf = Workflow("steps")
    first = Step("hello-world", hello, parameters={"who": "world"})
    wf.add(first)
    wf.add(
        [
            Step(
                f"shout-{i}",
                shout,
                parameters={"length": first.outputs.parameters["length"]},
                artifacts={"greeting": first.outputs.artifacts["greeting"]},
            )
            for i in (1, 2)
        ]
    )
    return wf


def main() -> int:
    wf = build()
    wf.submit()
    phase = wf.wait()
    print(f"workflow {wf.id}: {phase}")
    if phase != "Succeeded":
        return 1
    step = wf.query_step(name="shout-1")[0]
    (path,) = download_artifact(step.outputs.artifacts["loud"], path=f"./{wf.id}")
    print(open(path).read().strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
