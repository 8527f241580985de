"""One pod: a script or container template run as a host process in the step's own directory."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from ...errors import DflowError
from .scope import deep_substitute, parse_duration
from .volumes import mount_volumes, unmount_volumes

if TYPE_CHECKING:
    from .scheduler import Run

__all__ = ["run_pod", "PodError", "host_env"]

PROGRESS_FILE = "/tmp/.argo/progress"
SCRIPT_FILE = "/tmp/.argo/script"
WORK_DIR = "/tmp/.argo/work"
RESULT_LIMIT = 256 * 1024
_PYTHONS = ("python", "python3", f"python3.{sys.version_info.minor}")
_DFLOW_HOME = str(Path(__file__).resolve().parents[3])


class PodError(DflowError):
    """A pod could not be prepared or its outputs not collected."""


def _command(tmpl: Dict[str, Any], name: str) -> List[str]:
    body = tmpl.get("script") or tmpl.get("container") or {}
    argv = list(body.get("command") or [])
    if "script" in tmpl and not argv:
        argv = ["sh"]
    if not argv:
        raise PodError(f"template {name!r} has no command (the local engine ignores images)")
    head = os.path.basename(argv[0])
    if head in _PYTHONS:
        argv[0] = sys.executable
    else:
        found = shutil.which(argv[0])
        if found is None:
            raise PodError(f"template {name!r}: command {argv[0]!r} is not found on this machine")
        argv[0] = found
    return argv


# what a step takes from the host's environment: where programs and libraries are, who and
# where the user is; nothing else (no tokens, no storage keys), as a container gets only its own
_HOST_ENV = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TERM",
    "LD_LIBRARY_PATH",
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
)


def host_env() -> Dict[str, str]:
    """The part of this process's environment every step gets (``_HOST_ENV`` and ``LC_*``)."""
    return {k: v for k, v in os.environ.items() if k in _HOST_ENV or k.startswith("LC_")}


def step_base_env(python_path: List[str]) -> Dict[str, str]:
    """What every step process starts from: ``host_env()``, the submitting process's import
    path in its order (dflow's own home last, so an installed package never shadows the user's
    modules), and ``DFLOW_MODE=debug``, so ``config["mode"]`` reads as on the original's debug
    mode inside a step."""
    env = host_env()
    paths = [*python_path, env.get("PYTHONPATH", ""), _DFLOW_HOME]
    env["PYTHONPATH"] = os.pathsep.join(p for p in dict.fromkeys(paths) if p)
    env["DFLOW_MODE"] = "debug"
    return env


def argo_template(
    body: Dict[str, Any], node: Dict[str, Any], outputs: Dict[str, Any], archive_key: str
) -> str:
    """``$ARGO_TEMPLATE`` as Argo gives it to a pod: the template with the step's input values
    and artifact keys, its outputs, and the archive location its outputs are saved under."""
    import json

    given = {a["name"]: a for a in (node.get("inputs") or {}).get("artifacts") or ()}
    artifacts = [
        {**art, **{k: v for k, v in given.get(art["name"], {}).items() if k != "name"}}
        for art in (body.get("inputs") or {}).get("artifacts") or ()
    ]
    parameters = (node.get("inputs") or {}).get("parameters") or []
    template = {
        "name": body["name"],
        "inputs": {"parameters": parameters, "artifacts": artifacts},
        "outputs": outputs,
        "archiveLocation": {"archiveLogs": False, "s3": {"key": archive_key}},
    }
    text = json.dumps(template)
    if len(text) > _TEMPLATE_ENV_LIMIT:  # one environment string may not exceed 128 KiB
        template["inputs"] = {"artifacts": artifacts}
        text = json.dumps(template)
    return text


_TEMPLATE_ENV_LIMIT = 100_000


def _env(run: Run, tmpl: Dict[str, Any], step_dir: Path) -> Dict[str, str]:
    """The step's environment: the template's ``env``, ``host_env()`` and the engine's own."""
    env = step_base_env(run.python_path)
    body = tmpl.get("script") or tmpl.get("container") or {}
    for var in body.get("env") or ():
        if "value" in var:
            env[var["name"]] = str(var["value"])
        elif "secretKeyRef" in (var.get("valueFrom") or {}):
            from ...secrets import resolve_secret_ref

            secret = resolve_secret_ref(var["valueFrom"])
            if secret is not None:
                env[var["name"]] = secret
    env["ARGO_PROGRESS_FILE"] = run.sandbox.visible_path(step_dir, PROGRESS_FILE)
    env["TMPDIR"] = run.sandbox.visible_path(step_dir, "/tmp")
    return env


