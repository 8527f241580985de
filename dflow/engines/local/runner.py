"""``python -m dflow.engines.local.runner ROOT ID``: run a stored workflow detached.

The submitting process passes the workflow's locked runner lock as ``--lock-fd`` and writes the
storage settings (credentials included) as JSON on stdin, so that they never sit in an
environment a step or another user could read.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from .engine import LocalEngine
from .liveness import RunnerLock


def _read_settings() -> None:
    from ...config import config, s3_config

    text = sys.stdin.read() if not sys.stdin.isatty() else ""
    if not text.strip():
        return
    settings = json.loads(text)
    s3_config.update({k: v for k, v in (settings.get("s3") or {}).items() if v is not None})
    config["debug_s3"] = bool(settings.get("debug_s3"))
    config.update(settings.get("debug") or {})


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="dflow.engines.local.runner")
    parser.add_argument("root")
    parser.add_argument("workflow_id")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--isolation", default="auto")
    parser.add_argument("--lock-fd", type=int, default=None)
    args = parser.parse_args(argv)
    lock = RunnerLock.adopt(args.lock_fd) if args.lock_fd is not None else None
    _read_settings()
    engine = LocalEngine(
        root=args.root, workers=args.workers, isolation=args.isolation, detach=False
    )
    final = engine.run_here(args.workflow_id, lock)
    return 0 if final["status"]["phase"] == "Succeeded" else 1


if __name__ == "__main__":
    raise SystemExit(main())
