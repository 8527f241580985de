"""``python -m dflow.engines.local.runner ROOT ID``: run a stored workflow detached."""

from __future__ import annotations

import argparse
from typing import List, Optional

from .engine import LocalEngine


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="dflow.engines.local.runner")
    parser.add_argument("root")
    parser.add_argument("workflow_id")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--isolation", default="auto")
    args = parser.parse_args(argv)
    engine = LocalEngine(
        root=args.root, workers=args.workers, isolation=args.isolation, detach=False
    )
    final = engine.run_here(args.workflow_id)
    return 0 if final["status"]["phase"] == "Succeeded" else 1


if __name__ == "__main__":
    raise SystemExit(main())
