"""Peak memory of ``dflow logs`` over a big step log on the local engine: the log is streamed,
so the command's RSS stays flat however big the log (target: under 100 MB for 1 GB).

python benchmarks/logs_memory.py [--mb 1024] [--grep TEXT]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=1024, help="size of the step's log in MiB")
    parser.add_argument("--grep", help="pass --grep TEXT to dflow logs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        os.environ["DFLOW_MODE"] = "debug"
        os.environ["DFLOW_DEBUG_WORKDIR"] = root
        from dflow import ShellOPTemplate, Step, Workflow
        from dflow.config import config

        config["detach"] = False
        lines = args.mb * 1024 * 1024 // 64
        text = "a log line of sixty-four bytes with its newline, written by yes"
        script = f"yes '{text}' | head -n {lines}"
        wf = Workflow("big-log")
        wf.add(Step("talk", ShellOPTemplate(name="talk", script=script)))
        wf.submit()
        assert wf.wait() == "Succeeded", "the step did not succeed"
        argv = [sys.executable, "-m", "dflow.cli", "logs", str(wf.id)]
        if args.grep:
            argv += ["--grep", args.grep]
        start = time.perf_counter()
        with open(os.devnull, "wb") as sink:
            proc = subprocess.Popen(argv, stdout=sink)
            _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        assert os.waitstatus_to_exitcode(status) == 0, "dflow logs failed"
        print(f"log: {args.mb} MiB ({lines} lines); dflow logs took {elapsed:.1f} s")
        print(f"peak RSS of dflow logs: {usage.ru_maxrss / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
