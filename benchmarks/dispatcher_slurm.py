"""DPDispatcher benchmark: a 20-item sliced step on a local Slurm, merged or one job per step.

Run (as root, with slurm-wlm and openssh-server installed, as for the tests):
``python benchmarks/dispatcher_slurm.py [--items 20] [--interval 1] [--repeat 1]``.

It starts the tests' sshd and one-node Slurm cluster on 127.0.0.1 and runs, on the local engine,
the same sliced Python OP step three ways, reporting the wall time from ``submit`` to the end:

- ``DispatcherExecutor(merge_sliced_step=True)``: one step, one DPDispatcher submission of one task
  per item, one Slurm job per task (``group_size=1``);
- the same with ``group_size=items``: all tasks in one Slurm job;
- ``SlurmRemoteExecutor``: the plain fan-out, one step (and one SSH session, one ``sbatch``) per
  item.

Both poll every ``--interval`` seconds. The local engine runs up to ``--workers`` (8) steps at once:
with 20 at once, sshd's ``MaxStartups`` (10 unauthenticated connections by default) refuses some of
the fan-out's SSH connections, as a login node would.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "executors"))

from dflow import Step, Steps, Workflow, argo_range, config, s3_config  # noqa: E402
from dflow.executors import SlurmRemoteExecutor  # noqa: E402
from dflow.plugins.dispatcher import DispatcherExecutor  # noqa: E402
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate, Slices  # noqa: E402
from dflow.secrets import Secret  # noqa: E402


class Square(OP):
    """One item: x * x."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"y": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"y": op_in["x"] ** 2})


def workflow(name: str, items: int, executor: Any) -> Workflow:
    step = Step(
        "square",
        PythonOPTemplate(Square, image="python:3.11"),
        parameters={"x": list(range(items))},
        with_param=argo_range(items),
        slices=Slices(input_parameter=["x"], output_parameter=["y"]),
        executor=executor,
    )
    wf = Workflow(name=name, steps=Steps(name))
    wf.add(step)
    return wf


def timed(wf: Workflow, items: int) -> float:
    start = time.monotonic()
    wf.submit()
    phase = wf.wait()
    elapsed = time.monotonic() - start
    if phase != "Succeeded":
        raise SystemExit(f"{wf.id}: {phase}: {wf.query_step(phase='Failed')}")
    merged = wf.query_step(name="^square$")
    if merged:
        value = merged[0].outputs.parameters["y"].value
    else:  # a fan-out: one pod per item, "square(i:i)"
        pods = wf.query_step(type="Pod")
        order = sorted(pods, key=lambda p: int(p.name.split("(")[1].split(":")[0]))
        value = [p.outputs.parameters["y"].value for p in order]
    if value != [x * x for x in range(items)]:
        raise SystemExit(f"{wf.id}: wrong outputs {value!r}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cases", default="0,1,2", help="which cases to run, by position")
    parser.add_argument(
        "--workers",
        type=int,
        default=8,
        help="steps the local engine runs at once (sshd refuses connections past MaxStartups, 10)",
    )
    args = parser.parse_args()
    # imported here: the OP's module-level imports are shipped with its source to the jobs
    from servers import running_slurm, running_sshd

    from dflow.storage import LocalClient

    work = Path(tempfile.mkdtemp(prefix="dflow-bench-", dir="/var/tmp"))
    config.update(mode="debug", debug_workdir=str(work / "engine"), debug_workers=args.workers)
    s3_config["storage_client"] = LocalClient(str(work / "engine" / "artifacts"))
    os.environ["DFLOW_SECRETS_DIR"] = str(work / "secrets")
    try:
        run_cases(args, work, running_sshd, running_slurm)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def run_cases(args: Any, work: Path, running_sshd: Any, running_slurm: Any) -> None:
    """Start the servers and time every chosen case."""
    python = [sys.executable]  # the job runs this interpreter, which has dflow
    with running_sshd() as sshd, running_slurm(sshd) as _:
        key = Secret(value=sshd.key, key="ssh-privatekey")
        common: Dict[str, Any] = dict(
            host="127.0.0.1", port=sshd.port, private_key=key, remote_command=python
        )

        def merged(group: int) -> Callable[[str], Any]:
            return lambda root: DispatcherExecutor(
                remote_root=root,
                queue_name="debug",
                merge_sliced_step=True,
                resources_dict={"group_size": group},
                check_interval=args.interval,
                **common,
            )

        cases: List[Tuple[str, Callable[[str], Any]]] = [
            ("DispatcherExecutor(merge_sliced_step=True), a job per item", merged(1)),
            ("DispatcherExecutor(merge_sliced_step=True), one job", merged(args.items)),
            (
                "SlurmRemoteExecutor, a step per item",
                lambda root: SlurmRemoteExecutor(
                    workdir=f"{root}/{{{{workflow.name}}}}/{{{{pod.name}}}}",
                    header="#SBATCH --partition=debug",
                    interval=args.interval,
                    known_hosts=sshd.known_hosts,
                    **common,
                ),
            ),
        ]
        print(
            f"{args.items} items, polling every {args.interval:g} s, {os.cpu_count()} CPUs, "
            f"{args.workers} steps at once"
        )
        chosen = [int(c) for c in args.cases.split(",")]
        for label, make in [cases[c] for c in chosen]:
            times = []
            for r in range(args.repeat):
                executor = make(str(work / f"remote-{len(times)}-{r}"))
                times.append(timed(workflow(f"bench-{r}", args.items, executor), args.items))
            best = min(times)
            print(f"{label:60s} {best:7.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})")


if __name__ == "__main__":
    sys.exit(main())
