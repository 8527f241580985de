"""A loopback server answering the few Kubernetes API paths dflow calls, as the API server does.

Pods (``/api/v1/namespaces/{ns}/pods[/{name}]``: GET, DELETE, POST), ConfigMaps (GET) and the
``argoproj.io/v1alpha1`` Workflow resource (GET, PATCH with a JSON merge patch, on the
workflows of an ``ArgoTestServer`` given to it). Errors are ``Status`` objects; a deleted pod
stays (with its ``deletionTimestamp``) for ``terminating_reads`` more reads, as a pod does during
its grace period; a pod created with a ``resourceVersion`` is refused as the API server refuses
it; the bearer token is checked.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Optional, Tuple

POD = re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/pods(?:/(?P<name>[^/]+))?$")
CM = re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/configmaps/(?P<name>[^/]+)$")
WF = re.compile(r"^/apis/argoproj\.io/v1alpha1/namespaces/(?P<ns>[^/]+)/workflows/(?P<name>[^/]+)$")
TOKEN = "test-token"
REASONS = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 409: "AlreadyExists",
           415: "UnsupportedMediaType", 500: "InternalError"}  # fmt: skip


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: ``patch`` merged into ``target`` (a null member removes the key)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


class _Status(Exception):
    def __init__(self, code: int, message: str, kind: str = "", name: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.kind, self.name = code, message, kind, name

    def body(self) -> Dict[str, Any]:
        return {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": REASONS.get(self.code, "Unknown"),
            "details": {"name": self.name, "kind": self.kind}, "code": self.code,
        }  # fmt: skip


class KubeTestServer:
    """The server and its state; use as a context manager.

    Args:
        token: the bearer token every call must carry (None: no check).
        argo: an ``ArgoTestServer`` whose workflows the Workflow resource paths read and patch.
        terminating_reads: how many reads still find a deleted pod.
    """

    def __init__(
        self, token: Optional[str] = TOKEN, argo: Any = None, terminating_reads: int = 2
    ) -> None:
        self.token = token
        self.argo = argo
        self.terminating_reads = terminating_reads
        self.pods: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self.configmaps: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self.requests: List[Dict[str, Any]] = []  # method, path, body, headers of each call
        self._terminating: Dict[Tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self._httpd: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> KubeTestServer:
        server = self

        class Handler(_Handler):
            state = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def add_pod(self, pod: Dict[str, Any], namespace: str = "argo") -> Dict[str, Any]:
        """Store ``pod`` as if it had been created (uid, resourceVersion, status added)."""
        with self._lock:
            return self._create_pod(namespace, copy.deepcopy(pod))

    def calls(self, method: Optional[str] = None) -> List[Dict[str, Any]]:
        return [r for r in self.requests if method is None or r["method"] == method]

    # -- state changes (with the lock held) -----------------------------------------------------

    def _create_pod(self, ns: str, pod: Dict[str, Any]) -> Dict[str, Any]:
        meta = pod.setdefault("metadata", {})
        name = meta.get("name")
        if not name:
            raise _Status(400, 'Pod "" is invalid: metadata.name: Required value', "pods")
        if meta.get("resourceVersion"):
            raise _Status(500, "resourceVersion should not be set on objects to be created")
        if (ns, name) in self.pods:
            raise _Status(409, f'pods "{name}" already exists', "pods", name)
        meta.update(namespace=ns, uid=str(uuid.uuid4()), creationTimestamp=_now())
        meta["resourceVersion"] = str(len(self.requests) + 1000)
        pod.setdefault("apiVersion", "v1")
        pod.setdefault("kind", "Pod")
        pod["status"] = {"phase": "Pending"}
        self.pods[(ns, name)] = pod
        return pod

    def _read_pod(self, ns: str, name: str) -> Dict[str, Any]:
        pod = self.pods.get((ns, name))
        if pod is None:
            raise _Status(404, f'pods "{name}" not found', "pods", name)
        left = self._terminating.get((ns, name))
        if left is not None:
            if left <= 0:
                del self.pods[(ns, name)], self._terminating[(ns, name)]
                raise _Status(404, f'pods "{name}" not found', "pods", name)
            self._terminating[(ns, name)] = left - 1
        return pod

    def _delete_pod(self, ns: str, name: str) -> Dict[str, Any]:
        pod = self._read_pod(ns, name)
        pod["metadata"].setdefault("deletionTimestamp", _now())
        pod["metadata"].setdefault("deletionGracePeriodSeconds", 30)
        self._terminating.setdefault((ns, name), self.terminating_reads)
        return pod

    def _workflow(self, ns: str, name: str) -> Dict[str, Any]:
        wf = None if self.argo is None else self.argo.workflows.get((ns, name))
        if wf is None:
            raise _Status(404, f'workflows.argoproj.io "{name}" not found', "workflows", name)
        return wf  # type: ignore[no-any-return]


class _Handler(BaseHTTPRequestHandler):
    state: KubeTestServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def do_PATCH(self) -> None:  # noqa: N802
        self._serve("PATCH")

    def _serve(self, method: str) -> None:
        state = self.state
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
            path = self.path.split("?", 1)[0]
            with state._lock:
                state.requests.append(
                    {
                        "method": method,
                        "path": path,
                        "body": body,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                    }
                )
            if state.token and self.headers.get("Authorization") != f"Bearer {state.token}":
                raise _Status(401, "Unauthorized")
            lock = state._lock if not WF.match(path) else state.argo._lock
            with lock:
                code, answer = self._route(method, path, body)
        except _Status as status:
            code, answer = status.code, status.body()
        except ValueError:
            code, answer = 400, _Status(400, "the body is not JSON").body()
        data = json.dumps(answer).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self, method: str, path: str, body: Any) -> Tuple[int, Any]:
        state = self.state
        m = POD.match(path)
        if m and m["name"] and method == "GET":
            return 200, state._read_pod(m["ns"], m["name"])
        if m and m["name"] and method == "DELETE":
            return 200, copy.deepcopy(state._delete_pod(m["ns"], m["name"]))
        if m and not m["name"] and method == "POST":
            return 201, state._create_pod(m["ns"], copy.deepcopy(body or {}))
        c = CM.match(path)
        if c and method == "GET":
            cm = state.configmaps.get((c["ns"], c["name"]))
            if cm is None:
                raise _Status(404, f'configmaps "{c["name"]}" not found', "configmaps", c["name"])
            return 200, cm
        w = WF.match(path)
        if w and method == "GET":
            return 200, state._workflow(w["ns"], w["name"])
        if w and method == "PATCH":
            kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if kind != "application/merge-patch+json":
                raise _Status(415, f"the body of the request was in an unknown format - {kind}")
            wf = state._workflow(w["ns"], w["name"])
            patched = merge_patch(wf, body)
            wf.clear()
            wf.update(patched)
            return 200, wf
        raise _Status(404, "the server could not find the requested resource")


def pod_of(workflow: str, node: Dict[str, Any], script: str = "echo hi") -> Dict[str, Any]:
    """A pod as Argo makes it for ``node`` of a script template: init, wait and main containers
    carrying the template in ``ARGO_TEMPLATE``, scheduled on a node."""
    from dflow.pod_names import get_pod_name

    template = {"name": node["templateName"], "script": {"image": "alpine", "source": script,
                                                         "command": ["sh"]}}  # fmt: skip
    env = [{"name": "ARGO_POD_NAME", "value": "x"},
           {"name": "ARGO_TEMPLATE", "value": json.dumps(template)}]  # fmt: skip
    name = get_pod_name(workflow, node["name"], node["templateName"], node["id"])
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"workflows.argoproj.io/workflow": workflow},
                     "annotations": {"workflows.argoproj.io/node-id": node["id"]}},
        "spec": {
            "nodeName": "worker-1",
            "initContainers": [{"name": "init", "image": "argoexec", "env": copy.deepcopy(env)}],
            "containers": [
                {"name": "wait", "image": "argoexec", "env": copy.deepcopy(env)},
                {"name": "main", "image": "alpine", "command": ["sh"], "env": copy.deepcopy(env)},
            ],
        },
    }  # fmt: skip


try:
    import pytest
except ImportError:  # pragma: no cover - the server itself needs no pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture
    def kube_server(argo_config: Any) -> Iterator[KubeTestServer]:
        """A started server over ``argo_config``'s workflows, with ``config`` pointing at it."""
        from dflow.config import config

        with KubeTestServer(argo=argo_config) as server:
            config["k8s_api_server"] = server.url
            yield server
