"""Write the graph (``Workflow.to_graph_json()``) of each example as the reference release gives it.

Run with a Python that has pydflow 1.8.134 installed:

    /path/to/python scripts/reference_graphs.py tests/data/graph_1.8.134

Each example runs as a script (``__main__``) whose ``main()`` is replaced by a dump of its
``build()`` workflow's graph, so its OPs are recorded as a script's OPs are: by their source.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
GUARD = 'if __name__ == "__main__":\n    sys.exit(main())\n'
DUMP = (
    'if __name__ == "__main__":\n'
    "    from dflow import config\n"
    '    config["mode"] = "debug"\n'
    "    print(build().to_graph_json(indent=1, sort_keys=True))\n"
)


def main(out_dir: str) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for example in sorted(EXAMPLES.glob("*.py")):
        source = example.read_text()
        if GUARD not in source:
            print(f"{example.name}: no main guard, skipped")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / example.name
            script.write_text(source.replace(GUARD, DUMP))
            run = subprocess.run(
                [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp
            )
        if run.returncode != 0:
            error = run.stderr.strip().splitlines()[-1]
            print(f"{example.name}: the reference cannot build it: {error}")
            continue
        (out / f"{example.stem}.json").write_text(run.stdout)
        print(f"{example.name}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
