"""Start-up cost of the Python-OP runtime: interpreter start to ``execute`` called, trivial OP.

Runs the rendered bootstrap of a ``PythonOPTemplate`` in fresh interpreters, as the container (or
the local engine) does, and splits the time into interpreter start, imports and input decoding.
Usage: ``python benchmarks/runtime_startup.py [runs]``; prints the median of each part in ms.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OP_MODULE = """
import time
from dflow.python import OP, OPIO, OPIOSign


class Trivial(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": int, "name": str})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": int})

    def execute(self, op_in):
        with open("called", "w") as f:
            f.write(repr(time.time()))
        return OPIO({"y": op_in["x"] + 1})
"""


def _spawn(args: list, env: dict, cwd: str) -> float:
    start = time.time()
    subprocess.run(args, env=env, cwd=cwd, check=True)
    return start


def main(runs: int = 30) -> None:
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bench_ops.py").write_text(OP_MODULE)
        sys.path.insert(0, tmp)
        from bench_ops import Trivial

        from dflow.python import PythonOPTemplate

        script = PythonOPTemplate(Trivial).script.replace("/tmp/", f"{tmp}/root/")
        env = dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{tmp}")
        env.update(DFLOW_INPUT_x="41", DFLOW_INPUT_name="bench")
        parts: dict = {
            k: [] for k in ("python", "import dflow", "import runtime", "to execute", "whole run")
        }
        for _ in range(runs):
            for label, code in (
                ("python", "pass"),
                ("import dflow", "import dflow"),
                ("import runtime", "import dflow.python.runtime, bench_ops"),
            ):
                t = time.perf_counter()
                subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp, check=True)
                parts[label].append(time.perf_counter() - t)
            t = time.perf_counter()
            start = _spawn([sys.executable, "-c", script], env, tmp)
            parts["whole run"].append(time.perf_counter() - t)
            parts["to execute"].append(float(Path(tmp, "called").read_text()) - start)
        assert Path(tmp, "root", "outputs", "parameters", "y").read_text() == "42"
    stat = statistics.median if os.environ.get("BENCH_STAT") == "median" else min
    med = {k: stat(v) * 1000 for k, v in parts.items()}
    print(f"runs: {runs} ({stat.__name__} ms; BENCH_STAT=median for medians)")
    print(f"  interpreter start (python -c pass):         {med['python']:6.1f}")
    print(
        f"  + import dflow:                             {med['import dflow'] - med['python']:6.1f}"
    )
    print(
        f"  + dflow.python.runtime and the OP module:   "
        f"{med['import runtime'] - med['import dflow']:6.1f}"
    )
    print(
        f"  + decode inputs, type checks, OP instance:  "
        f"{med['to execute'] - med['import runtime']:6.1f}"
    )
    print(f"  = interpreter start to execute called:      {med['to execute']:6.1f}  (target < 80)")
    print(f"  whole run (incl. outputs, exit):            {med['whole run']:6.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
