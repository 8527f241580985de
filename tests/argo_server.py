"""A loopback server speaking the Argo server's REST API, for tests of the Argo engine and the CLI.

It binds 127.0.0.1 on a free port, keeps workflows and ConfigMaps in memory, validates every
submitted manifest against Argo's schema (400 with the violations), names workflows from
``generateName``, checks the bearer token (401), keeps an archive of workflows, and can be
scripted from the test: fail the next calls, answer them with a body of any shape, hold them
unanswered for a while, set a workflow's status, fill it with a large status, or complete
workflows on submit with nodes built from the manifest (memoized steps take their outputs from
the cache ConfigMap). Paths and bodies follow tests/data/argo/swagger.json.

Run as a program (``python tests/argo_server.py [--complete-as PHASE]``) it serves in a process
of its own and prints its URL: a test can then freeze it (SIGSTOP) by its PID.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qs, urlparse

from argo_schema import validate_manifest

LOG = re.compile(r"^/api/v1/workflows/(?P<ns>[^/]+)/(?P<name>[^/]+)/log$")
WF = re.compile(r"^/api/v1/workflows/(?P<ns>[^/]+)(?:/(?P<name>[^/]+)(?:/(?P<verb>[a-z]+))?)?$")
CM = re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/configmaps(?:/(?P<name>[^/]+))?$")
ARCHIVE = re.compile(r"^/api/v1/archived-workflows(?:/(?P<uid>[^/]+))?$")
VERBS = ("terminate", "stop", "suspend", "resume", "retry", "resubmit")
# grpc codes the Argo server puts in its error bodies
GRPC = {400: 3, 401: 16, 404: 5, 409: 6, 500: 13, 503: 14}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _node_id(wf_name: str, path: str) -> str:
    return f"{wf_name}-{int(hashlib.sha1(path.encode()).hexdigest()[:8], 16)}"


class ArgoTestServer:
    """The server and its state; use as a context manager or call ``start``/``stop``."""

    def __init__(
        self,
        token: Optional[str] = "test-token",
        complete_as: Optional[str] = None,
        tls: Optional[Tuple[str, str]] = None,
    ) -> None:
        self.token = token
        self.tls = tls  # (certificate file, key file): serve HTTPS
        self.complete_as = complete_as  # phase given to new workflows, with simulated nodes
        self.workflows: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self.configmaps: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self.archived: Dict[str, Dict[str, Any]] = {}  # uid -> workflow
        self.requests: List[Tuple[str, str, Any]] = []  # (method, path with query, body)
        self.headers: List[Dict[str, str]] = []  # the headers of each request, in order
        # (status, method, path part, message or raw body, seconds to hold the call first)
        self._failures: List[Tuple[int, Optional[str], Optional[str], Any, float]] = []
        # (namespace, workflow, pod) -> log lines; a pod in ``log_open`` is still writing: a
        # follower waits for more lines until it is taken out
        self.pod_logs: Dict[Tuple[str, str, str], List[str]] = {}
        self.log_open: set = set()
        self._lock = threading.Lock()
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> ArgoTestServer:
        server = self

        class Handler(_Handler):
            state = server

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        if self.tls:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> ArgoTestServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- scripting -----------------------------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        status: int = 503,
        method: Optional[str] = None,
        path_contains: Optional[str] = None,
        message: str = "injected failure",
    ) -> None:
        """Answer the next ``count`` matching calls with ``status`` (0 drops the connection)."""
        with self._lock:
            self._failures.extend([(status, method, path_contains, message, 0.0)] * count)

    def reply_next(
        self,
        body: Any,
        count: int = 1,
        method: Optional[str] = None,
        path_contains: Optional[str] = None,
    ) -> None:
        """Answer the next ``count`` matching calls 200 with ``body`` (any JSON, ``null`` too)."""
        with self._lock:
            self._failures.extend([(200, method, path_contains, _Raw(body), 0.0)] * count)

    def hold_next(
        self,
        seconds: float,
        count: int = 1,
        method: Optional[str] = None,
        path_contains: Optional[str] = None,
    ) -> None:
        """Leave the next ``count`` matching calls unanswered for ``seconds``, then serve them."""
        with self._lock:
            self._failures.extend([(-1, method, path_contains, None, seconds)] * count)

    def archive(self, name: str, namespace: str = "argo") -> str:
        """Move a workflow into the archive (as Argo does once it is garbage collected)."""
        with self._lock:
            wf = self.workflows.pop((namespace, name))
            uid = wf["metadata"]["uid"]
            self.archived[uid] = wf
            return str(uid)

    def set_status(self, name: str, namespace: str = "argo", **status: Any) -> None:
        """Merge ``status`` fields (phase, nodes, outputs, message) into a workflow's status."""
        with self._lock:
            wf = self.workflows[(namespace, name)]
            wf.setdefault("status", {}).update(copy.deepcopy(status))

    def large_status(self, name: str, nodes: int = 5000, namespace: str = "argo") -> None:
        """Give a workflow ``nodes`` finished Pod nodes with keys ``step-<i>`` under one root."""
        children = []
        all_nodes: Dict[str, Any] = {}
        for i in range(nodes):
            node_id = f"{name}-{1000000 + i}"
            children.append(node_id)
            all_nodes[node_id] = _pod_node(name, node_id, f"step-{i}", i)
        all_nodes[name] = {
            "id": name, "name": name, "displayName": name, "type": "Steps",
            "phase": "Succeeded", "startedAt": "2024-01-01T00:00:00Z", "children": children,
        }  # fmt: skip
        self.set_status(name, namespace, phase="Succeeded", nodes=all_nodes)

    def seed(self, manifest: Dict[str, Any], namespace: str = "argo") -> Dict[str, Any]:
        """Store a workflow directly (no HTTP), as if it had been submitted."""
        with self._lock:
            return self._create(namespace, copy.deepcopy(manifest))

    def calls(self, method: Optional[str] = None) -> List[Tuple[str, str, Any]]:
        return [r for r in self.requests if method is None or r[0] == method]

    # -- state changes (called with the lock held) ---------------------------------------------

    def _create(self, ns: str, wf: Dict[str, Any]) -> Dict[str, Any]:
        meta = wf.setdefault("metadata", {})
        if not meta.get("name"):
            prefix = meta.pop("generateName", None)
            if not prefix:
                raise _Reply(400, "metadata.name or metadata.generateName is required")
            meta["name"] = prefix + uuid.uuid4().hex[:5]
        if (ns, meta["name"]) in self.workflows:
            raise _Reply(409, f'workflows.argoproj.io "{meta["name"]}" already exists')
        meta.update(namespace=ns, uid=str(uuid.uuid4()), creationTimestamp=_now())
        wf["status"] = {}
        if self.complete_as:
            wf["status"] = {
                "phase": self.complete_as, "startedAt": _now(), "finishedAt": _now(),
                "nodes": _Simulation(self, ns, wf).run(),
            }  # fmt: skip
        self.workflows[(ns, meta["name"])] = wf
        return wf

    def _act(self, ns: str, name: str, verb: str, body: Dict[str, Any]) -> Dict[str, Any]:
        wf = self._get(ns, name)
        for field in ("name", "namespace"):
            if field in body and body[field] != {"name": name, "namespace": ns}[field]:
                raise _Reply(400, f"body {field} {body[field]!r} does not match the path")
        status = wf.setdefault("status", {})
        if verb in ("terminate", "stop"):
            status["phase"] = "Failed"
            status["message"] = f"Stopped with strategy '{verb.capitalize()}'"
        elif verb == "suspend":
            wf["spec"]["suspend"] = True
        elif verb == "resume":
            wf["spec"].pop("suspend", None)
        elif verb == "retry":
            self._retry(wf, body)
        elif verb == "resubmit":
            fresh = {
                "apiVersion": wf.get("apiVersion"),
                "kind": "Workflow",
                "metadata": {"generateName": name + "-"},
                "spec": copy.deepcopy(wf["spec"]),
            }
            return self._create(ns, fresh)
        return wf

    def _retry(self, wf: Dict[str, Any], body: Dict[str, Any]) -> None:
        """Argo's RetryWorkflow: a failed workflow, or a succeeded one when ``restartSuccessful``
        comes with a ``nodeFieldSelector``; the nodes that run again (the failed ones, and those
        the selector picks when restarting successful ones, with everything below them) leave
        the status and the nodes above them turn Running."""
        status = wf.setdefault("status", {})
        phase = status.get("phase")
        selector = body.get("nodeFieldSelector") or ""
        restart = bool(body.get("restartSuccessful"))
        if phase == "Succeeded" and not (restart and selector):
            raise _Reply(
                400,
                "To retry a succeeded workflow, set the options restartSuccessful and "
                "nodeFieldSelector",
            )
        if phase not in ("Failed", "Error", "Succeeded"):
            raise _Reply(400, f"Cannot retry a workflow in phase {phase or ''}")
        wanted = _field_selector(selector)
        nodes = status.get("nodes") or {}

        def picked(node: Dict[str, Any]) -> bool:
            return all(_node_field(node, k) == v for k, v in wanted.items())

        again = {
            node_id for node_id, node in nodes.items()
            if node.get("type") == "Pod" and (
                node.get("phase") in ("Failed", "Error") or (restart and wanted and picked(node))
            )
        }  # fmt: skip
        below = list(again)
        while below:
            for child in nodes.get(below.pop(), {}).get("children") or ():
                if child in nodes and child not in again:
                    again.add(child)
                    below.append(child)
        names = [nodes[i].get("name", "") for i in again]
        for node_id in again:
            del nodes[node_id]
        for node in nodes.values():
            if any(_contains(str(node.get("name")), n) for n in names):
                node["phase"] = "Running"
                node.pop("finishedAt", None)
        status["phase"] = "Running"
        status.pop("finishedAt", None)
        wf.setdefault("metadata", {}).setdefault("labels", {}).pop(
            "workflows.argoproj.io/completed", None
        )

    def _get(self, ns: str, name: str) -> Dict[str, Any]:
        wf = self.workflows.get((ns, name))
        if wf is None:
            raise _Reply(404, f'workflows.argoproj.io "{name}" not found')
        return wf

    def _take_failure(self, method: str, path: str) -> Optional[Tuple[int, Any, float]]:
        for i, (status, want_method, part, message, hold) in enumerate(self._failures):
            if (want_method is None or want_method == method) and (part is None or part in path):
                del self._failures[i]
                return status, message, hold
        return None


