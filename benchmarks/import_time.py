"""Wall time of ``python -c "import dflow"`` (best and median of N fresh interpreters).

python benchmarks/import_time.py [--python /path/to/python] [-n 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args()
    baseline, times = [], []
    for _ in range(args.n):
        for code, sink in (("pass", baseline), ("import dflow", times)):
            start = time.perf_counter()
            subprocess.run([args.python, "-c", code], check=True)
            sink.append(time.perf_counter() - start)
    print(f"python: {args.python}")
    print(
        f"interpreter alone: best {min(baseline):.3f} s, median {statistics.median(baseline):.3f} s"
    )
    print(f"import dflow:      best {min(times):.3f} s, median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