def _own_text(run: Run, body: Dict[str, Any], step_dir: Path) -> Dict[str, Any]:
    """The template's script, command, arguments and env values with its /tmp mapped."""
    key = "script" if "script" in body else "container"
    if key not in body:
        return body
    inner = dict(body[key])
    if "source" in inner:
        inner["source"] = run.sandbox.text(step_dir, str(inner["source"]))
    for field in ("command", "args"):
        if inner.get(field):
            inner[field] = [run.sandbox.text(step_dir, str(a)) for a in inner[field]]
    if inner.get("env"):
        inner["env"] = [
            {**v, "value": run.sandbox.text(step_dir, str(v["value"]))} if "value" in v else v
            for v in inner["env"]
        ]
    return {**body, key: inner}


def _nul_input(node: Dict[str, Any], body: Dict[str, Any]) -> str:
    """What of the step's inputs (or, failing that, its command) carries a NUL byte, if any."""
    for p in (node.get("inputs") or {}).get("parameters") or ():
        if "\0" in str(p.get("value", "")):
            return f"input parameter {p['name']!r}"
    if _has_nul([body.get("script"), body.get("container")]):
        return "its command or script"
    return ""


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\0" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _tail(step_dir: Path, lines: int = 20) -> str:
    parts = []
    for stream in ("stdout", "stderr"):
        try:
            text = (step_dir / stream).read_text(errors="replace")
        except OSError:
            continue
        if text.strip():
            parts.append("\n".join(text.rstrip("\n").splitlines()[-lines:]))
    return "\n".join(parts)


def _read_progress(path: Path) -> Optional[str]:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    last = text.splitlines()[-1].strip() if text else ""
    return last if "/" in last else None


def run_pod(
    run: Run, tmpl: Dict[str, Any], node: Dict[str, Any], scope: Dict[str, Any], retries: int
) -> Tuple[str, str, Dict[str, Any]]:
    """Run the pod of ``node``; returns (phase, message, outputs)."""
    name = tmpl["name"]
    pod = node["id"]
    step_dir = run.layout.step(run.state.name, pod)
    if step_dir.exists():
        shutil.rmtree(step_dir)
    work = run.sandbox.host_path(step_dir, WORK_DIR, name)
    work.mkdir(parents=True)
    scope = dict(scope)
    scope.update({"pod.name": pod, "node.name": node["name"], "retries": str(retries)})
    for art in tmpl.get("inputs", {}).get("artifacts") or ():
        if "path" in art:
            scope[f"inputs.artifacts.{art['name']}.path"] = run.sandbox.visible_path(
                step_dir, art["path"]
            )
    body = {k: v for k, v in tmpl.items() if k not in ("memoize", "outputs")}
    body = deep_substitute(_own_text(run, body, step_dir), scope, strict=False)
    outputs_spec = deep_substitute(tmpl.get("outputs") or {}, scope, strict=False)
    nul = _nul_input(node, body)
    if nul:
        return (
            "Failed",
            f"template {name!r}: {nul} contains a NUL byte, which no script, argument or "
            "environment variable can carry",
            {},
        )
    _load_inputs(run, body, node, scope, step_dir)
    try:
        mounted = mount_volumes(run, body, step_dir, f"template {name!r}")
    except DflowError as exc:
        return "Failed", str(exc), {}
    argv = _command(body, name)
    if "script" in body:
        source = body["script"].get("source", "")
        run.sandbox.host_path(step_dir, SCRIPT_FILE, name).write_text(source)
        argv.append(run.sandbox.visible_path(step_dir, SCRIPT_FILE))
    else:
        argv += list(body["container"].get("args") or ())
    timeout = parse_duration(body.get("timeout"), f"template {name!r}: timeout")
    progress_path = run.sandbox.host_path(step_dir, PROGRESS_FILE, name)
    progress_path.parent.mkdir(parents=True, exist_ok=True)

    def tick(pid: int) -> None:
        progress = _read_progress(progress_path)
        if progress is not None and progress != node.get("progress"):
            run.state.update(pod, progress=progress)

    run.state.update(pod, phase="Running", hostNodeName="localhost")
    try:
        env = _env(run, body, step_dir)
    except DflowError as exc:  # a missing secret: the message names it, never a value
        return "Failed", str(exc), {}
    env["ARGO_TEMPLATE"] = argo_template(body, node, outputs_spec, f"{run.state.name}/{pod}")
    # a Python script runs in a child of the zygote; an isolated step is forked there in any case
    script = argv[0] == sys.executable and len(argv) == 2 and run.use_zygote
    isolate = run.sandbox.mode == "namespace"
    zygote = run.zygote() if script or isolate else None
    if zygote is not None:
        outcome = run.groups.run_forked(
            zygote,
            argv[1:] if script else argv,
            cwd=str(work),
            env=env,
            stdout=str(step_dir / "stdout"),
            stderr=str(step_dir / "stderr"),
            isolate=isolate,
            exec_argv=not script,
            timeout=timeout,
            tick=tick,
        )
    else:
        outcome = run.groups.run(
            run.sandbox.wrap(step_dir, argv),
            cwd=str(work),
            env=env,
            stdout=str(step_dir / "stdout"),
            stderr=str(step_dir / "stderr"),
            timeout=timeout,
            tick=tick,
        )
    tick(0)
    unmount_volumes(mounted)
    outputs: Dict[str, Any] = {}
    if outcome.exit_code is not None:
        outputs["exitCode"] = str(outcome.exit_code)
    if outcome.cancelled:
        return "Failed", "terminated", outputs
    try:
        _collect(run, body, outputs_spec, step_dir, pod, outputs, scope)
        collect_error = ""
    except DflowError as exc:
        collect_error = str(exc)
    if outcome.timed_out:
        return "Failed", f"Step exceeded its deadline of {body.get('timeout')}", outputs
    if outcome.exit_code != 0:
        message = f"Error (exit code {outcome.exit_code})"
        tail = _tail(step_dir)
        if tail:
            message += "\n--- last lines of its log ---\n" + tail
        return "Failed", message, outputs
    if collect_error:
        return "Failed", collect_error, outputs
    if node.get("progress") is None or "/" not in str(node.get("progress")):
        run.state.update(pod, progress="1/1")
    else:
        _, _, total = str(node["progress"]).partition("/")
        if progress_path.exists() is False:
            run.state.update(pod, progress=f"{total}/{total}")
    return "Succeeded", "", outputs