# the node fields Argo's nodeFieldSelector can name (as its SelectorMatchesNode reads them)
NODE_FIELDS = ("id", "name", "displayName", "templateName", "phase", "templateRef.name",
               "templateRef.template")  # fmt: skip


def _field_selector(selector: str) -> Dict[str, str]:
    """``k=v,k2=v2`` as a dict; an unknown field is refused as Argo refuses it."""
    wanted: Dict[str, str] = {}
    for term in filter(None, selector.split(",")):
        field, sep, value = term.partition("=")
        if not sep or field.endswith("!"):
            raise _Reply(400, f"field selector {term!r}: only field=value is simulated here")
        if field not in NODE_FIELDS and not field.startswith("inputs.parameters."):
            raise _Reply(400, f'"{field}" is not a valid field selector for nodes')
        wanted[field] = value[1:] if value.startswith("=") else value
    return wanted


def _contains(parent: str, child: str) -> bool:
    """Whether node name ``parent`` is above node name ``child`` (``a[0]`` above ``a[0].s``)."""
    return len(child) > len(parent) and child.startswith(parent) and child[len(parent)] in ".[("


def _node_field(node: Dict[str, Any], field: str) -> Optional[str]:
    if field.startswith("inputs.parameters."):
        pname = field[len("inputs.parameters.") :].rsplit(".value", 1)[0]
        params = (node.get("inputs") or {}).get("parameters") or ()
        return next((p.get("value") for p in params if p.get("name") == pname), None)
    value: Any = node
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return None if value is None else str(value)


