"""The program a ``DispatcherExecutor`` step runs: submit the step with DPDispatcher, wait, collect.

It is the rendered step's whole script, so it imports nothing from dflow: the dispatcher image
needs only Python 3 and ``dpdispatcher``. Its settings come from environment variables (Argo or the
local engine substitutes their ``{{...}}`` tags): ``DFLOW_DISPATCHER_SPEC`` (JSON: machine,
resources, task, the paths to carry), ``DFLOW_DISPATCHER_SCRIPT`` (the step's script), credentials
from Secrets, and for a merged sliced step ``DFLOW_ITEMS``.

Layout of the submission (``work`` is this step's ``/tmp/.dflow-dispatcher``)::

    work/dflow-common/   forwarded once: script.in, run.sh, env.sh, tmp/ (the step's inputs)
    work/task.000000/    one task per item: task.sh (its own variables), then, remotely,
                         tmp/ (inputs copied, outputs written), log, dflow-out.tar

``run.sh`` always exits 0 after recording the script's exit code, so DPDispatcher retries only
jobs the scheduler lost; the code, the log and the outputs come back in ``dflow-out.tar``.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import sys
import tarfile
import tempfile
import time
from typing import Any, Dict, List, Optional, Tuple

SPEC_ENV = "DFLOW_DISPATCHER_SPEC"
SCRIPT_ENV = "DFLOW_DISPATCHER_SCRIPT"
ITEMS_ENV = "DFLOW_ITEMS"
SLICE_ENV = "DFLOW_SLICE"
KEY_ENV = "DFLOW_SSH_KEY"
PASSWORD_ENV = "DFLOW_SSH_PASSWORD"
PASSPHRASE_ENV = "DFLOW_SSH_PASSPHRASE"
ROOT = "/tmp"  # the step's container /tmp (the local engine maps it)
# the /tmp of a container on the remote host: spelled so that no mapping of the step's own /tmp
# (the local engine rewrites that word in scripts) can touch it
IN_CONTAINER = "/" + "tmp"
COMMON = "dflow-common"
OUT_TAR = "dflow-out.tar"
PID_FILE = "tmp/.dflow/pid"  # in a task's directory, while its script runs
STOP = "dflow-stop"  # in the submission's remote root: tasks that start after it exit at once
EXIT_STOPPED, EXIT_LOGIN, EXIT_DISPATCHER = 143, 255, 1
LOG_TAIL = 40


class Stopped(BaseException):
    """The step was told to stop (SIGTERM/SIGINT): cancel the jobs and leave."""


class StepError(Exception):
    """A failure to report as the step's last log line, with its exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _say(message: str) -> None:
    print(f"dflow: {message}", file=sys.stderr, flush=True)


# -- the shell side -------------------------------------------------------------------------------


def _tmp_word(text: str, token: Optional[str], base: str) -> str:
    """``text`` as one shell word in which ``token`` becomes ``<base>/tmp``."""
    if not token or token not in text:
        return shlex.quote(text)
    parts = text.split(token)
    out = shlex.quote(parts[0]) if parts[0] else ""
    for part in parts[1:]:
        out += f'"{base}/"tmp' + (shlex.quote(part) if part else "")
    return out


