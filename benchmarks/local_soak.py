"""Local engine soak: many workflows from several processes while runners and steps are killed.

Run: ``python benchmarks/local_soak.py [--workflows 200] [--processes 4] [--kill-every 0.4]``.
Each process submits its share of detached workflows (a shell step that leaves a ``setsid``
child behind and writes an artifact, then a Python OP step that starts a child of its own and
reads that artifact). Meanwhile a chaos thread sends SIGKILL, at random moments, to a runner or
to a step process of the soak. A workflow that ends Failed or Error is retried until it succeeds.
At the end every workflow's outputs are checked through a fresh engine, and the machine is
searched for processes and temporary files the soak left. It prints: workflows run, kills (of
runners and of steps), retries, lost results (must be 0) and leftover processes and temporary
files (must be 0); the exit code is 1 when any of those is not 0.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dflow import (  # noqa: E402
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
    Step,
    Workflow,
    config,
    s3_config,
)
from dflow.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate  # noqa: E402

FINISHED = ("Succeeded", "Failed", "Error")
MARK = f"{random.randint(1000, 9999)}.{os.getpid()}"  # the duration of the soak's own sleeps


class Combine(OP):
    """Adds the shell step's square and the number in its artifact, with a child process."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"y": int, "data": Artifact(Path), "mark": str})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"z": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        import subprocess

        subprocess.Popen(["sleep", op_in["mark"]], start_new_session=True)
        time.sleep(0.3)
        return OPIO({"z": op_in["y"] + int(Path(op_in["data"]).read_text())})


def build(n: int) -> Workflow:
    square = ShellOPTemplate(
        name="square",
        image="alpine:3",
        script=(
            "setsid sleep {{inputs.parameters.mark}} & sleep 0.3; mkdir -p /tmp/outputs; "
            "echo $(( {{inputs.parameters.n}} * {{inputs.parameters.n}} )) > /tmp/outputs/y; "
            "echo {{inputs.parameters.n}} > /tmp/outputs/data"
        ),
        inputs=Inputs(parameters={"n": InputParameter(), "mark": InputParameter()}),
        outputs=Outputs(
            parameters={"y": OutputParameter(value_from_path="/tmp/outputs/y")},
            artifacts={"data": OutputArtifact(path="/tmp/outputs/data")},
        ),
    )
    wf = Workflow(name=f"soak-{n}")
    first = Step("square", square, parameters={"n": n, "mark": MARK})
    wf.add(first)
    wf.add(
        Step(
            "combine",
            PythonOPTemplate(Combine, image="python:3.11"),
            parameters={"y": first.outputs.parameters["y"], "mark": MARK},
            artifacts={"data": first.outputs.artifacts["data"]},
        )
    )
    return wf


def _settle(wf: Workflow, deadline: float) -> str:
    while time.monotonic() < deadline:
        phase = wf.query_status()
        if phase in FINISHED:
            return phase
        time.sleep(0.1)
    return "Timeout"


def worker(root: str, numbers: List[int], results: Any) -> None:
    """Submit each workflow, retry it until it succeeds; report (n, id, phase, retries)."""
    from dflow.storage import LocalClient

    config.update(mode="debug", debug_workdir=root, detach=True, debug_workers=2)
    s3_config["storage_client"] = LocalClient(os.path.join(root, "artifacts"))
    for n in numbers:
        wf = build(n)
        retries = 0
        try:
            wf.submit()
            deadline = time.monotonic() + 300
            phase = _settle(wf, deadline)
            while phase in ("Failed", "Error") and retries < 20:
                retries += 1
                wf.retry()
                phase = _settle(wf, deadline)
        except Exception as exc:  # a crash of the client is a lost result too
            phase = f"client error: {exc!r}"
        results.put((n, wf.id, phase, retries))


