"""``LocalEngine``: the engine of ``config["mode"] = "debug"``: manifests run on this machine."""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ...config import debug_artifact_root
from ...errors import DflowError, InvalidWorkflowError, NotFoundError, WaitTimeoutError
from .. import FINISHED_PHASES
from .layout import Layout, check_workflow_id, engine_root, private_dir
from .liveness import RunnerLock, is_held
from .memo import MemoCache
from .progress import ProgressLine
from .settings import DEBUG_KEYS, DebugSettings
from .state import WorkflowState, now, read_state, write_json

__all__ = ["LocalEngine"]

log = logging.getLogger("dflow")
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_SUFFIX = 5


class LocalEngine:
    """Runs rendered Argo manifests with host processes; status is kept under one root directory.

    Args:
        root: the engine's directory (default ``config["debug_workdir"]`` or the user cache).
        workers: how many steps run at once (default ``config["debug_workers"]`` or CPU count).
        isolation: ``auto``, ``namespace`` or ``rewrite`` (see ``sandbox``).
        detach: return from ``submit`` at once and run in a separate process.
    """

    def __init__(
        self,
        root: Optional[str] = None,
        workers: Optional[int] = None,
        isolation: Optional[str] = None,
        detach: Optional[bool] = None,
        **_ignored: Any,
    ) -> None:
        from ...config import config, s3_config

        self.config = dict(config)
        self.s3_config = dict(s3_config)
        self.settings = DebugSettings.from_config(self.config)
        artifacts = (
            debug_artifact_root(self.config) if self.config.get("debug_artifact_dir") else None
        )
        self.layout = Layout(Path(root).resolve() if root else engine_root(self.config), artifacts)
        self.workers = int(workers or self.settings.workers)
        self.isolation = isolation or self.config.get("debug_isolation") or "auto"
        self.detach = bool(self.config.get("detach") if detach is None else detach)
        self._runs: Dict[str, Any] = {}
        self._lock = threading.Lock()
        # steps import user modules (Python OPs) the way the submitting program does
        self.python_path = [os.path.abspath(p or ".") for p in sys.path if os.path.isdir(p or ".")]

    # -- submit --------------------------------------------------------------------------------

    def submit(
        self,
        manifest: Dict[str, Any],
        reuse_step: Optional[List[Any]] = None,
        memoize_configmap: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Start a workflow; waits for it unless the engine is detached."""
        workflow, lock = self._new_workflow(manifest)
        try:
            if reuse_step:
                from ...memoize import cache_entries

                memo = MemoCache(self.layout.memo(memoize_configmap))
                memo.put_entries(cache_entries(reuse_step))
        except BaseException:
            self._discard(workflow["metadata"]["name"], lock)
            raise
        return self._start(workflow, None, lock, fresh=True)

    def _new_workflow(self, manifest: Dict[str, Any]) -> Tuple[Dict[str, Any], RunnerLock]:
        """Create the workflow's folder atomically (a name is taken once) and lock it."""
        _check_manifest(manifest)
        meta = dict(manifest.get("metadata") or {})
        name = meta.pop("name", None)
        prefix = meta.pop("generateName", None) or "workflow-"
        if name is not None:
            check_workflow_id(name)
        elif not isinstance(prefix, str):
            raise InvalidWorkflowError(f"metadata.generateName {prefix!r} is not a string")
        else:
            check_workflow_id(prefix + "x" * _SUFFIX)
        private_dir(self.layout.workflows)
        for _ in range(1 if name is not None else 50):
            wid = name or prefix + "".join(random.choices(_ALPHABET, k=_SUFFIX))
            try:
                self.layout.workflow(wid).mkdir(mode=0o700)
                break
            except FileExistsError:
                if name is not None:
                    raise InvalidWorkflowError(
                        f"workflow {wid!r} already exists under {self.layout.root}"
                    ) from None
        else:
            raise DflowError(f"no free workflow name with the prefix {prefix!r} after 50 tries")
        lock = RunnerLock.claim(self.layout.lock(wid), wait=0)
        if lock is None:  # cannot happen for a folder this process just made
            raise DflowError(f"workflow {wid!r} is locked by another process")
        meta.update(
            {
                "name": wid,
                "namespace": meta.get("namespace", "local"),
                "uid": str(uuid.uuid4()),
                "creationTimestamp": now(),
            }
        )
        if "generateName" in (manifest.get("metadata") or {}):
            meta["generateName"] = prefix
        workflow = {
            "apiVersion": manifest.get("apiVersion", "argoproj.io/v1alpha1"),
            "kind": "Workflow",
            "metadata": meta,
            "spec": json.loads(json.dumps(manifest["spec"])),
            "status": {"phase": "Pending", "startedAt": now(), "nodes": {}, "progress": "0/0"},
        }
        return workflow, lock

    def _discard(self, wid: str, lock: RunnerLock) -> None:
        """Remove a workflow whose creation failed, so that its name is free again."""
        shutil.rmtree(self.layout.workflow(wid), ignore_errors=True)
        lock.release()

    def _start(
        self,
        workflow: Dict[str, Any],
        previous: Optional[Dict[str, Any]],
        lock: RunnerLock,
        fresh: bool = False,
    ) -> Dict[str, Any]:
        wid = workflow["metadata"]["name"]
        wdir = self.layout.workflow(wid)
        try:
            self.layout.control(wid).unlink(missing_ok=True)
            if previous:
                write_json(wdir / "previous.json", previous, f"the retry plan of {wid!r}")
            write_json(self.layout.state(wid), workflow, f"the state of workflow {wid!r}")
        except BaseException:
            if fresh:
                self._discard(wid, lock)
            else:
                (wdir / "previous.json").unlink(missing_ok=True)
                lock.release()
            raise
        if self.detach:
            try:
                self._spawn(wid, lock)
            finally:
                lock.release()  # the runner holds its own copy of the locked descriptor
            return workflow
        final = self.run_here(wid, lock)
        if final["status"]["phase"] != "Succeeded":
            log.warning(
                "workflow %s %s: %s",
                wid,
                final["status"]["phase"],
                final["status"].get("message", ""),
            )
        return final

    def _spawn(self, wid: str, lock: RunnerLock) -> None:
        settings = {
            "s3": {
                k: self.s3_config.get(k)
                for k in ("endpoint", "access_key", "secret_key", "bucket_name", "prefix", "secure")
            },
            "debug_s3": bool(self.config.get("debug_s3")),
            "debug": {k: self.config.get(k) for k in DEBUG_KEYS},
        }
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(self.python_path)
        argv = [
            sys.executable,
            "-m",
            "dflow.engines.local.runner",
            str(self.layout.root),
            wid,
            "--workers",
            str(self.workers),
            "--isolation",
            self.isolation,
            "--lock-fd",
            str(lock.fd),
        ]
        log_path = self.layout.workflow(wid) / "runner.log"
        out = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            # settings (S3 credentials among them) go through a pipe, never the environment
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
                cwd=str(self.layout.workflow(wid)),
                pass_fds=(lock.fd,),
            )
        finally:
            os.close(out)
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps(settings).encode())
            proc.stdin.close()
        except OSError:
            pass  # the runner died at once: readers see its lock free and report it
        # reap it in the background so that it does not linger as a zombie
        threading.Thread(target=proc.wait, daemon=True).start()

    def run_here(self, wid: str, lock: Optional[RunnerLock] = None) -> Dict[str, Any]:
        """Run the stored workflow ``wid`` in this process until it finishes.

        ``lock`` is the workflow's runner lock when the caller holds it; else it is taken here
        (and a workflow another live process runs is refused).
        """
        if lock is None:
            lock = RunnerLock.claim(self.layout.lock(wid))
            if lock is None:
                raise DflowError(f"workflow {wid!r} is being run by another process")
        try:
            return self._run_locked(wid)
        finally:
            lock.release()

    def _run_locked(self, wid: str) -> Dict[str, Any]:
        from .sandbox import Sandbox
        from .scheduler import Run
        from .store import make_store

        wdir = self.layout.workflow(wid)
        data = read_state(self.layout.state(wid))
        prev_path = wdir / "previous.json"
        state = WorkflowState(data, self.layout.state(wid))
        try:
            previous = json.loads(prev_path.read_text()) if prev_path.exists() else None
            sandbox = Sandbox(self.isolation)
            private_dir(self.layout.artifacts)
            store = make_store(self.config, self.s3_config, self.layout.artifacts)
        except Exception as exc:  # a bad setting: the workflow ends in Error, saying why
            data["status"].update(
                phase="Error",
                message=f"the local engine could not start: {exc}",
                finishedAt=now(),
            )
            state.flush()
            raise
        data["status"]["phase"] = "Running"
        run = Run(
            state,
            self.layout,
            store,
            sandbox,
            self.workers,
            previous,
            self.python_path,
            self.config.get("debug_zygote", True),
            self.settings,
        )
        with self._lock:
            self._runs[wid] = run
        watcher = threading.Thread(target=self._watch_control, args=(wid, run), daemon=True)
        try:
            state.start()
            watcher.start()
            run.run()
        except BaseException as exc:
            run.terminate()
            with state.lock:
                state.status["phase"] = "Error"
                state.status["message"] = f"the local engine stopped: {exc!r}"
                state.status["finishedAt"] = now()
            raise
        finally:
            try:
                run.close()
            finally:
                with self._lock:
                    self._runs.pop(wid, None)
                prev_path.unlink(missing_ok=True)
                state.close()
        return state.snapshot()

    def _watch_control(self, wid: str, run: Any) -> None:
        control = self.layout.control(wid)
        while wid in self._runs:
            if control.exists():
                run.terminate()
                return
            time.sleep(0.2)

    # -- queries -------------------------------------------------------------------------------

    def get(self, workflow_id: str, locked: bool = False) -> Dict[str, Any]:
        """The workflow and its status, from memory when it runs here, else from its state file.

        ``locked``: the caller holds the runner lock, so no runner lives.
        """
        run = self._runs.get(workflow_id)
        if run is not None:
            return run.state.snapshot()  # type: ignore[no-any-return]
        path = self.layout.state(workflow_id)
        if not path.exists():
            raise NotFoundError(f"workflow {workflow_id!r} not found under {self.layout.root}")
        data: Optional[Dict[str, Any]] = None
        problem: Optional[ValueError] = None
        for _ in range(20):
            try:
                data = read_state(path)
                break
            except ValueError as exc:  # replaced between open and read, or corrupt
                problem = exc
                time.sleep(0.05)
        if data is None:
            raise DflowError(
                f"cannot read the state of workflow {workflow_id!r} at {path}: {problem}"
            )
        if data["status"].get("phase") not in FINISHED_PHASES and (
            locked or not is_held(self.layout.lock(workflow_id))
        ):
            # the runner ended without finishing; it writes its last state before it lets go
            # of the lock, so read once more before calling it dead
            try:
                data = read_state(path)
            except (OSError, ValueError):
                pass
            if data["status"].get("phase") not in FINISHED_PHASES:
                data["status"]["phase"] = "Error"
                data["status"]["message"] = self._death_notice(workflow_id)
        return data

    def _death_notice(self, wid: str) -> str:
        message = "the process running this workflow has ended before the workflow finished"
        try:
            tail = (self.layout.workflow(wid) / "runner.log").read_text(errors="replace")
        except OSError:
            return message
        lines = tail.strip().splitlines()[-5:]
        return message + ("\n--- last lines of its log ---\n" + "\n".join(lines) if lines else "")

    def list(self, labels: Optional[Dict[str, str]] = None) -> List[Dict[str, Any]]:
        found: List[Dict[str, Any]] = []
        if not self.layout.workflows.exists():
            return found
        for path in sorted(self.layout.workflows.glob("*/state.json")):
            try:
                data = read_state(path)
                if data["status"].get("phase") not in FINISHED_PHASES:
                    data = self.get(path.parent.name)  # running here, elsewhere, or dead
            except (OSError, ValueError, DflowError):
                continue
            have = data["metadata"].get("labels") or {}
            if all(have.get(k) == v for k, v in (labels or {}).items()):
                found.append(data)
        return found

    def wait(self, workflow_id: str, interval: float = 1.0, timeout: Optional[float] = None) -> str:
        """Block until the workflow ends (at most ``timeout`` seconds); a progress line shows on
        a terminal."""
        line = ProgressLine(workflow_id, sys.stderr)
        start = time.monotonic()
        while True:
            data = self.get(workflow_id)
            line.show(data)
            phase = str(data["status"].get("phase"))
            if phase in FINISHED_PHASES:
                line.close(data)
                return phase
            waited = time.monotonic() - start
            if timeout is not None and waited >= timeout:
                line.close(data)
                raise WaitTimeoutError(workflow_id, data["status"].get("phase"), waited)
            pause = min(interval, 0.5)
            time.sleep(pause if timeout is None else min(pause, timeout - waited))

    # -- actions -------------------------------------------------------------------------------

    def logs(
        self,
        workflow_id: str,
        node: Dict[str, Any],
        follow: bool = False,
        tail: Optional[int] = None,
        grep: Optional[str] = None,
    ) -> Iterator[str]:
        """The lines the pod ``node`` wrote (stdout, then stderr), followed while it runs."""
        from .logs import step_log_lines

        step_dir = self.layout.step(workflow_id, str(node["id"]))

        def ended() -> bool:
            now_wf = self.get(workflow_id)
            if (now_wf.get("status") or {}).get("phase") in FINISHED_PHASES:
                return True
            current = ((now_wf.get("status") or {}).get("nodes") or {}).get(node["id"]) or {}
            return current.get("phase") in ("Succeeded", "Failed", "Error", "Skipped", "Omitted")

        return step_log_lines(step_dir, follow=follow, tail=tail, grep=grep, ended=ended)

    def action(self, workflow_id: str, verb: str) -> Dict[str, Any]:
        """``terminate``/``stop``, ``retry``, ``resubmit`` or ``delete`` (not suspend/resume)."""
        if verb in ("terminate", "stop"):
            return self._terminate(workflow_id)
        if verb == "retry":
            self.get(workflow_id)  # not found, or a bad id, before anything else
            lock = RunnerLock.claim(self.layout.lock(workflow_id))
            if lock is None:
                raise DflowError(
                    f"workflow {workflow_id!r} is Running; only a failed workflow can retry"
                )
            try:
                data = self.get(workflow_id, locked=True)
                self._require_finished(data, "retry")
            except BaseException:
                lock.release()
                raise
            previous = _succeeded_pods(data)
            data["status"] = {
                "phase": "Pending",
                "startedAt": now(),
                "nodes": {},
                "progress": "0/0",
            }
            return self._start(data, previous, lock)
        if verb == "resubmit":
            data = self.get(workflow_id)
            self._require_finished(data, "resubmit")
            previous = _succeeded_pods(data)
            meta = data["metadata"]
            manifest = {
                "metadata": {"generateName": meta.get("generateName") or f"{meta['name']}-"},
                "spec": data["spec"],
            }
            for field in ("labels", "annotations"):
                if meta.get(field):
                    manifest["metadata"][field] = meta[field]
            fresh, lock = self._new_workflow(manifest)
            renamed = _renamed(previous, meta["name"], fresh["metadata"]["name"])
            return self._start(fresh, renamed, lock, fresh=True)
        if verb == "delete":
            data = self.get(workflow_id)
            if data["status"].get("phase") not in FINISHED_PHASES:
                self._terminate(workflow_id)
            shutil.rmtree(self.layout.workflow(workflow_id), ignore_errors=True)
            return {}
        if verb in ("suspend", "resume"):
            raise DflowError(
                f"the local engine cannot {verb} a workflow; terminate and retry it instead"
            )
        raise DflowError(f"unknown action {verb!r} on workflow {workflow_id!r}")

    @staticmethod
    def _require_finished(data: Dict[str, Any], verb: str) -> None:
        phase = data["status"].get("phase")
        if phase not in ("Failed", "Error"):
            raise DflowError(
                f"workflow {data['metadata']['name']!r} is {phase}; "
                f"only a failed workflow can {verb}"
            )

    def _terminate(self, wid: str) -> Dict[str, Any]:
        data = self.get(wid)
        if data["status"].get("phase") in FINISHED_PHASES:
            return data
        self.layout.control(wid).write_text("terminate")
        run = self._runs.get(wid)
        if run is not None:
            run.terminate()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            data = self.get(wid)
            if data["status"].get("phase") in FINISHED_PHASES:
                return data
            time.sleep(0.1)
        raise DflowError(f"workflow {wid!r} did not stop within 30 s")