def run_sh(spec: Dict[str, Any]) -> str:
    """The task command's script: stage inputs, run the step's script, pack code and outputs."""
    token = spec.get("token")
    command = " ".join(_tmp_word(w, token, "$W") for w in spec["remote_command"])
    container = spec.get("container")
    if container:
        script = f"{IN_CONTAINER}/.dflow/script"
        run = _container_line(container, spec["envs"], command, script)
        rewrite = 'cp "$C/script.in" tmp/.dflow/script'
    else:
        run = f'{command} "$W/"tmp/.dflow/script'
        rewrite = (
            f'sed "s|{token}|$W/""tmp|g" "$C/script.in" > tmp/.dflow/script'
            if token
            else 'cp "$C/script.in" tmp/.dflow/script'
        )
    downs = " ".join(shlex.quote(p) for p in spec["downloads"])
    return f"""\
W=$(pwd -P) || exit 1
case $W in *[!A-Za-z0-9_./+,:@%=-]*)
  echo "dflow: the remote work dir $W has characters (spaces, quotes, ...) that the" \\
    "step's script cannot take unquoted in its paths; choose a plain remote_root" >&2
  exit 2;;
esac
C=$(cd ../{COMMON} && pwd -P) || exit 1
rm -rf tmp {OUT_TAR} && mkdir -p tmp/.dflow || exit 1
echo $$ > tmp/.dflow/pid
trap 'dflow_stopped=1' TERM
if [ -e ../{STOP} ]; then echo "dflow: the step was stopped before this task ran" >&2; exit 143; fi
if [ -d "$C/tmp" ]; then
  cp -Rl "$C/tmp/." tmp/ 2>/dev/null || cp -R "$C/tmp/." tmp/ || exit 1
fi
mkdir -p tmp/outputs || exit 1
{rewrite} || exit 1
. "$C/env.sh"
. ./task.sh
{run} &
dflow_child=$!
(  # a stopped step writes the stop file: end the script's process tree, on any batch system
  trap '' TERM  # a scheduler's cancellation must not end the watch before the script's end
  {_TREE}
  while kill -0 "$dflow_child" 2>/dev/null; do
    if [ -e ../{STOP} ]; then
      p=$(dflow_tree "$dflow_child")
      kill -STOP $p 2>/dev/null; kill -TERM $p 2>/dev/null; kill -CONT $p 2>/dev/null
      exit 0
    fi
    sleep 1
  done
) &
dflow_watch=$!
wait "$dflow_child"
dflow_rc=$?
while kill -0 "$dflow_child" 2>/dev/null; do  # a signal ended the wait, not the script
  wait "$dflow_child"
  dflow_rc=$?
done
kill "$dflow_watch" 2>/dev/null
echo "$dflow_rc" > tmp/.dflow/rc
rm -f tmp/.dflow/pid
cd tmp || exit 1
set -- .dflow/rc
for p in {downs}; do
  if [ -e "$p" ]; then set -- "$@" "$p"; fi
done
tar -cf ../{OUT_TAR} "$@"
exit 0
"""


def _container_line(container: Dict[str, Any], envs: List[str], command: str, script: str) -> str:
    """The script run in the template's image with docker, podman or singularity."""
    exe = shlex.quote(container["executable"])
    image = container.get("image") or ""
    args = container.get("args") or ""
    names = [*envs, SLICE_ENV]
    if container["kind"] == "singularity":
        local, remote = shlex.quote(image), shlex.quote("docker://" + image)
        ref = f"$(if [ -f {local} ]; then echo {local}; else echo {remote}; fi)"
        return f'{exe} exec -B "$W/"tmp:{IN_CONTAINER} {args} "{ref}" {command} {script}'
    pull = {"Always": "always", "IfNotPresent": "missing", "Never": "never"}.get(
        container.get("pull") or "", ""
    )
    flags = f"--pull={pull} " if pull else ""
    env_flags = "".join(f"-e {n} " for n in names)
    return (
        f'{exe} run --rm {flags}-v "$W/"tmp:{IN_CONTAINER} -w {IN_CONTAINER} {env_flags}{args} '
        f"{shlex.quote(image)} {command} {script}"
    )


def _exports(names: List[str], token: Optional[str]) -> str:
    lines = []
    for name in names:
        if name in os.environ:
            lines.append(f"export {name}={_tmp_word(os.environ[name], token, '$W')}\n")
    return "".join(lines)


# -- laying the submission out ---------------------------------------------------------------------


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def stage(spec: Dict[str, Any], script: str, work: str, items: Optional[List[Any]]) -> List[str]:
    """Write the common directory and one directory per task; returns the task directories."""
    common = os.path.join(work, COMMON)
    os.makedirs(os.path.join(common, "tmp"))
    for rel in spec["uploads"]:
        src = os.path.join(ROOT, rel)
        dst = os.path.join(common, "tmp", rel)
        if os.path.isdir(src):
            shutil.copytree(src, dst, symlinks=True, copy_function=_link_or_copy)
        elif os.path.lexists(src):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if os.path.islink(src):
                os.symlink(os.readlink(src), dst)
            else:
                _link_or_copy(src, dst)
    _write(os.path.join(common, "script.in"), script)
    _write(os.path.join(common, "run.sh"), run_sh(spec))
    _write(os.path.join(common, "env.sh"), _exports(spec["envs"], spec.get("token")))
    tasks = []
    for position, item in enumerate(items if items is not None else [None]):
        name = f"task.{position:06d}"
        text = ""
        if items is not None:
            text = f"export {SLICE_ENV}={shlex.quote(json.dumps(item))}\n"
        _write(os.path.join(work, name, "task.sh"), text)
        tasks.append(name)
    return tasks


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# -- DPDispatcher --------------------------------------------------------------------------------


