"""Run inside a private network namespace: start a Ray head on 127.0.0.1, run a workflow whose
step is a Ray driver on the local engine, print the step's outputs as JSON, stop the head.

Usage: python ray_cluster_run.py WORKDIR   (prints one JSON line, exits 0 on success)
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from dflow import Step, Workflow, config
from dflow.plugins.ray import RayClusterExecutor
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate


class Square(OP):
    """Squares each number in a Ray task; reports the pids that ran them."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"numbers": list})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"squares": list, "driver": int, "workers": list, "address": str})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        import os

        import ray

        @ray.remote
        def square(x: int) -> tuple:
            import os

            return x * x, os.getpid()

        done = ray.get([square.remote(x) for x in op_in["numbers"]])
        return OPIO(
            {
                "squares": [s for s, _ in done],
                "driver": os.getpid(),
                "workers": sorted({p for _, p in done}),
                "address": ray.get_runtime_context().gcs_address,
            }
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(workdir: Path) -> int:
    port = _free_port()
    ray_cli = str(Path(sys.executable).parent / "ray")
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    started = time.monotonic()
    head = subprocess.Popen(
        [ray_cli, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
         "--num-cpus=1", "--include-dashboard=false", "--object-store-memory=100000000",
         "--disable-usage-stats", f"--temp-dir={workdir / 'ray'}"],
        stdout=subprocess.DEVNULL, stderr=open(workdir / "head.log", "w"), env=env,
        start_new_session=True,
    )  # fmt: skip
    (workdir / "head.pgid").write_text(str(head.pid))
    try:
        if head.wait(timeout=120) != 0:
            print((workdir / "head.log").read_text(), file=sys.stderr)
            return 1
        head_seconds = time.monotonic() - started
        config["mode"] = "debug"
        config["debug_workdir"] = str(workdir / "engine")
        address = f"127.0.0.1:{port}"
        template = PythonOPTemplate(Square, image="python:3.11")
        wf = Workflow(name="ray-run")
        wf.add(
            Step("squares", template, parameters={"numbers": [1, 2, 3]},
                 executor=RayClusterExecutor(address))
        )  # fmt: skip
        # RAY_ADDRESS in the step's environment wins over ray_host, as for any Ray driver
        wrong = RayClusterExecutor("127.0.0.1:1")
        envs = dict(template.envs, RAY_ADDRESS=address)
        wf.add(
            Step("override", template.replace(envs=envs), parameters={"numbers": [4]},
                 executor=wrong)
        )  # fmt: skip
        wf.submit()
        wf.wait()
        result = {"status": wf.query_status(), "head_seconds": round(head_seconds, 1)}
        for name in ("squares", "override"):
            steps = wf.query_step(name=name)
            result[name + "_phase"] = steps[0].phase
            params = steps[0].outputs.parameters if steps[0].phase == "Succeeded" else {}
            result[name] = {k: v.value for k, v in params.items()}
        result["gcs"] = address
        print(json.dumps(result))
        return 0
    finally:
        try:
            os.killpg(head.pid, signal.SIGKILL)  # the head's daemons share its process group
        except ProcessLookupError:
            pass


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
