"""Build and render to YAML: 1000 parallel trivial Python OP steps, and a 1000-step chain.

Runs against whichever dflow the interpreter imports, so the same script measures the original
(``pydflow``) too. Each case runs in a fresh process; peak memory is that process's max RSS.

    python benchmarks/render.py [--python /path/to/python] [-n 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASE = r"""
import json, resource, sys, time
n, shape = int(sys.argv[1]), sys.argv[2]
from dflow import Step, Workflow
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate

class Inc(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": int})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"y": op_in["x"] + 1})

start = time.perf_counter()
template = PythonOPTemplate(Inc, image="python:3.11")
wf = Workflow("bench")
if shape == "parallel":
    wf.add([Step(f"inc-{i}", template, parameters={"x": i}) for i in range(n)])
else:
    previous = Step("inc-0", template, parameters={"x": 0})
    wf.add(previous)
    for i in range(1, n):
        previous = Step(f"inc-{i}", template, parameters={"x": previous.outputs.parameters["y"]})
        wf.add(previous)
built = time.perf_counter()
if hasattr(wf, "to_yaml"):
    text = wf.to_yaml()
else:  # the original 1.0.x: Argo SDK models, then YAML
    import yaml
    from argo.workflows.client import ApiClient
    text = yaml.safe_dump(ApiClient().sanitize_for_serialization(wf.convert_to_argo()))
rendered = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
times = {"build": built - start, "render": rendered - built}
print(json.dumps({**times, "peak_mb": peak, "chars": len(text)}))
"""


def run(python: str, n: int, shape: str) -> dict:
    env = dict(os.environ)
    if python == sys.executable:  # this checkout, installed or not; another python uses its own
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # a file, not ``-c``: OP templates may need the OP's source code
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "case.py"
        script.write_text(CASE)
        out = subprocess.run(
            [python, str(script), str(n), shape],
            capture_output=True,
            text=True,
            cwd=tmp,
            env=env,
        )
    if out.returncode != 0:
        raise SystemExit(f"{python} failed on {shape}:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"python: {args.python}, {args.n} steps, best of {args.repeat}")
    for shape in ("parallel", "chain"):
        results = [run(args.python, args.n, shape) for _ in range(args.repeat)]
        best = min(results, key=lambda r: r["build"] + r["render"])
        print(
            f"{shape:9s} build {best['build']:.3f} s  render {best['render']:.3f} s  "
            f"total {best['build'] + best['render']:.3f} s  peak {best['peak_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
