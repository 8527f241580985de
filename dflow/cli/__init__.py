"""The ``dflow`` command: submit, inspect and manage workflows, move artifacts.

Exit codes: 0 success; 1 the workflow failed, or the workflow/steps asked for were not found;
2 a usage error (bad option, unreadable file); 3 the server or the store failed.
The engine is the one of ``config["mode"]`` (``--mode`` overrides it), so the same commands work
against an Argo server and against the local engine.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from ..errors import NotFoundError
from .commands import (
    ACTION_VERBS,
    COMMANDS,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_SERVER,
    EXIT_USAGE,
    UsageError,
)

__all__ = [
    "main",
    "build_parser",
    "parse_args",
    "EXIT_OK",
    "EXIT_FAILED",
    "EXIT_USAGE",
    "EXIT_SERVER",
]


OUTPUTS = ["table", "wide", "json", "yaml"]


def _with_id(sub: argparse._SubParsersAction, name: str, text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=text, description=text)
    parser.add_argument("id", metavar="ID", help="the workflow id")
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``dflow`` command."""
    parser = argparse.ArgumentParser(
        prog="dflow",
        description="Submit, inspect and manage dflow workflows.",
        epilog="exit codes: 0 ok, 1 workflow failed or not found, 2 usage error, 3 server error",
    )
    parser.add_argument("--mode", help="engine: default (Argo) or debug (local); from config")
    parser.add_argument("--host", help="Argo server URL (config host, DFLOW_HOST)")
    parser.add_argument("--token", help="Argo bearer token (config token, DFLOW_TOKEN)")
    parser.add_argument("--namespace", "-N", help="namespace (config namespace, DFLOW_NAMESPACE)")
    parser.add_argument(
        "--insecure", action="store_true", help="skip TLS verification (self-signed quick-start)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("submit", help="submit a workflow manifest (YAML)")
    p.add_argument("file", metavar="FILE", help="a YAML file holding one Workflow manifest")

    p = sub.add_parser("list", help="list workflows")
    p.add_argument("-l", "--label", action="append", metavar="KEY=VALUE", help="label filter")
    p.add_argument("-o", "--output", choices=OUTPUTS, default="table")

    p = _with_id(sub, "get", "show a workflow")
    p.add_argument("-o", "--output", choices=OUTPUTS, default="table")

    p = _with_id(sub, "getsteps", "list the steps of a workflow (exit 1 when none match)")
    p.add_argument("-n", "--name", help="step name (also finds its fan-out items name(i:item))")
    p.add_argument("-k", "--key", help="step key")
    p.add_argument("-p", "--phase", help="phase, e.g. Succeeded")
    p.add_argument("-i", "--id", dest="step_id", help="node id")
    p.add_argument("-t", "--type", help="node type, e.g. Pod")
    p.add_argument("-o", "--output", choices=OUTPUTS, default="table")

    _with_id(sub, "getkeys", "list the keys of a workflow's steps")

    p = _with_id(sub, "wait", "wait until a workflow finishes (exit 1 unless it succeeded)")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    p.add_argument("--timeout", type=float, help="give up (exit 1) after this many seconds")

    for verb in ACTION_VERBS:
        _with_id(sub, verb, f"{verb} a workflow")

    p = _with_id(
        sub, "watch", "show a workflow's steps live until it ends (exit 1 unless it succeeded)"
    )
    p.add_argument("--interval", type=float, default=1.0, help="seconds between refreshes")

    p = _with_id(sub, "logs", "print the logs of a workflow's steps")
    p.add_argument("step", metavar="STEP", nargs="?", help="only this step (name, key or node id)")
    p.add_argument("-f", "--follow", action="store_true", help="follow until the workflow ends")
    p.add_argument("--tail", type=int, metavar="N", help="only the last N lines of each pod")
    p.add_argument("--grep", metavar="TEXT", help="only the lines holding TEXT")

    p = sub.add_parser("graph", help="draw a workflow (by id, or a manifest file)")
    p.add_argument("id", metavar="ID|FILE", help="a workflow id, or a YAML manifest file")
    p.add_argument("-o", "--output-file", metavar="PATH", help="write here (default: stdout)")
    p.add_argument(
        "-T", "--format", choices=["mermaid", "dot", "svg", "png"],
        help="picture format (default: from the -o suffix, else dot)",
    )  # fmt: skip

    p = sub.add_parser("upload", help="upload files or directories as one artifact; prints its key")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--archive", choices=["tar", "none"], default="tar")

    p = sub.add_parser("download", help="download an artifact by key; prints the local paths")
    p.add_argument("key", metavar="KEY")
    p.add_argument("-p", "--path", default=".", help="directory to download into")
    p.add_argument("--no-extract", action="store_true", help="keep the archive as it is")
    return parser


def parse_args(args: Optional[List[str]] = None) -> argparse.Namespace:
    """The command line ``args`` (default ``sys.argv[1:]``) parsed; exits on a usage error."""
    return build_parser().parse_args(args)


def main(argv: Optional[List[str]] = None) -> int:
    """Run the ``dflow`` command with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    from ..errors import ArgoAPIError, DflowError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if getattr(args, "archive", None) == "none":
        args.archive = None
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        sys.stderr.write(f"dflow: {exc}\n")
        return EXIT_USAGE
    except ArgoAPIError as exc:
        sys.stderr.write(f"dflow: {exc}\n")
        return EXIT_FAILED if exc.status == 404 else EXIT_SERVER
    except NotFoundError as exc:
        sys.stderr.write(f"dflow: not found: {exc}\n")
        return EXIT_FAILED
    except (DflowError, NotImplementedError, OSError) as exc:
        sys.stderr.write(f"dflow: {exc}\n")
        return EXIT_SERVER