def _machine_dict(spec: Dict[str, Any], work: str, private: str) -> Dict[str, Any]:
    """The machine settings with the credentials from the environment filled in."""
    machine = json.loads(json.dumps(spec["machine"]))
    machine["local_root"] = work
    profile = machine.get("remote_profile")
    if isinstance(profile, dict):
        if os.environ.get(PASSWORD_ENV):
            profile["password"] = os.environ[PASSWORD_ENV]
            profile.setdefault("look_for_keys", False)
        if os.environ.get(PASSPHRASE_ENV):
            profile["passphrase"] = os.environ[PASSPHRASE_ENV]
        if os.environ.get(KEY_ENV):
            key = os.path.join(private, "key")
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(os.environ[KEY_ENV].rstrip("\n") + "\n")
            profile["key_filename"] = key
    return machine


def _submission(spec: Dict[str, Any], work: str, private: str, tasks: List[str]) -> Any:
    from dpdispatcher import Machine, Resources, Submission, Task

    machine = Machine.load_from_dict(_machine_dict(spec, work, private))
    resources = Resources.load_from_dict(json.loads(json.dumps(spec["resources"])))
    extra = {k: v for k, v in spec["task"].items() if k != "task_work_path"}
    logs = [extra.get("outlog"), extra.get("errlog")]
    backward = [OUT_TAR] + sorted({x for x in logs if x})
    task_list = [
        Task(
            command=f"sh ../{COMMON}/run.sh",
            task_work_path=name,
            forward_files=["task.sh"],
            backward_files=backward,
            outlog=extra.get("outlog"),
            errlog=extra.get("errlog"),
        )
        for name in tasks
    ]
    return Submission(
        work_base=".",
        machine=machine,
        resources=resources,
        task_list=task_list,
        forward_common_files=[COMMON],
    )


def _jobs(submission: Any) -> str:
    ids = [str(j.job_id) for j in getattr(submission, "belonging_jobs", []) if j.job_id]
    return ", ".join(ids) if ids else "none submitted"


def cancel(submission: Any, where: str, grace: float = 0, spec: Any = None) -> List[str]:
    """Stop the submission: no task starts any more, running tasks and jobs end; returns job ids.

    A task that starts after the stop file exists exits at once. With the ``Shell`` batch type a
    job is a process tree on the host, whose every process is ended (killing the job's shell alone
    would leave the step's script running); with a scheduler, the scheduler cancels the job.
    """
    machine = submission.machine
    shell = type(machine).__name__ in ("Shell", "DistributedShell")
    try:
        machine.context.block_call(_stop_tasks(shell))
    except Exception as exc:  # keep going: the jobs must be cancelled all the same
        _say(f"cannot stop the tasks on {where}: {exc}")
    if grace > 0 and spec is not None:
        if not shell:
            _kill_jobs(submission, where, False)
        _collect_stopped(submission, spec, grace, where)
    return _kill_jobs(submission, where, shell)


def _kill_jobs(submission: Any, where: str, shell: bool) -> List[str]:
    """Cancel the unfinished jobs with the scheduler, or end their process trees (``Shell``)."""
    from dpdispatcher.utils.job_status import JobStatus

    machine = submission.machine
    cancelled = []
    for job in submission.belonging_jobs:
        if not job.job_id or job.job_state in (JobStatus.finished,):
            continue
        try:
            if shell:
                tree = f"$(dflow_tree {int(job.job_id)})"
                machine.context.block_call(f"{_TREE} kill -9 {tree} 2>/dev/null; true")
            else:
                machine.kill(job)
            cancelled.append(str(job.job_id))
        except Exception as exc:  # keep going: every other job must be cancelled too
            _say(f"cannot cancel job {job.job_id} on {where}: {exc}")
    return cancelled


def _collect_stopped(submission: Any, spec: Dict[str, Any], grace: float, where: str) -> None:
    """Within ``grace`` seconds, bring back what the stopped tasks packed (their outputs so far)."""
    context = submission.machine.context
    tasks = [t.task_work_path for t in submission.belonging_tasks]
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            if all(context.check_file_exists(f"{t}/{OUT_TAR}") for t in tasks):
                break
        except Exception:  # the host may be busy: try again until the deadline
            pass
        time.sleep(0.2)
    try:
        context.download(submission, check_exists=True, mark_failure=False)
        work = context.local_root
        found = [t for t in tasks if os.path.isfile(os.path.join(work, t, OUT_TAR))]
        collect(spec, work, found)
        _say(f"brought back the outputs of {len(found)} of {len(tasks)} stopped task(s)")
    except Exception as exc:
        _say(f"cannot bring back the stopped tasks' outputs from {where}: {exc}")