def _load_inputs(
    run: Run, body: Dict[str, Any], node: Dict[str, Any], scope: Dict[str, Any], step_dir: Path
) -> None:
    given = {a["name"]: a for a in (node.get("inputs") or {}).get("artifacts") or ()}
    for art in body.get("inputs", {}).get("artifacts") or ():
        aname = art["name"]
        what = f"template {body['name']!r}: input artifact {aname!r}"
        if "path" not in art:
            continue
        dest = run.sandbox.host_path(step_dir, art["path"], what)
        source = given.get(aname)
        if source is None or not (source.get("s3") or source.get("raw") or source.get("http")):
            if art.get("optional"):
                continue
            raise PodError(f"{what} is not given")
        if "raw" in source:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(source["raw"].get("data", ""))
        elif "http" in source:
            from .http import fetch_url

            try:
                fetch_url(str(source["http"].get("url", "")), dest)
            except DflowError as exc:
                raise PodError(f"{what}: {exc}") from exc
        else:
            try:
                run.store.load(source["s3"]["key"], dest, source.get("subPath"))
            except DflowError as exc:
                if art.get("optional"):
                    continue
                raise PodError(f"{what}: {exc}") from exc
        if art.get("mode") is not None:
            os.chmod(dest, int(art["mode"]))


def _collect(
    run: Run,
    body: Dict[str, Any],
    spec: Dict[str, Any],
    step_dir: Path,
    pod: str,
    outputs: Dict[str, Any],
    scope: Dict[str, Any],
) -> None:
    name = body["name"]
    errors: List[str] = []
    params = []
    for p in spec.get("parameters") or ():
        item = {k: v for k, v in p.items() if k in ("name", "globalName", "description")}
        source = p.get("valueFrom") or {}
        if "path" in source:
            try:
                text = run.sandbox.host_path(step_dir, source["path"], name).read_text()
                item["value"] = text[:-1] if text.endswith("\n") else text
            except (OSError, DflowError) as exc:
                if "default" in source:
                    item["value"] = str(source["default"])
                else:
                    errors.append(
                        f"output parameter {p['name']!r}: cannot read {source['path']!r} ({exc})"
                    )
        elif "value" in p:
            item["value"] = p["value"]
        elif "default" in source:
            item["value"] = str(source["default"])
        params.append(item)
    if params:
        outputs["parameters"] = params
    stdout = step_dir / "stdout"
    if stdout.exists() and stdout.stat().st_size <= RESULT_LIMIT:
        text = stdout.read_text(errors="replace")
        outputs["result"] = text[:-1] if text.endswith("\n") else text
    arts = []
    for a in spec.get("artifacts") or ():
        what = f"template {name!r}: output artifact {a['name']!r}"
        if "path" not in a:
            continue
        try:
            local = run.sandbox.host_path(step_dir, a["path"], what)
        except DflowError as exc:
            errors.append(str(exc))
            continue
        if not local.exists():
            if not a.get("optional"):
                errors.append(f"{what}: {a['path']!r} was not written")
            continue
        archive = None if "none" in (a.get("archive") or {}) else "tar"
        key = (a.get("s3") or {}).get("key") or (
            f"{run.state.name}/{pod}/{a['name']}" + (".tgz" if archive else "")
        )
        try:
            run.store.save(local, key, archive)
        except DflowError as exc:
            errors.append(f"{what}: {exc}")
            continue
        item = {k: v for k, v in a.items() if k in ("name", "path", "globalName", "archive")}
        item["s3"] = {"key": key}
        arts.append(item)
    if arts:
        outputs["artifacts"] = arts
    if errors:
        raise PodError(f"template {name!r}: " + "; ".join(errors))