def _pod_node(wf: str, node_id: str, key: str, i: int) -> Dict[str, Any]:
    return {
        "id": node_id, "name": f"{wf}[0].step-{i}", "displayName": f"step-{i}", "type": "Pod",
        "templateName": "work", "phase": "Succeeded", "boundaryID": wf,
        "startedAt": f"2024-01-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "inputs": {"parameters": [{"name": "x", "value": str(i)},
                                  {"name": "dflow_key", "value": key}]},
        "outputs": {"parameters": [{"name": "y", "value": str(i * i)}],
                    "artifacts": [{"name": "out", "s3": {"key": f"{wf}/{node_id}/out.tgz"}}]},
    }  # fmt: skip


class _Simulation:
    """Nodes for a workflow as if every step ran once and succeeded (no loops, no conditions)."""

    def __init__(self, server: ArgoTestServer, ns: str, wf: Dict[str, Any]) -> None:
        self.server, self.ns, self.wf = server, ns, wf
        self.name = wf["metadata"]["name"]
        self.templates = {t["name"]: t for t in wf["spec"]["templates"]}
        self.nodes: Dict[str, Any] = {}
        self.clock = 0

    def run(self) -> Dict[str, Any]:
        self._node(self.wf["spec"]["entrypoint"], self.name, self.name, {}, None, 0)
        return self.nodes

    def _node(self, tname: str, path: str, shown: str, args: Dict[str, Any],
              boundary: Optional[str], depth: int) -> str:  # fmt: skip
        t = self.templates[tname]
        node_id = self.name if path == self.name else _node_id(self.name, path)
        self.clock += 1
        params = {
            p["name"]: p.get("value", "") for p in (t.get("inputs") or {}).get("parameters") or ()
        }
        params.update({p["name"]: p.get("value", "") for p in args.get("parameters") or ()})
        node: Dict[str, Any] = {
            "id": node_id, "name": path, "displayName": shown, "templateName": tname,
            "phase": "Succeeded", "startedAt": f"2024-01-01T00:00:{self.clock:02d}Z",
        }  # fmt: skip
        if boundary:
            node["boundaryID"] = boundary
        if params:
            node["inputs"] = {"parameters": [{"name": k, "value": v} for k, v in params.items()]}
        self.nodes[node_id] = node
        hit = self._memo_hit(t, params)
        if hit is not None:
            node.update(type="Pod", outputs=hit["outputs"], memoizationStatus={
                "hit": True, "key": params["dflow_key"],
                "cacheName": t["memoize"]["cache"]["configMap"]["name"]})  # fmt: skip
            return node_id
        if "steps" in t or "dag" in t:
            node["type"] = "Steps" if "steps" in t else "DAG"
            children = []
            calls = [s for group in t.get("steps") or [] for s in group]
            calls += (t.get("dag") or {}).get("tasks") or []
            if depth < 4:
                for call in calls:
                    children.append(self._node(call["template"], f"{path}.{call['name']}",
                                               call["name"], call.get("arguments") or {},
                                               node_id, depth + 1))  # fmt: skip
            node["children"] = children
        else:
            node["type"] = "Pod"
        outputs = self._outputs(t, node_id)
        if outputs:
            node["outputs"] = outputs
        return node_id

    def _memo_hit(self, t: Dict[str, Any], params: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        memo = t.get("memoize")
        if not memo or "dflow_key" not in params:
            return None
        cm = self.server.configmaps.get((self.ns, memo["cache"]["configMap"]["name"]))
        entry = ((cm or {}).get("data") or {}).get(params["dflow_key"])
        return None if entry is None else json.loads(entry)

    def _outputs(self, t: Dict[str, Any], node_id: str) -> Dict[str, Any]:
        outs = t.get("outputs") or {}
        params = []
        for p in outs.get("parameters") or ():
            value = p.get("value", (p.get("valueFrom") or {}).get("default", f"{p['name']}-value"))
            params.append({"name": p["name"], "value": value})
        arts = [{"name": a["name"], "s3": {"key": f"{self.name}/{node_id}/{a['name']}.tgz"}}
                for a in outs.get("artifacts") or ()]  # fmt: skip
        return {k: v for k, v in (("parameters", params), ("artifacts", arts)) if v}


def _only(answer: Dict[str, Any], query: Dict[str, List[str]]) -> Dict[str, Any]:
    """The answer cut down to the dotted paths of the ``fields`` query parameter, if given."""
    wanted = [p for p in (query.get("fields") or [""])[0].split(",") if p]
    if not wanted:
        return answer

    def cut(obj: Any, paths: List[List[str]]) -> Any:
        if not isinstance(obj, dict) or any(not p for p in paths):
            return obj
        out: Dict[str, Any] = {}
        for key in {p[0] for p in paths}:
            if key in obj:
                rest = [p[1:] for p in paths if p[0] == key]
                value = obj[key]
                if isinstance(value, list):
                    out[key] = [cut(v, rest) for v in value]
                else:
                    out[key] = cut(value, rest)
        return out

    return cut(copy.deepcopy(answer), [p.split(".") for p in wanted])  # type: ignore[no-any-return]


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that gave up
            super().handle_error(request, client_address)


class _Raw:
    """A body sent as it is, whatever its shape."""

    def __init__(self, body: Any) -> None:
        self.body = body


class _Reply(Exception):
    """An error answer: status and message, sent as a grpc-gateway error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Handler(BaseHTTPRequestHandler):
    state: ArgoTestServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        state = self.state
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with state._lock:
            state.requests.append((method, self.path, body))
            state.headers.append(dict(self.headers.items()))
            failure = state._take_failure(method, self.path)
        if failure is not None and failure[2]:
            time.sleep(failure[2])
        if failure is not None and failure[0] == -1:
            failure = None  # held, now served
        if failure is not None and failure[0] == 0:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if failure is not None and isinstance(failure[1], _Raw):
            self._send(failure[0], failure[1].body)
            return
        try:
            if failure is not None:
                raise _Reply(failure[0], failure[1])
            if state.token and self.headers.get("Authorization") != f"Bearer {state.token}":
                raise _Reply(401, "token not valid: a bearer token is required")
            if isinstance(body, str):
                raise _Reply(400, "the body is not JSON")
            url = urlparse(self.path)
            log = LOG.match(url.path)
            if log and method == "GET":
                self._stream_log(log["ns"], log["name"], parse_qs(url.query))
                return
            with state._lock:
                answer = self._route(method, url.path, parse_qs(url.query), body or {})
            self._send(200, answer)
        except _Reply as reply:
            self._send(reply.status, {"code": GRPC.get(reply.status, 2), "message": reply.message})

    def _route(self, method: str, path: str, query: Dict[str, List[str]], body: Any) -> Any:
        state = self.state
        m = WF.match(path)
        if m and m["name"] is None and method == "POST":
            wf = body.get("workflow")
            if not isinstance(wf, dict):
                raise _Reply(400, "body.workflow is required")
            try:
                validate_manifest(wf)
            except AssertionError as exc:
                raise _Reply(400, str(exc)) from None
            return state._create(m["ns"], copy.deepcopy(wf))
        if m and m["name"] is None and method == "GET":
            selector = (query.get("listOptions.labelSelector") or [""])[0]
            wanted = dict(p.split("=", 1) for p in selector.split(",") if p)
            items = [
                w for (ns, _), w in state.workflows.items() if ns == m["ns"] and
                all((w["metadata"].get("labels") or {}).get(k) == v for k, v in wanted.items())
            ]  # fmt: skip
            return _only({"metadata": {}, "items": items or None}, query)  # null for no items
        if m and m["name"] and m["verb"] is None and method == "GET":
            return _only(state._get(m["ns"], m["name"]), query)
        if m and m["name"] and m["verb"] is None and method == "DELETE":
            state._get(m["ns"], m["name"])
            del state.workflows[(m["ns"], m["name"])]
            return {}
        if m and m["verb"] in VERBS and method == "PUT":
            return state._act(m["ns"], m["name"], m["verb"], body)
        a = ARCHIVE.match(path)
        if a and method == "GET":
            namespace = (query.get("namespace") or [None])[0]
            if a["uid"]:
                wf = state.archived.get(a["uid"])
                if wf is None or (namespace and wf["metadata"]["namespace"] != namespace):
                    raise _Reply(404, f'archived workflow "{a["uid"]}" not found')
                return wf
            selector = (query.get("listOptions.labelSelector") or [""])[0]
            wanted = dict(p.split("=", 1) for p in selector.split(",") if p)
            by_field = (query.get("listOptions.fieldSelector") or [""])[0]
            fields = dict(p.split("=", 1) for p in by_field.split(",") if p)
            unknown = set(fields) - {"metadata.namespace", "metadata.name"}
            if unknown:
                raise _Reply(400, f"field selector {sorted(unknown)[0]!r} is not supported")
            items = [
                w for w in state.archived.values()
                if (not namespace or w["metadata"]["namespace"] == namespace) and
                all(w["metadata"].get(k.split(".")[1]) == v for k, v in fields.items()) and
                all((w["metadata"].get("labels") or {}).get(k) == v for k, v in wanted.items())
            ]  # fmt: skip
            return {"metadata": {}, "items": items or None}
        c = CM.match(path)
        if c and c["name"] is None and method == "POST":
            name = (body.get("metadata") or {}).get("name")
            if not name:
                raise _Reply(400, "ConfigMap metadata.name is required")
            if (c["ns"], name) in state.configmaps:
                raise _Reply(409, f'configmaps "{name}" already exists')
            state.configmaps[(c["ns"], name)] = body
            return body
        if c and c["name"] and method == "GET":
            cm = state.configmaps.get((c["ns"], c["name"]))
            if cm is None:
                raise _Reply(404, f'configmaps "{c["name"]}" not found')
            return cm
        raise _Reply(404, f"no route for {method} {path}")

    def _stream_log(self, ns: str, name: str, query: Dict[str, List[str]]) -> None:
        """Argo's WorkflowLogs: one ``{"result": {"content", "podName"}}`` JSON object a line,
        chunked; ``logOptions.follow`` waits for more lines while the pod is open."""
        state = self.state
        with state._lock:
            state._get(ns, name)
        pod = (query.get("podName") or [""])[0]
        follow = (query.get("logOptions.follow") or ["false"])[0] == "true"
        tail = query.get("logOptions.tailLines")
        grep = (query.get("grep") or [None])[0]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        pods = [k for k in state.pod_logs if k[:2] == (ns, name) and (not pod or k[2] == pod)]
        for key in pods:
            with state._lock:
                lines = list(state.pod_logs[key])
            sent = len(lines)
            if tail:
                lines = lines[max(0, len(lines) - int(tail[0])) :]
            self._log_chunk(key[2], lines, grep)
            while follow:
                with state._lock:
                    more = state.pod_logs[key][sent:]
                    still = key in state.log_open
                sent += len(more)
                self._log_chunk(key[2], more, grep)
                if not still and not more:
                    break
                time.sleep(0.02)
        self.wfile.write(b"0\r\n\r\n")

    def _log_chunk(self, pod: str, lines: List[str], grep: Optional[str]) -> None:
        data = b"".join(
            json.dumps({"result": {"content": line, "podName": pod}}).encode() + b"\n"
            for line in lines
            if grep is None or grep in line
        )
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


# -- pytest fixtures and helpers shared by the test areas that talk to this server -------------

TOKEN = "test-token"


def hello_manifest(**metadata: Any) -> Dict[str, Any]:
    """A minimal valid manifest with one container template."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "hello-", **metadata},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "container": {"image": "alpine", "command": ["echo", "hi"]}}
            ],
        },
    }