# the process ids of a process and all its descendants, one per line
_TREE = (
    'dflow_tree() { echo "$1"; '
    "for c in $(ps -eo pid=,ppid= | awk -v p=\"$1\" '$2 == p {print $1}'); "
    'do dflow_tree "$c"; done; };'
)


def _stop_tasks(shell: bool) -> str:
    """Shell code run in the submission's remote root: write the stop file, end running tasks."""
    code = f"touch {STOP};"
    if shell:  # the tasks run on this host: their process trees can be ended here
        code += (
            f" {_TREE} for f in task.*/{PID_FILE}; do"
            ' if [ -f "$f" ]; then p=$(dflow_tree "$(cat "$f")");'
            " kill -STOP $p 2>/dev/null; kill -TERM $p 2>/dev/null; kill -CONT $p 2>/dev/null;"
            " fi; done;"
        )
    return code + " true"


def submit(spec: Dict[str, Any], work: str, private: str, tasks: List[str]) -> Any:
    """Run the submission to its end; resubmit on submission errors as many times as asked."""
    attempts = int(spec.get("retries") or 0) + 1
    interval = spec.get("check_interval") or 30
    where = spec["where"]
    for attempt in range(attempts):
        submission = None
        try:
            submission = _submission(spec, work, private, tasks)  # connects to the host
            _current["submission"] = submission
            submission.run_submission(clean=bool(spec.get("clean", True)), check_interval=interval)
            return submission
        except Stopped:
            raise
        except Exception as exc:
            jobs = getattr(submission, "belonging_jobs", [])
            submitted = any(j.job_id for j in jobs)
            if submission is not None:
                cancel(submission, where)
            if submitted or attempt + 1 >= attempts:
                raise StepError(_explain(exc, submission, where), _code(exc)) from None
            _say(f"submission to {where} failed ({exc}); retrying")
            time.sleep(min(2**attempt, 60))
    raise AssertionError("unreachable")


def _code(exc: BaseException) -> int:
    """255 for SSH failures (as ssh itself reports them), 1 for any other DPDispatcher error."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & {"AuthenticationException", "SSHException", "NoValidConnectionsError"}:
        return EXIT_LOGIN
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return EXIT_LOGIN
    return EXIT_DISPATCHER


def _explain(exc: BaseException, submission: Any, where: str) -> str:
    kind = type(exc).__name__
    text = str(exc).replace("\033[31m", "").replace("\033[0m", "").strip()
    if _code(exc) == EXIT_LOGIN:
        return f"cannot log in to {where} ({kind}: {text})"
    return f"DPDispatcher failed on {where} (jobs: {_jobs(submission)}): {kind}: {text}"


# -- outputs -------------------------------------------------------------------------------------


def _unpack(archive: str, target: str) -> None:
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(target, filter="tar")
            return
        for member in tar.getmembers():
            name = os.path.normpath(member.name)
            if name.startswith(("..", "/")) or os.path.isabs(name):
                raise StepError(f"the outputs archive holds an unsafe path {member.name!r}", 1)
            if member.issym() or member.islnk():
                link = os.path.normpath(os.path.join(os.path.dirname(name), member.linkname))
                if member.islnk() and (link.startswith("..") or os.path.isabs(member.linkname)):
                    raise StepError(f"the outputs archive holds an unsafe link {member.name!r}", 1)
        tar.extractall(target)  # noqa: S202 - every member was checked above


def _tail(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-LOG_TAIL:])


def collect(spec: Dict[str, Any], work: str, tasks: List[str]) -> Tuple[int, List[str]]:
    """Bring the tasks' outputs to the step's paths; returns the exit code and the logs' tails."""
    merged = spec.get("merge") is not None
    codes: List[int] = []
    logs: List[str] = []
    outlog = spec["task"].get("outlog") or spec["task"].get("errlog")
    values: Dict[str, List[Any]] = {p: [] for p in (spec.get("merge") or {}).get("parameters", [])}
    for name in tasks:
        task_dir = os.path.join(work, name)
        if outlog:
            logs.append(_tail(os.path.join(task_dir, outlog)))
        archive = os.path.join(task_dir, OUT_TAR)
        if not os.path.isfile(archive):
            codes.append(EXIT_DISPATCHER)
            continue
        unpacked = os.path.join(task_dir, "unpacked")
        _unpack(archive, unpacked)
        try:
            with open(os.path.join(unpacked, ".dflow", "rc")) as f:
                codes.append(int(f.read().strip() or 1))
        except (OSError, ValueError):
            codes.append(EXIT_DISPATCHER)
        for rel, found in values.items():
            found.append(_element(os.path.join(unpacked, rel)))
        shutil.rmtree(os.path.join(unpacked, ".dflow"), ignore_errors=True)
        _merge_tree(unpacked, ROOT, skip=set(values) if merged else set())
    failed = [c for c in codes if c != 0]
    for rel, found in values.items():
        if any(v is not None for v in found):
            _write(os.path.join(ROOT, rel), json.dumps(found, separators=(",", ":")))
    if not failed:
        return 0, logs
    hard = [c for c in failed if c != 1]
    return (hard[0] if hard else failed[0]), logs


