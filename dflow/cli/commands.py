"""What each ``dflow`` sub-command does: call the engine (or storage) and print the answer."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable, Dict, List

from ..engines import get_engine
from ..errors import DflowError, WaitTimeoutError
from .table import format_table, format_time_delta, paint, use_colour

__all__ = [
    "COMMANDS",
    "ACTION_VERBS",
    "UsageError",
    "engine_for",
    "EXIT_OK",
    "EXIT_FAILED",
    "EXIT_USAGE",
    "EXIT_SERVER",
]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_SERVER = 0, 1, 2, 3
ACTION_VERBS = {
    "terminate": "terminated",
    "stop": "stopped",
    "suspend": "suspended",
    "resume": "resumed",
    "retry": "retried",
    "resubmit": "resubmitted",
    "delete": "deleted",
}


def engine_for(args: argparse.Namespace) -> Any:
    """The engine of the selected mode, with the Argo settings from the options or ``config``."""
    from ..config import config

    mode = args.mode or config["mode"]
    if mode != "default":
        return get_engine(mode)
    settings: Dict[str, Any] = {
        "host": args.host or config["host"],
        "token": args.token or config["token"],
        "namespace": args.namespace or config["namespace"],
        "k8s_config_file": config["k8s_config_file"],
        "k8s_api_server": config["k8s_api_server"],
    }
    if args.insecure:
        settings["insecure"] = True
    return get_engine(mode, **settings)


def _view(wf: Dict[str, Any]) -> Any:
    from ..argo_objects import ArgoWorkflow

    return ArgoWorkflow(wf)


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def cmd_submit(args: argparse.Namespace) -> int:
    created = engine_for(args).submit(_read_manifest(args.file))
    _out(f"Workflow {created['metadata']['name']} submitted")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    labels: Dict[str, str] = {}
    for item in args.label or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"label {item!r} must be KEY=VALUE")
        labels[key] = value
    workflows = engine_for(args).list(labels or None)
    if _structured(args.output, workflows):
        return EXIT_OK
    wide = args.output == "wide"
    rows = []
    for wf in workflows:
        meta, status = wf.get("metadata") or {}, wf.get("status") or {}
        row = [
            meta.get("name"),
            status.get("phase") or "Pending",
            meta.get("creationTimestamp"),
            status.get("finishedAt"),
        ]  # fmt: skip
        if wide:
            row += [_duration(status), status.get("progress"), status.get("message")]
        rows.append(row)
    headers = ["NAME", "STATUS", "CREATED", "FINISHED"]
    headers += ["DURATION", "PROGRESS", "MESSAGE"] if wide else []
    _out(format_table(headers, rows, phase_column=1))
    return EXIT_OK


def _structured(output: str, data: Any) -> bool:
    """Print ``data`` as JSON or YAML when ``output`` asks for it; whether it did."""
    if output == "json":
        _out(json.dumps(data, indent=2))
    elif output == "yaml":
        import yaml

        _out(yaml.safe_dump(json.loads(json.dumps(data)), sort_keys=False).rstrip("\n"))
    else:
        return False
    return True


def _duration(status: Dict[str, Any]) -> Any:
    """How long a workflow or step ran (until now while it runs), or None before it started."""
    from ..pod_names import get_duration

    if not status.get("startedAt"):
        return None
    return format_time_delta(get_duration(status))


def cmd_get(args: argparse.Namespace) -> int:
    wf = engine_for(args).get(args.id)
    if _structured(args.output, wf):
        return EXIT_OK
    meta, status = wf.get("metadata") or {}, wf.get("status") or {}
    fields = [
        ("Name", meta.get("name")),
        ("Namespace", meta.get("namespace")),
        ("Status", status.get("phase") or "Pending"),
        ("Message", status.get("message")),
        ("Created", meta.get("creationTimestamp")),
        ("Started", status.get("startedAt")),
        ("Finished", status.get("finishedAt")),
        ("Steps", len(status.get("nodes") or {})),
    ]
    if args.output == "wide":
        fields += [("Duration", _duration(status)), ("Progress", status.get("progress"))]
    if use_colour():
        fields[2] = ("Status", paint(str(fields[2][1]), fields[2][1]))
    _out("\n".join(f"{k + ':':<11}{v}" for k, v in fields if v is not None))
    return EXIT_OK


def cmd_getsteps(args: argparse.Namespace) -> int:
    wf = _view(engine_for(args).get(args.id))
    steps = wf.get_step(name=args.name, key=args.key, phase=args.phase, id=args.step_id,
                        type=args.type)  # fmt: skip
    if not _structured(args.output, steps):
        wide = args.output == "wide"
        rows = []
        for s in steps:
            row = [s.get("displayName"), s.get("id"), s.key, s.get("type"), s.get("phase")]
            if wide:
                row += [s.get("startedAt"), _duration(s), s.get("progress"), s.get("message")]
            rows.append(row)
        headers = ["STEP", "ID", "KEY", "TYPE", "PHASE"]
        headers += ["STARTED", "DURATION", "PROGRESS", "MESSAGE"] if wide else []
        _out(format_table(headers, rows, phase_column=4))
    return EXIT_OK if steps else EXIT_FAILED


def cmd_getkeys(args: argparse.Namespace) -> int:
    keys = _view(engine_for(args).get(args.id)).get_keys_of_steps()
    if keys:
        _out("\n".join(keys))
    return EXIT_OK


def cmd_wait(args: argparse.Namespace) -> int:
    try:
        phase = engine_for(args).wait(args.id, interval=args.interval, timeout=args.timeout)
    except WaitTimeoutError as err:
        sys.stderr.write(f"dflow: {err}\n")
        return EXIT_FAILED
    _out(f"Workflow {args.id} {phase}")
    return EXIT_OK if phase == "Succeeded" else EXIT_FAILED


def cmd_watch(args: argparse.Namespace) -> int:
    from .watch import watch

    if args.interval <= 0:
        raise UsageError(f"--interval must be positive, got {args.interval}")
    phase = watch(engine_for(args), args.id, interval=args.interval)
    return EXIT_OK if phase == "Succeeded" else EXIT_FAILED


def cmd_logs(args: argparse.Namespace) -> int:
    from ..step_logs import workflow_logs

    if args.tail is not None and args.tail < 0:
        raise UsageError(f"--tail must be 0 or more, got {args.tail}")
    lines = workflow_logs(engine_for(args), args.id, args.step, args.follow, args.tail, args.grep)
    for line in lines:
        sys.stdout.write(line + "\n")
        if args.follow:
            sys.stdout.flush()
    return EXIT_OK


def _read_manifest(path: str) -> Dict[str, Any]:
    """The one Workflow manifest of the YAML file at ``path``."""
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            docs = [d for d in yaml.safe_load_all(fh) if d]
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise UsageError(f"{path} is not valid YAML: {exc}") from exc
    manifests = [d for d in docs if isinstance(d, dict) and d.get("kind") == "Workflow"]
    if len(manifests) != 1:
        raise UsageError(f"{path} must hold exactly one Workflow manifest, found {len(manifests)}")
    return manifests[0]


def cmd_graph(args: argparse.Namespace) -> int:
    import os

    from ..render.picture import format_for_path, workflow_picture

    fmt = args.format
    if fmt is None and args.output_file:
        fmt = format_for_path(args.output_file)
        if fmt is None:
            raise UsageError(
                f"cannot tell the format from {args.output_file!r}: "
                "give -T mermaid|dot|svg|png or a .mmd, .dot, .svg or .png file"
            )
    fmt = fmt or "dot"
    if fmt == "png" and not args.output_file:
        raise UsageError("a PNG picture needs -o FILE")
    if os.path.isfile(args.id):
        manifest = _read_manifest(args.id)
    else:
        manifest = engine_for(args).get(args.id)
    picture = workflow_picture(manifest, fmt)
    if not args.output_file:
        sys.stdout.write(str(picture))
        return EXIT_OK
    data = picture.encode() if isinstance(picture, str) else picture
    with open(args.output_file, "wb") as fh:
        fh.write(data)
    _out(f"{args.output_file} written ({fmt})")
    return EXIT_OK


def _action(verb: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        answer = engine_for(args).action(args.id, verb)
        if verb == "resubmit":
            new_id = ((answer or {}).get("metadata") or {}).get("name")
            _out(f"Workflow {args.id} resubmitted as {new_id}")
        else:
            _out(f"Workflow {args.id} {ACTION_VERBS[verb]}")
        return EXIT_OK

    run.__doc__ = f"{verb} a workflow"
    return run


def cmd_upload(args: argparse.Namespace) -> int:
    from ..storage import upload_artifact

    paths: List[str] = list(args.paths)
    art = upload_artifact(paths if len(paths) > 1 else paths[0], archive=args.archive)
    _out(str(art.key))
    return EXIT_OK


def cmd_download(args: argparse.Namespace) -> int:
    from ..io import S3Artifact
    from ..storage import download_artifact

    got = download_artifact(S3Artifact(key=args.key), path=args.path, extract=not args.no_extract)
    for path in got or ():
        _out(str(path))
    return EXIT_OK


class UsageError(DflowError):
    """A command-line mistake: exit code 2."""


COMMANDS: Dict[str, Callable[[argparse.Namespace], int]] = {
    "submit": cmd_submit,
    "list": cmd_list,
    "get": cmd_get,
    "getsteps": cmd_getsteps,
    "getkeys": cmd_getkeys,
    "wait": cmd_wait,
    "graph": cmd_graph,
    "logs": cmd_logs,
    "watch": cmd_watch,
    **{verb: _action(verb) for verb in ACTION_VERBS},
    "upload": cmd_upload,
    "download": cmd_download,
}