try:
    import pytest
except ImportError:  # the server itself needs no pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture
    def argo_server() -> Iterator[ArgoTestServer]:
        """A started server whose workflows complete as Succeeded on submit."""
        with ArgoTestServer(token=TOKEN, complete_as="Succeeded") as server:
            yield server

    @pytest.fixture
    def argo_config(argo_server: ArgoTestServer) -> Iterator[ArgoTestServer]:
        """``dflow.config`` pointed at ``argo_server`` for one test, then restored."""
        from dflow.config import config

        saved = dict(config)
        config.update(
            mode="default",
            host=argo_server.url,
            token=TOKEN,
            namespace="argo",
            k8s_api_server=argo_server.url,
            k8s_config_file=None,
            insecure=False,
            http_headers={},
        )
        try:
            yield argo_server
        finally:
            config.clear()
            config.update(saved)


def main() -> None:
    """Serve until killed, in a process of its own; the first line printed is the URL."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--token", default=TOKEN)
    parser.add_argument("--complete-as", default=None)
    args = parser.parse_args()
    server = ArgoTestServer(token=args.token, complete_as=args.complete_as).start()
    print(server.url, flush=True)
    try:
        threading.Event().wait()
    finally:
        server.stop()


if __name__ == "__main__":  # run as a file, its folder (with argo_schema) is on the path
    main()