def _element(path: str) -> Any:
    """One item's output parameter as a fan-out aggregates it: JSON if it parses, else text."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    if text.endswith("\n"):
        text = text[:-1]  # as Argo reads an output parameter file
    try:
        return json.loads(text)
    except ValueError:
        return text


def _merge_tree(src: str, dst: str, skip: set) -> None:
    """Move every file under ``src`` to the same place under ``dst`` (directories merge)."""
    for here, dirs, files in os.walk(src):
        rel = os.path.relpath(here, src)
        target = os.path.normpath(os.path.join(dst, rel))
        os.makedirs(target, exist_ok=True)
        for name in files + [d for d in dirs if os.path.islink(os.path.join(here, d))]:
            path = os.path.normpath(os.path.join(rel, name))
            if path in skip:
                continue
            out = os.path.join(target, name)
            if os.path.lexists(out) and not os.path.isdir(out):
                os.remove(out)
            os.replace(os.path.join(here, name), out)


# -- the program ---------------------------------------------------------------------------------

_current: Dict[str, Any] = {}


def _on_signal(signum: int, frame: Any) -> None:
    raise Stopped(signum)


def _quiet_stdout(debug: bool) -> None:
    """DPDispatcher logs to stderr: the step's stdout (Argo's ``result``) is the task's output."""
    import logging

    from dpdispatcher.dlog import dlog

    for handler in dlog.handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
            handler.setStream(sys.stderr)
    if debug:
        dlog.setLevel(logging.DEBUG)


def _run_hook(code: str, what: str) -> None:
    if code.strip():
        exec(compile(code, f"<{what}>", "exec"), {"__name__": f"dflow_{what}"})


def main() -> int:
    """Run the step through DPDispatcher; returns the step's exit code."""
    spec = json.loads(os.environ[SPEC_ENV])
    script = os.environ.get(SCRIPT_ENV, "")
    where = spec["where"]
    items = None
    if spec.get("merge") is not None:
        items = json.loads(os.environ[ITEMS_ENV])
        if not isinstance(items, list) or not items:
            _say(f"a merged sliced step needs a non-empty item list, got {items!r}")
            return 2
    work = os.path.join(ROOT, ".dflow-dispatcher")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    os.chdir(work)  # DPDispatcher writes its log file in the working directory
    private = tempfile.mkdtemp(prefix="dflow-dispatcher-")
    os.chmod(private, 0o700)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        _quiet_stdout(bool(spec.get("debug")))
        _run_hook(spec.get("pre_script") or "", "pre_script")
        tasks = stage(spec, script, work, items)
        submit(spec, work, private, tasks)
        rc, logs = collect(spec, work, tasks)
        for text in logs:
            if text:
                print(text, flush=True)
        if rc != 0:
            jobs = _jobs(_current.get("submission"))
            _say(f"the step failed on {where} (jobs: {jobs}) with exit code {rc}")
            return rc
        _run_hook(spec.get("post_script") or "", "post_script")
        return 0
    except Stopped:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        # said first: the engine may kill this process soon (the local engine after 2 s)
        _say(f"the step was stopped; its tasks on {where} are being stopped")
        submission = _current.get("submission")
        grace = float(spec.get("grace") or 0)
        ids = cancel(submission, where, grace, spec) if submission is not None else []
        _say(f"jobs cancelled on {where}: {', '.join(ids) or 'none yet submitted'}")
        return EXIT_STOPPED
    except StepError as exc:
        _say(str(exc))
        return exc.code
    finally:
        shutil.rmtree(private, ignore_errors=True)


if __name__ == "__main__":
    _rc = main()
    if _rc:  # on success fall through: code appended to the script (a success tag) runs
        sys.exit(_rc)
