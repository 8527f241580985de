"""DPDispatcher: send a step to a batch system; here DPDispatcher's Shell on this machine.

DFLOW_MODE=debug python examples/dispatcher.py  # on this machine (needs pip install dpdispatcher)

The counting step is handed to DPDispatcher: its script and input go to a task directory under
REMOTE_ROOT, run there as a background shell job, and its outputs come back. For a cluster, give
``host``/``username``/``private_key_file`` (and ``queue_name``) instead of ``machine_dict``: the
default machine is Slurm over SSH.
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
)
from dflow.plugins.dispatcher import DispatcherExecutor

REMOTE_ROOT = "/var/tmp/dflow-dispatcher-example"

write = ShellOPTemplate(
    name="write",
    image="alpine:3",
    script="mkdir -p /tmp/outputs\n"
    "printf 'to be or not to be\\nthat is the question\\n' > /tmp/outputs/text.txt",
    outputs=Outputs(artifacts={"text": OutputArtifact(path="/tmp/outputs/text.txt")}),
)

count = ShellOPTemplate(
    name="count",
    image="alpine:3",
    script="mkdir -p /tmp/outputs\n"
    "tr ' ' '\\n' < /tmp/inputs/text.txt | grep -c '{{inputs.parameters.word}}' "
    "> /tmp/outputs/hits\n"
    'echo "counted on $(hostname) in $(pwd)"',
    inputs=Inputs(
        parameters={"word": InputParameter()},
        artifacts={"text": InputArtifact(path="/tmp/inputs/text.txt")},
    ),
    outputs=Outputs(parameters={"hits": OutputParameter(value_from_path="/tmp/outputs/hits")}),
)


def build() -> Workflow:
    shell = DispatcherExecutor(
        machine_dict={"batch_type": "Shell", "context_type": "LocalContext"},
        remote_root=REMOTE_ROOT,
        check_interval=1,
    )
    wf = Workflow("dispatcher")
    first = Step("write", write)
    wf.add(first)
    wf.add(
        Step(
            "count",
            count,
            parameters={"word": "be"},
            artifacts={"text": first.outputs.artifacts["text"]},
            executor=shell,
        )
    )
    return wf


def main() -> int:
    wf = build()
    wf.submit()
    phase = wf.wait()
    print(f"workflow {wf.id}: {phase}")
    if phase != "Succeeded":
        return 1
    hits = wf.query_step(name="count")[0].outputs.parameters["hits"].value
    print(f"'be' appears {hits} times")
    return 0


if __name__ == "__main__":
    sys.exit(main())
