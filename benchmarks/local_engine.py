"""Local engine benchmark: wall time and peak memory of trivial steps, parallel and chained.

Run: ``python benchmarks/local_engine.py [--workers N] [--quick]``. Each case builds a fresh
workflow, submits it in debug mode (the engine root in a temporary directory) and reports the wall
time from ``submit`` to completion, steps per second, and the peak resident memory of this process
and of the largest step process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dflow import (  # noqa: E402
    InputParameter,
    Inputs,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
    Step,
    Workflow,
    config,
    s3_config,
)
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate, Slices  # noqa: E402


class Inc(OP):
    """A trivial Python OP: x + 1."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"y": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"y": op_in["x"] + 1})


def parallel(n: int) -> Workflow:
    inc = PythonOPTemplate(Inc, image="python:3.11")
    wf = Workflow(name=f"par-{n}")
    wf.add([Step(f"s{i}", inc, parameters={"x": i}) for i in range(n)])
    return wf


def chain(n: int) -> Workflow:
    inc = PythonOPTemplate(Inc, image="python:3.11")
    wf = Workflow(name=f"chain-{n}")
    prev = Step("s0", inc, parameters={"x": 0})
    wf.add(prev)
    for i in range(1, n):
        prev = Step(f"s{i}", inc, parameters={"x": prev.outputs.parameters["y"]})
        wf.add(prev)
    return wf


def shell_chain(n: int) -> Workflow:
    """A chain of trivial shell steps: what starting a command costs (no Python in the step)."""
    inc = ShellOPTemplate(
        name="inc",
        image="alpine:3",
        script="mkdir -p /tmp/outputs\necho $(({{inputs.parameters.x}} + 1)) > /tmp/outputs/y\n",
        inputs=Inputs(parameters={"x": InputParameter()}),
        outputs=Outputs(parameters={"y": OutputParameter(value_from_path="/tmp/outputs/y")}),
    )
    wf = Workflow(name=f"shell-chain-{n}")
    prev = Step("s0", inc, parameters={"x": 0})
    wf.add(prev)
    for i in range(1, n):
        prev = Step(f"s{i}", inc, parameters={"x": prev.outputs.parameters["y"]})
        wf.add(prev)
    return wf


def sliced(n: int, group_size: Optional[int] = None) -> Workflow:
    wf = Workflow(name=f"slices-{n}")
    tmpl = PythonOPTemplate(
        Inc,
        image="python:3.11",
        slices=Slices(
            "{{item}}", input_parameter=["x"], output_parameter=["y"], group_size=group_size
        ),
    )
    wf.add(Step("fan", tmpl, parameters={"x": list(range(n))}, with_param=list(range(n))))
    return wf


def measure(build: Callable[[], Workflow], steps: int) -> Tuple[float, str]:
    wf = build()
    start = time.perf_counter()
    wf.submit()
    took = time.perf_counter() - start
    return took, wf.query_status()


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="skip the 500 and 1000 cases")
    args = parser.parse_args(argv)
    from dflow.storage import LocalClient

    root = tempfile.mkdtemp(prefix="dflow-bench-", dir=str(Path.home()))
    config.update(mode="debug", debug_workdir=root, debug_workers=args.workers)
    s3_config["storage_client"] = LocalClient(f"{root}/artifacts")
    cases = [
        ("50 parallel", lambda: parallel(50), 50),
        ("50 chain", lambda: chain(50), 50),
        ("50 shell chain", lambda: shell_chain(50), 50),
    ]
    if not args.quick:
        cases += [
            ("500 parallel", lambda: parallel(500), 500),
            ("1000-item Slices", lambda: sliced(1000), 1000),
            ("1000-item Slices, group_size=50", lambda: sliced(1000, 50), 1000),
        ]
    print(f"workers: {args.workers or 'CPU count'}; root: {root}")
    for label, build, steps in cases:
        took, phase = measure(build, steps)
        print(f"{label:>18}: {took:7.2f} s  {steps / took:7.1f} steps/s  {phase}")
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: engine process {me:.0f} MiB, largest step process {child:.0f} MiB")
    import shutil

    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
