"""Benchmark: fetch a 5,000-node workflow from the loopback Argo server and query steps by key.

Run: ``python benchmarks/query_steps.py [NODES]`` from the repository root. Prints the time of
the fetch (HTTP + JSON), of the first ``get_step(key=...)`` (which indexes the nodes), of later
look-ups, and of ``Workflow.query_step`` as users call it (fetch included).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from argo_server import TOKEN, ArgoTestServer, hello_manifest  # noqa: E402

from dflow import Workflow, config  # noqa: E402
from dflow.argo_objects import ArgoWorkflow  # noqa: E402
from dflow.engines.argo import ArgoEngine  # noqa: E402


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main(nodes: int = 5000) -> None:
    with ArgoTestServer(token=TOKEN) as server:
        server.seed(hello_manifest(name="big"))
        server.large_status("big", nodes=nodes)
        engine = ArgoEngine(host=server.url, token=TOKEN, namespace="argo")

        start = time.perf_counter()
        raw = engine.get("big")
        fetched = time.perf_counter() - start

        start = time.perf_counter()
        wf = ArgoWorkflow(raw)
        first = wf.get_step(key="step-0")
        first_lookup = time.perf_counter() - start

        later = []
        for i in range(0, nodes, max(1, nodes // 200)):
            start = time.perf_counter()
            found = wf.get_step(key=f"step-{i}")
            later.append(time.perf_counter() - start)
            assert found[0].key == f"step-{i}"
        assert first[0].outputs.parameters["y"].value == "0"

        config.update(mode="default", host=server.url, token=TOKEN, namespace="argo")
        start = time.perf_counter()
        Workflow(id="big").query_step(key=f"step-{nodes - 1}")
        end_to_end = time.perf_counter() - start

    print(f"nodes: {nodes}")
    print(f"fetch (HTTP + JSON decode)          {_ms(fetched)}")
    print(f"first get_step(key) (builds index)  {_ms(first_lookup)}")
    print(f"later get_step(key), median         {_ms(statistics.median(later))}")
    print(f"Workflow.query_step(key), all in    {_ms(end_to_end)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
