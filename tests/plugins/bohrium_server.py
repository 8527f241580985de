"""A loopback server speaking Bohrium's account/job API, its open API ticket and Tiefblue storage.

Shapes as the services document them: JSON answers ``{"code": 0, "data": {...}}`` on success and
``{"code": N, "error": {"msg": ...}}`` (Bohrium) or ``{"code": N, "error": {"title", "msg"}}``
(Tiefblue, with an HTTP error status) on failure; Tiefblue code 190001 means the storage token
expired. Storage parameters travel base64-encoded JSON in ``X-Storage-Param``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit


class BohriumState:
    """What the fake services remember."""

    def __init__(self) -> None:
        self.users = {"alice@example.com": "s3cret"}
        self.app_keys = {("app-1", "ak-1")}
        self.logins: Dict[str, str] = {}  # login token -> user
        self.tickets: Dict[str, str] = {}  # ticket -> access key
        self.storage_tokens: Dict[str, str] = {}  # storage token -> project
        self.expired: set = set()
        self.groups: List[Dict[str, Any]] = []
        self.objects: Dict[str, bytes] = {}
        self.uploads: Dict[str, Dict[int, bytes]] = {}
        self.requests: List[Tuple[str, str, Dict[str, str]]] = []
        self.silent_once = False  # answer the next storage-token call with an empty body

    def expire_storage_tokens(self) -> None:
        self.expired |= set(self.storage_tokens)


class _Handler(BaseHTTPRequestHandler):
    state: BohriumState

    def log_message(self, *args: Any) -> None:
        pass

    # -- plumbing ------------------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _ok(self, data: Any) -> None:
        self._json(200, {"code": 0, "data": data})

    def _fail(self, code: int, msg: str, status: int = 200) -> None:
        self._json(status, {"code": code, "error": {"title": "error", "msg": msg}})

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.state.requests.append((method, url.path, dict(self.headers)))
        body = self._body()
        path = url.path
        if path.startswith("/api/"):
            return self._tiefblue(method, path[len("/api/") :], body)
        handlers = {
            ("POST", "/account/login"): self._login,
            ("GET", "/openapi/v1/ticket/get"): self._ticket,
            ("POST", "/brm/v1/job_group/add"): self._job_group,
            ("GET", "/brm/v1/storage/token"): self._storage_token,
        }
        handler = handlers.get((method, path))
        if handler is None:
            return self._json(404, {"code": 404, "message": f"no route {method} {path}"})
        handler(query, body)

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    # -- Bohrium -------------------------------------------------------------------------------

    def _caller(self) -> Optional[str]:
        ticket = self.headers.get("Brm-Ticket")
        if ticket:
            return self.state.tickets.get(ticket)
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return self.state.logins.get(auth[len("Bearer ") :])
        return None

    def _login(self, query: Dict[str, str], body: bytes) -> None:
        data = json.loads(body)
        user = data.get("username") or data.get("phone")
        if self.state.users.get(user) != data.get("password"):
            return self._json(200, {"code": 2001, "error": "wrong user name or password"})
        token = secrets.token_hex(8)
        self.state.logins[token] = user
        self._ok({"token": token})

    def _ticket(self, query: Dict[str, str], body: bytes) -> None:
        pair = (self.headers.get("x-app-key"), query.get("accessKey"))
        if pair not in self.state.app_keys:
            return self._json(200, {"code": 3001, "message": "invalid access key"})
        ticket = secrets.token_hex(8)
        self.state.tickets[ticket] = pair[1]
        self._ok({"ticket": ticket})

    def _job_group(self, query: Dict[str, str], body: bytes) -> None:
        if self._caller() is None:
            return self._json(200, {"code": 401, "error": {"msg": "not logged in"}})
        data = json.loads(body)
        group = {"groupId": 1000 + len(self.state.groups), **data}
        self.state.groups.append(group)
        self._ok({"groupId": group["groupId"]})

    def _storage_token(self, query: Dict[str, str], body: bytes) -> None:
        if self.state.silent_once:
            self.state.silent_once = False
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self._caller() is None:
            return self._json(200, {"code": 401, "error": {"msg": "not logged in"}})
        project = query.get("projectId", "")
        token = secrets.token_hex(8)
        self.state.storage_tokens[token] = project
        self._ok(
            {
                "token": token,
                "path": f"proj{project}/",
                "sharePath": f"share{project}/",
                "userSharePath": "user-share/",
            }
        )

    # -- Tiefblue ------------------------------------------------------------------------------

    def _tiefblue(self, method: str, api: str, body: bytes) -> None:
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else ""
        if token in self.state.expired:
            return self._fail(190001, "token expired", 401)
        if token not in self.state.storage_tokens:
            return self._fail(190002, "invalid token", 401)
        raw = self.headers.get("X-Storage-Param")
        param = json.loads(base64.b64decode(raw)) if raw else {}
        objects = self.state.objects
        if method == "POST" and api == "upload/binary":
            objects[param["path"]] = body
            return self._ok({"path": param["path"]})
        if method == "POST" and api == "upload/multipart/init":
            initial = secrets.token_hex(4)
            self.state.uploads[initial] = {}
            return self._ok({"initialKey": initial})
        if method == "POST" and api == "upload/multipart/upload":
            self.state.uploads[param["initialKey"]][param["number"]] = body
            return self._ok({"partString": f"{param['number']}:{len(body)}"})
        if method == "POST" and api == "upload/multipart/complete":
            data = json.loads(body)
            parts = self.state.uploads.pop(data["initialKey"])
            numbers = [int(p.split(":")[0]) for p in data["partString"]]
            objects[data["path"]] = b"".join(parts[n] for n in numbers)
            return self._ok({"path": data["path"]})
        if method == "GET" and api.startswith("download/"):
            key = unquote(api[len("download/") :])
            if key not in objects:
                return self._fail(404, f"object {key} not found", 404)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(objects[key])))
            self.end_headers()
            self.wfile.write(objects[key])
            return None
        if method == "GET" and api.startswith("meta/"):
            key = unquote(api[len("meta/") :])
            if key not in objects:
                return self._ok({"exist": False})
            tag = hashlib.md5(objects[key]).hexdigest()
            return self._ok({"exist": True, "size": len(objects[key]), "entityTag": tag})
        if method == "DELETE" and api.startswith("delete/"):
            objects.pop(unquote(api[len("delete/") :]), None)
            return self._ok({})
        if method == "POST" and api == "copy":
            data = json.loads(body)
            if data["sourcePath"] not in objects:
                return self._fail(404, "source not found", 404)
            objects[data["destinationPath"]] = objects[data["sourcePath"]]
            return self._ok({})
        if method == "POST" and api == "iterate":
            return self._iterate(json.loads(body))
        return self._fail(404, f"no api {method} {api}", 404)

    def _iterate(self, data: Dict[str, Any]) -> None:
        prefix = data.get("prefix", "")
        found = sorted(k for k in self.state.objects if k.startswith(prefix))
        if not data.get("recursive"):
            shown = set()
            for k in found:
                rest = k[len(prefix) :]
                shown.add(prefix + rest.split("/")[0] + "/" if "/" in rest else k)
            found = sorted(shown)
        start = int(data.get("nextToken") or 0)
        size = int(data.get("maxObjects", 50))
        page = found[start : start + size]
        more = start + size < len(found)
        self._ok(
            {
                "objects": [{"path": p} for p in page],
                "hasNext": more,
                "nextToken": str(start + size) if more else "",
            }
        )


class BohriumServer:
    """The fake services on 127.0.0.1 (one port for Bohrium, the open API and Tiefblue)."""

    def __init__(self) -> None:
        self.state = BohriumState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> BohriumServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
