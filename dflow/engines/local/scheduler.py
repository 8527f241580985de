"""Runs one workflow: templates by kind, retries, memoization, global outputs, termination."""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from typing import Any, Dict, Iterator, List, Optional

from ...errors import DflowError, StepFailedError
from .arguments import StepError
from .expressions import ExpressionError, evaluate, substitute
from .layout import Layout
from .memo import MemoCache
from .pod import run_pod
from .process import ProcessGroups
from .sandbox import Sandbox
from .scope import deep_substitute, parse_duration
from .settings import DebugSettings
from .state import WorkflowState
from .store import ArtifactStore

__all__ = ["Run"]

PROGRESS_ANNOTATION = "workflows.argoproj.io/progress"
_FAILED = ("Failed", "Error")
_CHILD_FAILED = re.compile(r"child '([^']+)' failed")


class Run:
    """The execution of one workflow manifest, whose status lives in ``state``."""

    def __init__(
        self,
        state: WorkflowState,
        layout: Layout,
        store: ArtifactStore,
        sandbox: Sandbox,
        workers: int,
        previous: Optional[Dict[str, Dict[str, Any]]] = None,
        python_path: Optional[List[str]] = None,
        use_zygote: bool = True,
        settings: Optional[DebugSettings] = None,
    ) -> None:
        self.state = state
        self.python_path = list(python_path or ())
        self.layout = layout
        self.store = store
        self.sandbox = sandbox
        spec = state.data["spec"]
        self.templates: Dict[str, Dict[str, Any]] = {t["name"]: t for t in spec["templates"]}
        self.workers = threading.BoundedSemaphore(max(1, workers))
        limit = spec.get("parallelism")
        self.wf_limit = threading.BoundedSemaphore(int(limit)) if limit else None
        self.groups = ProcessGroups()
        self.previous = previous or {}
        self.first_failure: Optional[str] = None
        self.pod_failures: Dict[str, str] = {}  # pod node id -> what its failure is reported as
        self.settings = settings or DebugSettings(max(1, workers), None, 0.0, False)
        self.failed_fast = False  # debug_failfast stopped the running steps
        self.use_zygote = use_zygote
        self._zygote: Any = None
        self._zygote_lock = threading.Lock()
        self._global_lock = threading.Lock()
        meta = state.data["metadata"]
        self.globals: Dict[str, Any] = {
            "workflow.name": meta["name"],
            "workflow.uid": meta.get("uid", ""),
            "workflow.namespace": meta.get("namespace", "local"),
            "workflow.creationTimestamp": meta.get("creationTimestamp", ""),
        }
        for p in (spec.get("arguments") or {}).get("parameters") or ():
            if "value" in p:
                self.globals[f"workflow.parameters.{p['name']}"] = str(p["value"])

    # -- entry ---------------------------------------------------------------------------------

    def run(self) -> None:
        """Run the entrypoint and record the workflow's final phase."""
        if self.sandbox.mode == "namespace":
            # every step is forked by the zygote: have it up before the first one, so that
            # the first step does not start later than the steps beside it
            self.zygote().wait_ready(60.0)
        spec = self.state.data["spec"]
        name = self.state.name
        args = spec.get("arguments") or {}
        params = {p["name"]: str(p["value"]) for p in args.get("parameters") or () if "value" in p}
        arts = {a["name"]: a for a in args.get("artifacts") or ()}
        node = self.execute(
            spec["entrypoint"], params, arts, name, name, None, None, "the workflow"
        )
        phase = node["phase"]
        phase = "Succeeded" if phase in ("Omitted", "Skipped") else phase
        if self.groups.cancelled.is_set():
            phase = "Failed"
        finished = node.get("finishedAt")
        message = ""
        if phase != "Succeeded":
            message = self._cause(node) or self.first_failure or node.get("message", "")
        if spec.get("onExit") and not self.groups.cancelled.is_set():
            exit_node = self._exit_handler(spec["onExit"], phase, name)
            finished = exit_node.get("finishedAt") or finished
            if phase == "Succeeded" and exit_node["phase"] != "Succeeded":
                phase = "Failed" if exit_node["phase"] == "Failed" else "Error"
                message = exit_node.get("message", "") or "the exit handler failed"
        status = self.state.status
        with self.state.lock:
            status["phase"] = phase
            if self.groups.cancelled.is_set() and not self.failed_fast:
                status["message"] = "Stopped with strategy 'Terminate'"
            elif phase != "Succeeded":
                status["message"] = message
            status["finishedAt"] = finished

    def _exit_handler(self, template: str, phase: str, name: str) -> Dict[str, Any]:
        """Run ``spec.onExit`` as the node ``<workflow>.onExit``, whatever the phase (as Argo)."""
        failures = [
            {"displayName": n.get("displayName"), "message": n.get("message", ""), "phase": p}
            for n in list(self.state.nodes.values())
            if (p := n.get("phase")) in ("Failed", "Error") and n.get("type") == "Pod"
        ]
        with self._global_lock:
            self.globals["workflow.status"] = phase
            self.globals["workflow.failures"] = json.dumps(failures)
        exit_name = f"{name}.onExit"
        return self.execute(template, {}, {}, exit_name, exit_name, None, None, "the exit handler")

    def terminate(self) -> None:
        self.groups.terminate()

    def zygote(self) -> Any:
        """The fork server for steps, started on first use (None when off: a Python step then
        starts a fresh interpreter); isolated steps always have one, it forks their keepers."""
        if not self.use_zygote and self.sandbox.mode != "namespace":
            return None
        with self._zygote_lock:
            if self._zygote is None:
                from .pod import step_base_env
                from .zygote import PRELOAD_ENV, SPARE_ENV, Zygote, op_imports

                # its children replace it by their own; it preloads no secret
                env = step_base_env([*self.python_path, os.environ.get("PYTHONPATH", "")])
                env[PRELOAD_ENV] = "\n".join(op_imports(self.templates.values()))
                if self.sandbox.mode == "namespace":
                    env[SPARE_ENV] = "1"
                self._zygote = Zygote(env)
            return self._zygote

    def close(self) -> None:
        """Stop the zygote, if one was started."""
        with self._zygote_lock:
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None

    def template(self, name: str, who: str) -> Dict[str, Any]:
        tmpl = self.templates.get(name)
        if tmpl is None:
            raise StepError(f"{who}: template {name!r} is not in the workflow")
        return tmpl

    def scope(self) -> Dict[str, Any]:
        with self._global_lock:
            return dict(self.globals)

    # -- templates -----------------------------------------------------------------------------

    def execute(
        self,
        template: str,
        params: Dict[str, str],
        arts: Dict[str, Any],
        name: str,
        display: str,
        boundary: Optional[str],
        parent: Optional[str],
        who: str,
    ) -> Dict[str, Any]:
        """Run ``template`` as the node ``name``; returns the finished node."""
        try:
            tmpl = self.template(template, who)
            scope, inputs = self._inputs(tmpl, params, arts, who)
            scope["node.name"] = name  # as Argo gives every template (a pod's is its own)
        except (DflowError, ExpressionError) as exc:
            return self._error_node(name, display, template, boundary, parent, str(exc))
        if self.groups.cancelled.is_set():
            return self._error_node(
                name, display, template, boundary, parent, "terminated", "Failed"
            )
        kind = _kind(tmpl)
        cached = self._memo_hit(tmpl, scope, name, display, kind, boundary, parent, inputs, who)
        if cached is not None:
            return cached
        done = self.previous.get(name)
        if done is not None and done.get("type") == "Pod" and done.get("templateName") == template:
            return self._restore(done, boundary, parent)
        if tmpl.get("retryStrategy"):
            node = self._retry(tmpl, scope, inputs, name, display, boundary, parent, who)
        else:
            node = self._attempt(tmpl, scope, inputs, name, display, boundary, parent, who, 0)
        if node["phase"] == "Succeeded":
            self._memo_store(tmpl, scope, node)
            self._publish_globals(node)
        return node

    def _inputs(
        self, tmpl: Dict[str, Any], params: Dict[str, str], arts: Dict[str, Any], who: str
    ) -> tuple[Dict[str, Any], Dict[str, Any]]:
        scope = self.scope()
        in_params = []
        for p in (tmpl.get("inputs") or {}).get("parameters") or ():
            pname = p["name"]
            if pname in params:
                value = params[pname]
            elif "value" in p:
                value = substitute(str(p["value"]), scope, strict=False)
            elif "default" in p:
                value = str(p["default"])
            else:
                raise StepError(
                    f"{who}: input parameter {pname!r} of template {tmpl['name']!r} is not given"
                )
            scope[f"inputs.parameters.{pname}"] = value
            entry = {"name": pname, "value": value}
            if "description" in p:
                entry["description"] = p["description"]
            in_params.append(entry)
        in_arts = []
        for a in (tmpl.get("inputs") or {}).get("artifacts") or ():
            aname = a["name"]
            source = arts.get(aname)
            if source is None and (a.get("s3") or a.get("raw")):
                key = a.get("s3", {}).get("key")
                source = {"s3": {"key": substitute(key, scope, strict=True)}} if key else a
            if source is None and not a.get("optional"):
                raise StepError(
                    f"{who}: input artifact {aname!r} of template {tmpl['name']!r} is not given"
                )
            if source is None:
                continue
            entry = {"name": aname, **{k: v for k, v in source.items() if k != "name"}}
            if "path" in a:
                entry["path"] = a["path"]
            scope[f"inputs.artifacts.{aname}"] = entry
            in_arts.append(entry)
        inputs: Dict[str, Any] = {}
        if in_params:
            inputs["parameters"] = in_params
        if in_arts:
            inputs["artifacts"] = in_arts
        return scope, inputs

    def _attempt(
        self,
        tmpl: Dict[str, Any],
        scope: Dict[str, Any],
        inputs: Dict[str, Any],
        name: str,
        display: str,
        boundary: Optional[str],
        parent: Optional[str],
        who: str,
        retries: int,
    ) -> Dict[str, Any]:
        from .composite import run_dag, run_steps

        kind = _kind(tmpl)
        extra: Dict[str, Any] = {"inputs": inputs} if inputs else {}
        if kind == "Pod":
            annotations = (tmpl.get("metadata") or {}).get("annotations") or {}
            extra["progress"] = annotations.get(PROGRESS_ANNOTATION, "0/1")
            phase = "Pending"
        else:
            phase = "Running"
        node = self.state.add_node(
            name, display, kind, tmpl["name"], boundary, parent, phase, **extra
        )
        nid = node["id"]
        try:
            if kind == "Steps":
                phase, message, outputs = run_steps(self, tmpl, node, scope, who)
            elif kind == "DAG":
                phase, message, outputs = run_dag(self, tmpl, node, scope, who)
            elif kind == "Pod":
                with self._pod_slot():
                    phase, message, outputs = run_pod(self, tmpl, node, scope, retries)
            elif kind == "HTTP":
                from .http import run_http

                phase, message, outputs = run_http(tmpl, scope, who)
            else:
                raise StepError(
                    f"{who}: template {tmpl['name']!r} is a {kind} template, which needs a "
                    "Kubernetes cluster; the local engine runs script, container, Steps and DAG "
                    "templates"
                )
        except (DflowError, ExpressionError, OSError) as exc:
            phase, message, outputs = "Error", f"{who}: {exc}", {}
        fields: Dict[str, Any] = {"phase": phase, "message": message or None}
        if outputs:
            fields["outputs"] = outputs
        if kind == "Pod" and phase in _FAILED:
            self._note_failure(nid, display, tmpl["name"], message, outputs)
        self.state.update(nid, **fields)
        return self.state.nodes[nid]

    @contextlib.contextmanager
    def _pod_slot(self) -> Iterator[None]:
        with self.workers:
            if self.wf_limit is None:
                yield
            else:
                with self.wf_limit:
                    yield

    def _note_failure(
        self, nid: str, display: str, template: str, message: str, outputs: Dict[str, Any]
    ) -> None:
        if self.groups.cancelled.is_set():
            return
        text, _, tail = message.partition("\n--- last lines of its log ---\n")
        code = outputs.get("exitCode")
        err = StepFailedError(
            f"{display} (template {template})",
            text,
            int(code) if code not in (None, "") else None,
            tail,
        )
        self.pod_failures[nid] = str(err)
        if self.first_failure is None:
            self.first_failure = str(err)

    def _cause(self, node: Dict[str, Any]) -> Optional[str]:
        """The failed pod that failed ``node``, followed down its ``child '...' failed`` messages
        (a failure that ``continueOn`` tolerated is passed over), as its report."""
        seen = set()
        current: Optional[Dict[str, Any]] = node
        while current is not None and current["id"] not in seen:
            seen.add(current["id"])
            if current["id"] in self.pod_failures:
                return self.pod_failures[current["id"]]
            named = _CHILD_FAILED.fullmatch(current.get("message") or "")
            if named:
                current = self.state.nodes.get(named.group(1))
                continue
            failed = [
                self.state.nodes[c]
                for c in current.get("children") or ()
                if c in self.state.nodes and self.state.nodes[c].get("phase") in _FAILED
            ]
            current = failed[-1] if failed else None
        return None

    def _retry(
        self,
        tmpl: Dict[str, Any],
        scope: Dict[str, Any],
        inputs: Dict[str, Any],
        name: str,
        display: str,
        boundary: Optional[str],
        parent: Optional[str],
        who: str,
    ) -> Dict[str, Any]:
        extra: Dict[str, Any] = {"inputs": inputs} if inputs else {}
        rnode = self.state.add_node(name, display, "Retry", tmpl["name"], boundary, parent, **extra)
        where = f"{who}: template {tmpl['name']!r}: retryStrategy"
        try:
            child = self._retry_loop(
                tmpl, scope, inputs, name, display, boundary, rnode, who, where
            )
        except (DflowError, ExpressionError, ValueError, TypeError, AttributeError) as exc:
            text = str(exc)
            message = text if text.startswith(where) else f"{where}: {text}"
            self.state.update(rnode["id"], phase="Error", message=message)
            if self.first_failure is None:
                self.first_failure = message
            return self.state.nodes[rnode["id"]]
        fields: Dict[str, Any] = {"phase": child["phase"], "message": child.get("message") or None}
        if child.get("outputs"):
            fields["outputs"] = child["outputs"]
        self.state.update(rnode["id"], **fields)
        return self.state.nodes[rnode["id"]]

    def _retry_loop(
        self,
        tmpl: Dict[str, Any],
        scope: Dict[str, Any],
        inputs: Dict[str, Any],
        name: str,
        display: str,
        boundary: Optional[str],
        rnode: Dict[str, Any],
        who: str,
        where: str,
    ) -> Dict[str, Any]:
        raw = tmpl["retryStrategy"]
        if not isinstance(raw, dict):
            raise StepError(f"{where} must be a mapping, not {raw!r}")
        raw = dict(raw)
        expression = raw.pop("expression", None)  # evaluated after each attempt, with lastRetry
        strategy = deep_substitute(raw, scope, strict=True)
        limit = strategy.get("limit")
        try:
            limit = None if limit in (None, "") else int(limit)
        except (TypeError, ValueError):
            raise StepError(f"{where}.limit: {limit!r} is not an integer") from None
        policy = strategy.get("retryPolicy") or "OnFailure"
        backoff = strategy.get("backoff")
        if backoff:  # check it before the first attempt rather than after it
            _backoff_delay(backoff, 0, where)
        attempt = 0
        while True:
            started = time.monotonic()
            child = self._attempt(
                tmpl,
                scope,
                inputs,
                f"{name}({attempt})",
                f"{display}({attempt})",
                boundary,
                rnode["id"],
                who,
                attempt,
            )
            phase = child["phase"]
            if phase == "Succeeded" or self.groups.cancelled.is_set():
                break
            if limit is not None and attempt >= limit:
                break
            if not _policy_allows(policy, phase, child.get("message") or ""):
                break
            if expression is not None and not self._retry_expression(
                expression, child, time.monotonic() - started, where, scope
            ):
                break
            if backoff:
                time.sleep(_backoff_delay(backoff, attempt, where))
            attempt += 1
        return child

    def _retry_expression(
        self,
        expr: str,
        child: Dict[str, Any],
        duration: float,
        who: str,
        outer: Dict[str, Any],
    ) -> bool:
        code = (child.get("outputs") or {}).get("exitCode", "-1")
        scope = {
            **outer,
            "lastRetry.exitCode": str(code),
            "lastRetry.status": child["phase"],
            "lastRetry.duration": str(int(duration)),
            "lastRetry.message": child.get("message") or "",
        }
        try:
            text = expr.strip()
            if text.startswith("{{=") and text.endswith("}}"):
                text = text[3:-2]  # the tag form some users write
            return bool(evaluate(substitute(text, scope, strict=False), scope))
        except ExpressionError as exc:
            raise StepError(f"{who}.expression: {exc}") from exc

    # -- nodes that do not run -----------------------------------------------------------------

    def _error_node(
        self,
        name: str,
        display: str,
        template: str,
        boundary: Optional[str],
        parent: Optional[str],
        message: str,
        phase: str = "Error",
    ) -> Dict[str, Any]:
        node = self.state.add_node(name, display, "Pod", template, boundary, parent, phase)
        self.state.update(node["id"], message=message, phase=phase)
        if self.first_failure is None and message != "terminated":
            self.first_failure = message
        return self.state.nodes[node["id"]]

    def skipped(
        self,
        name: str,
        display: str,
        template: str,
        boundary: str,
        parent: str,
        message: str,
        phase: str = "Skipped",
    ) -> Dict[str, Any]:
        node = self.state.add_node(name, display, "Skipped", template, boundary, parent, phase)
        self.state.update(node["id"], message=message, phase=phase)
        return self.state.nodes[node["id"]]

    def _restore(
        self, done: Dict[str, Any], boundary: Optional[str], parent: Optional[str]
    ) -> Dict[str, Any]:
        """A pod that succeeded in the run being retried: keep it as it was."""
        node = dict(done)
        node.pop("children", None)
        if boundary:
            node["boundaryID"] = boundary
        with self.state.lock:
            self.state.nodes[node["id"]] = node
            if parent is not None:
                self.state.link(parent, node["id"])
        self.state.touch()
        self._publish_globals(node)
        return node

    # -- memoization and global outputs --------------------------------------------------------

    def _memo(self, tmpl: Dict[str, Any], scope: Dict[str, Any]) -> Optional[tuple[MemoCache, str]]:
        memo = tmpl.get("memoize")
        if not memo:
            return None
        key = substitute(str(memo.get("key", "")), scope, strict=False)
        if not key or "{{" in key:
            return None
        cm = ((memo.get("cache") or {}).get("configMap") or {}).get("name")
        return MemoCache(self.layout.memo(cm)), key

    def _memo_hit(
        self,
        tmpl: Dict[str, Any],
        scope: Dict[str, Any],
        name: str,
        display: str,
        kind: str,
        boundary: Optional[str],
        parent: Optional[str],
        inputs: Dict[str, Any],
        who: str,
    ) -> Optional[Dict[str, Any]]:
        found = self._memo(tmpl, scope)
        if found is None:
            return None
        cache, key = found
        entry = cache.get(key)
        if entry is None:
            return None
        extra: Dict[str, Any] = {"inputs": inputs} if inputs else {}
        extra["outputs"] = entry.get("outputs") or {}
        extra["memoizationStatus"] = {"hit": True, "key": key, "cacheName": cache.path.stem}
        if kind == "Pod":
            extra["progress"] = "1/1"
        node = self.state.add_node(
            name, display, kind, tmpl["name"], boundary, parent, "Succeeded", **extra
        )
        self.state.update(node["id"], phase="Succeeded")
        self._publish_globals(node)
        return self.state.nodes[node["id"]]

    def _memo_store(
        self, tmpl: Dict[str, Any], scope: Dict[str, Any], node: Dict[str, Any]
    ) -> None:
        found = self._memo(tmpl, scope)
        if found is not None and not (node.get("memoizationStatus") or {}).get("hit"):
            cache, key = found
            cache.put(key, node["id"], node.get("outputs") or {})
            self.state.update(
                node["id"],
                memoizationStatus={"hit": False, "key": key, "cacheName": cache.path.stem},
            )

    def _publish_globals(self, node: Dict[str, Any]) -> None:
        outputs = node.get("outputs") or {}
        with self.state.lock:
            status_out = self.state.status.setdefault("outputs", {})
            for kind in ("parameters", "artifacts"):
                for item in outputs.get(kind) or ():
                    gname = item.get("globalName")
                    if not gname:
                        continue
                    entry = {k: v for k, v in item.items() if k != "globalName"}
                    entry["name"] = gname
                    listed = [x for x in status_out.get(kind, []) if x["name"] != gname]
                    status_out[kind] = listed + [entry]
                    with self._global_lock:
                        value = entry.get("value") if kind == "parameters" else entry
                        self.globals[f"workflow.outputs.{kind}.{gname}"] = value
            if not status_out:
                del self.state.status["outputs"]
        self.state.touch()