def _processes(root: str) -> Dict[int, Tuple[int, List[bytes]]]:
    """The soak's processes: pid -> (parent pid, argv); runners, zygotes, steps, sleeps."""
    found: Dict[int, Tuple[int, List[bytes]]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        found[int(entry)] = (ppid, argv)
    runners = {p for p, (_, a) in found.items() if b"dflow.engines.local.runner" in a}
    runners = {p for p in runners if root.encode() in found[p][1]}
    zygotes = {
        p
        for p, (pp, a) in found.items()
        if pp in runners and any(b"dflow.engines.local.zygote" in x for x in a)
    }
    mine = {}
    for pid, (ppid, argv) in found.items():
        if (
            pid in runners
            or pid in zygotes
            or ppid in zygotes
            or any(root.encode() in x for x in argv)
            or argv[:2] == [b"sleep", MARK.encode()]
        ):
            mine[pid] = (ppid, argv)
    return mine


def chaos(root: str, every: float, stop: threading.Event, kills: Dict[str, int]) -> None:
    """SIGKILL a random runner or step process of the soak, about every ``every`` seconds."""
    rng = random.Random(7)
    while not stop.wait(rng.expovariate(1 / every)):
        procs = _processes(root)
        runners = [p for p, (_, a) in procs.items() if b"dflow.engines.local.runner" in a]
        zygotes = {p for p, (_, a) in procs.items() if any(b".zygote" in x for x in a)}
        steps = [
            p
            for p, (pp, a) in procs.items()
            if p not in runners and p not in zygotes and a[:1] != [b"sleep"]
        ]
        kind = "step" if steps and (not runners or rng.random() < 0.6) else "runner"
        pool = runners if kind == "runner" else steps
        if not pool:
            continue
        try:
            os.kill(rng.choice(pool), signal.SIGKILL)
            kills[kind] += 1
        except ProcessLookupError:
            pass


def check(root: str, done: List[Tuple[int, Optional[str], str, int]]) -> List[str]:
    """The workflows whose result is lost: not Succeeded, or outputs not what they should be."""
    from dflow.engines.local import LocalEngine

    engine = LocalEngine(root=root)
    lost = []
    for n, wid, phase, _ in done:
        if phase != "Succeeded" or wid is None:
            lost.append(f"soak-{n} ({wid}): {phase}")
            continue
        data = engine.get(wid)
        pods = {
            node["displayName"]: node
            for node in data["status"]["nodes"].values()
            if node["type"] == "Pod" and node["phase"] == "Succeeded"
        }
        try:
            z = next(
                p["value"] for p in pods["combine"]["outputs"]["parameters"] if p["name"] == "z"
            )
        except (KeyError, StopIteration):
            lost.append(f"{wid}: no output z")
            continue
        if data["status"]["phase"] != "Succeeded" or int(z) != n * n + n:
            lost.append(f"{wid}: {data['status']['phase']}, z = {z}, expected {n * n + n}")
    return lost


def leftovers(root: str) -> Tuple[List[str], List[str]]:
    """Processes of the soak still alive, and temporary files under its root."""
    time.sleep(2.0)  # steps of the last killed runners end within this
    procs = [
        f"{pid}: {b' '.join(a).decode(errors='replace')[:120]}"
        for pid, (_, a) in _processes(root).items()
        if pid != os.getpid()
    ]
    temps = [
        str(p)
        for p in Path(root).rglob("*")
        if p.name.endswith(".tmp") or p.name.startswith(".dflow-part-")
    ]
    return procs, temps


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workflows", type=int, default=200)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--kill-every", type=float, default=0.4, help="mean seconds between kills")
    args = parser.parse_args(argv)
    root = os.path.realpath(tempfile.mkdtemp(prefix="dflow-soak-"))
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    numbers = list(range(1, args.workflows + 1))
    procs = [
        ctx.Process(target=worker, args=(root, numbers[i :: args.processes], results))
        for i in range(args.processes)
    ]
    start = time.monotonic()
    for p in procs:
        p.start()
    stop, kills = threading.Event(), {"runner": 0, "step": 0}
    killer = threading.Thread(target=chaos, args=(root, args.kill_every, stop, kills))
    killer.start()
    done = []
    try:
        for _ in numbers:
            done.append(results.get(timeout=900))
    finally:
        stop.set()
        killer.join()
        for p in procs:
            p.join(timeout=60)
    took = time.monotonic() - start
    lost = check(root, done)
    alive, temps = leftovers(root)
    retries = sum(d[3] for d in done)
    print(f"root: {root}")
    print(f"workflows run: {len(done)} in {took:.0f} s from {args.processes} processes")
    print(f"kills: {kills['runner']} runners, {kills['step']} step processes; retries: {retries}")
    print(f"lost results: {len(lost)}")
    for item in lost[:20]:
        print(f"  {item}")
    print(f"leftover processes: {len(alive)}")
    for item in alive[:20]:
        print(f"  {item}")
    print(f"leftover temporary files: {len(temps)}")
    for item in temps[:20]:
        print(f"  {item}")
    if not lost and not alive and not temps:
        import shutil

        shutil.rmtree(root, ignore_errors=True)
    return 1 if lost or alive or temps else 0


if __name__ == "__main__":
    sys.exit(main())