def _check_manifest(manifest: Dict[str, Any]) -> None:
    if not isinstance(manifest, dict) or manifest.get("kind", "Workflow") != "Workflow":
        raise InvalidWorkflowError("the manifest is not an Argo Workflow")
    spec = manifest.get("spec")
    if not isinstance(spec, dict) or not isinstance(spec.get("templates"), list):
        raise InvalidWorkflowError("the manifest has no spec.templates list")
    names = [t.get("name") for t in spec["templates"]]
    if spec.get("entrypoint") not in names:
        raise InvalidWorkflowError(
            f"the manifest's entrypoint {spec.get('entrypoint')!r} is not one of its templates"
        )
    seen = set()
    for n in names:
        if n in seen:
            raise InvalidWorkflowError(f"the manifest has two templates named {n!r}")
        seen.add(n)


def _succeeded_pods(data: Dict[str, Any]) -> Dict[str, Any]:
    """Pods that succeeded, by node name: a retried run takes their outputs instead of rerunning."""
    nodes = data["status"].get("nodes") or {}
    return {
        n["name"]: n
        for n in nodes.values()
        if n.get("type") == "Pod" and n.get("phase") == "Succeeded"
    }


def _renamed(previous: Dict[str, Any], old: str, new: str) -> Dict[str, Any]:
    from .state import node_id

    out = {}
    for name, node in previous.items():
        fresh = new + name[len(old) :] if name.startswith(old) else name
        node = dict(node, name=fresh, id=node_id(new, fresh))
        out[fresh] = node
    return out