def _kind(tmpl: Dict[str, Any]) -> str:
    if "steps" in tmpl:
        return "Steps"
    if "dag" in tmpl:
        return "DAG"
    if "script" in tmpl or "container" in tmpl:
        return "Pod"
    if "http" in tmpl:
        return "HTTP"
    for other in ("resource", "suspend", "containerSet", "data", "plugin"):
        if other in tmpl:
            return other
    return "unknown"


def _policy_allows(policy: str, phase: str, message: str) -> bool:
    """Argo's retryPolicy: ``OnTransientError`` retries failures whose message matches the
    ``TRANSIENT_ERROR_PATTERN`` regex of the environment (as Argo's controller reads it)."""
    if policy == "Always":
        return True
    if policy == "OnError":
        return phase == "Error"
    if policy == "OnTransientError":
        pattern = os.environ.get("TRANSIENT_ERROR_PATTERN")
        if not pattern:
            return False
        return re.search(pattern, message) is not None
    return phase == "Failed"


def _backoff_delay(backoff: Any, attempt: int, where: str) -> float:
    """Seconds to wait before retry ``attempt + 1``; ``where`` names the retryStrategy."""
    if not isinstance(backoff, dict):
        raise StepError(f"{where}.backoff must be a mapping, not {backoff!r}")
    seconds = parse_duration(backoff.get("duration"), f"{where}.backoff.duration") or 0.0
    try:
        factor = float(backoff.get("factor") or 1)
    except (TypeError, ValueError):
        raise StepError(
            f"{where}.backoff.factor: {backoff.get('factor')!r} is not a number"
        ) from None
    delay = seconds * factor**attempt
    cap = parse_duration(backoff.get("maxDuration"), f"{where}.backoff.maxDuration")
    if cap is not None:
        delay = min(delay, cap)
    return float(delay)
