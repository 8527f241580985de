"""``TiefblueClient``: Bohrium's Tiefblue object storage as a dflow artifact store.

It speaks Tiefblue's HTTP API directly (``/api/upload/binary``, ``/api/download/<key>``,
``/api/iterate``, ``/api/copy``, ``/api/meta/<key>``, ``/api/delete/<key>``, multipart upload for
large files), with a storage token that Bohrium hands out (``/brm/v1/storage/token``) and that is
renewed once when Tiefblue says it expired.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from contextlib import contextmanager
from typing import Any, BinaryIO, Callable, Dict, Iterator, List, Optional, TypeVar

from ..errors import ArtifactNotFoundError, StorageError
from ..storage import StorageClient
from .http import Response, ServiceError, call

__all__ = ["TiefblueClient", "bohrium_config", "raise_error"]

T = TypeVar("T")
SUCCESS = (0, "0000")
TOKEN_EXPIRED = 190001
PARAM_HEADER = "X-Storage-Param"


def _flag(raw: Optional[str]) -> bool:
    return (raw or "").strip().lower() in ("1", "true", "yes", "on")


#: Bohrium settings; each has a ``BOHRIUM_<KEY>`` environment override.
bohrium_config: Dict[str, Any] = {
    "bohrium_url": os.environ.get("BOHRIUM_BOHRIUM_URL", "https://bohrium.dp.tech"),
    "username": os.environ.get("BOHRIUM_USERNAME"),
    "phone": os.environ.get("BOHRIUM_PHONE"),
    "password": os.environ.get("BOHRIUM_PASSWORD"),
    "authorization": os.environ.get("BOHRIUM_AUTHORIZATION"),
    "project_id": os.environ.get("BOHRIUM_PROJECT_ID"),
    "tiefblue_url": os.environ.get("BOHRIUM_TIEFBLUE_URL", "https://tiefblue.dp.tech"),
    "ticket": os.environ.get("BOHRIUM_TICKET"),
    "upload_progress": _flag(os.environ.get("BOHRIUM_UPLOAD_PROGRESS")),
    "access_key": os.environ.get("BOHRIUM_ACCESS_KEY"),
    "openapi_url": os.environ.get("BOHRIUM_OPENAPI_URL", "https://openapi.dp.tech"),
    "app_key": os.environ.get("BOHRIUM_APP_KEY"),
}


def raise_error(res: Any, op: str, status: Optional[int] = None) -> Dict[str, Any]:
    """``res`` if Bohrium answered success, else ``ServiceError("<op> failed: <why>")``."""
    if not isinstance(res, dict):
        raise ServiceError(f"{op} failed: unexpected answer {res!r}", status)
    if res.get("code") in SUCCESS:
        return res
    error = res.get("error")
    if isinstance(error, dict):
        message = error.get("msg")
    elif error is not None:
        message = error
    else:
        message = res.get("message")
    raise ServiceError(
        f"{op} failed: {message}" if message else f"{op} failed", status, res.get("code")
    )


class TiefblueClient(StorageClient):
    """Artifacts in Bohrium's Tiefblue storage, under the prefix Bohrium gives the project.

    Set it as the store with ``s3_config["storage_client"] = TiefblueClient()``.
    Account settings not given default to ``dflow.plugins.bohrium.config``.
    """

    #: files of at least twice this size are uploaded in parts of this size
    chunk_size = 50 * 1024 * 1024

    def __init__(
        self,
        bohrium_url: Optional[str] = None,
        username: Optional[str] = None,
        phone: Optional[str] = None,
        password: Optional[str] = None,
        authorization: Optional[str] = None,
        project_id: Optional[str] = None,
        token: Optional[str] = None,
        prefix: Optional[str] = None,
        sharePath: Optional[str] = None,  # noqa: N803 (the original's keyword)
        userSharePath: Optional[str] = None,  # noqa: N803
        tiefblue_url: Optional[str] = None,
        ticket: Optional[str] = None,
        access_key: Optional[str] = None,
        openapi_url: Optional[str] = None,
        app_key: Optional[str] = None,
    ) -> None:
        c = bohrium_config
        self.bohrium_url = bohrium_url if bohrium_url is not None else c["bohrium_url"]
        self.username = username if username is not None else c["username"]
        self.phone = phone if phone is not None else c["phone"]
        self.password = password if password is not None else c["password"]
        self.authorization = authorization if authorization is not None else c["authorization"]
        self.ticket = ticket if ticket is not None else c["ticket"]
        self.project_id = project_id if project_id is not None else c["project_id"]
        self.tiefblue_url = (
            tiefblue_url if tiefblue_url is not None else c["tiefblue_url"]
        ).rstrip("/")
        self.access_key = access_key if access_key is not None else c["access_key"]
        self.openapi_url = openapi_url if openapi_url is not None else c["openapi_url"]
        self.app_key = app_key if app_key is not None else c["app_key"]
        self.token = token
        self.prefix = prefix or ""
        self.sharePath = sharePath
        self.userSharePath = userSharePath
        if self.token is None:
            self.get_token()

    def to_dict(self) -> Dict[str, Any]:
        """Settings safe to show or record (no token, no password)."""
        keys = ["bohrium_url", "tiefblue_url", "username", "phone", "project_id"]
        return {k: getattr(self, k) for k in keys}

    def __getstate__(self) -> Dict[str, Any]:
        # what a step needs to reach the store; never the account's password or login token
        keys = ["bohrium_url", "tiefblue_url", "project_id", "token", "prefix", "sharePath",
                "userSharePath"]  # fmt: skip
        return {k: getattr(self, k) for k in keys}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        for k in ("username", "phone", "password", "authorization", "ticket", "access_key",
                  "openapi_url", "app_key"):  # fmt: skip
            setattr(self, k, None)
        self.__dict__.update(state)

    # -- the storage token -------------------------------------------------------------------

    def get_token(self, retry: int = 1) -> None:
        """Ask Bohrium for a storage token (logging in, or with a ticket, as configured)."""
        from .bohrium import login, update_headers

        headers = {}
        if self.access_key is not None:
            answer = call(
                "GET",
                self.openapi_url + "/openapi/v1/ticket/get",
                "Bohrium get ticket",
                headers={"x-app-key": self.app_key or ""},
                params={"accessKey": self.access_key},
            )
            res = raise_error(answer.json("Bohrium get ticket"), "get ticket", answer.status)
            self.ticket = res["data"]["ticket"]
            bohrium_config["ticket"] = self.ticket
        if self.ticket is not None:
            headers["Brm-Ticket"] = self.ticket
            update_headers()
        else:
            if self.authorization is None:
                self.authorization = login(
                    self.username, self.phone, self.password, self.bohrium_url
                )
            headers["Authorization"] = "Bearer " + self.authorization
        answer = call(
            "GET",
            self.bohrium_url + "/brm/v1/storage/token",
            "Bohrium storage token",
            headers=headers,
            params={"projectId": self.project_id},
        )
        if not answer.body:  # Bohrium answers nothing to an expired login
            if retry > 0 and self.ticket is None:
                self.authorization = None
                self.get_token(retry=retry - 1)
                return
            raise ServiceError("Bohrium unauthorized", answer.status)
        res = raise_error(answer.json("Bohrium storage token"), "get storage token", answer.status)
        data = res["data"]
        self.token = data["token"]
        self.prefix = data.get("path") or ""
        self.sharePath = data.get("sharePath")
        self.userSharePath = data.get("userSharePath")

    # -- Tiefblue calls ----------------------------------------------------------------------

    def _headers(self, param: Optional[Dict[str, Any]] = None) -> Dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if param is not None:
            headers[PARAM_HEADER] = base64.b64encode(json.dumps(param).encode()).decode()
        return headers

    def _check(self, answer: Response, what: str, key: str = "") -> Any:
        if 200 <= answer.status < 300:
            if not answer.body:
                return None
            data = answer.json(what)
            return data.get("data") if isinstance(data, dict) else data
        message = answer.body[:300].decode(errors="replace")
        code = None
        if "json" in answer.headers.get("Content-Type", "") and answer.body:
            data = answer.json(what)
            error = data.get("error") if isinstance(data, dict) else None
            if isinstance(error, dict):
                code = data.get("code")
                message = f"{error.get('title') or ''} {error.get('msg') or ''}".strip()
        if code == TOKEN_EXPIRED:
            raise _Expired()
        if answer.status == 404:
            raise ArtifactNotFoundError(f"Tiefblue {what}: no object {key!r}")
        raise StorageError(f"Tiefblue {what} {key!r}: HTTP {answer.status}: {message}")

    def _renewing(self, action: Callable[[], T]) -> T:
        """Run ``action``; if the storage token expired, get a new one and run it once more."""
        try:
            return action()
        except _Expired:
            self.get_token()
        try:
            return action()
        except _Expired:
            raise StorageError("Tiefblue: the storage token expired again after renewal") from None

    def _url(self, api: str, key: str = "") -> str:
        from urllib.parse import quote

        return f"{self.tiefblue_url}/api/{api}" + (f"/{quote(key)}" if key else "")

    # -- StorageClient -----------------------------------------------------------------------

    def upload(self, key: str, path: str) -> None:
        size = os.path.getsize(path)
        name = os.path.basename(path)
        option = {"contentDisposition": f'attachment; filename="{name}"'}
        if size < 2 * self.chunk_size:
            with open(path, "rb") as f:
                body = f.read()

            def write() -> None:
                answer = call(
                    "POST", self._url("upload/binary"), "upload",
                    headers=self._headers({"path": key, "option": option}), data=body,
                )  # fmt: skip
                self._check(answer, "upload", key)

            self._renewing(write)
            return
        self._renewing(lambda: self._upload_parts(key, path, size, option))

    def _upload_parts(self, key: str, local_file: str, size: int, option: Dict[str, str]) -> None:
        answer = call(
            "POST", self._url("upload/multipart/init"), "upload",
            headers=self._headers(), json_body={"path": key, "option": option},
        )  # fmt: skip
        initial = self._check(answer, "upload", key)["initialKey"]
        parts: List[str] = []
        with open(local_file, "rb") as f:
            number, offset = 1, 0
            while offset < size:
                chunk = f.read(self.chunk_size)
                param = {"initialKey": initial, "number": number, "partSize": len(chunk),
                         "objectKey": key}  # fmt: skip
                answer = call(
                    "POST", self._url("upload/multipart/upload"), "upload part",
                    headers=self._headers(param), data=chunk,
                )  # fmt: skip
                parts.append(self._check(answer, "upload part", key)["partString"])
                number, offset = number + 1, offset + len(chunk)
        answer = call(
            "POST", self._url("upload/multipart/complete"), "upload",
            headers=self._headers(),
            json_body={"path": key, "initialKey": initial, "partString": parts},
        )  # fmt: skip
        self._check(answer, "upload", key)

    def upload_stream(self, key: str, stream: BinaryIO) -> None:
        with tempfile.NamedTemporaryFile(prefix="dflow-tiefblue-") as spool:
            while True:
                chunk = stream.read(1 << 20)
                if not chunk:
                    break
                spool.write(chunk)
            spool.flush()
            self.upload(key, spool.name)

    def download(self, key: str, path: str) -> None:
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        partial = f"{path}.part"

        def fetch() -> None:
            with open(partial, "wb") as f:
                answer = call(
                    "GET", self._url("download", key), "download",
                    headers=self._headers(), stream_to=f,
                )  # fmt: skip
            self._check(answer, "download", key)

        try:
            self._renewing(fetch)
            os.replace(partial, path)
        finally:
            if os.path.exists(partial):
                os.remove(partial)

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        with tempfile.TemporaryDirectory(prefix="dflow-tiefblue-") as d:
            path = os.path.join(d, "object")
            self.download(key, path)
            with open(path, "rb") as f:
                yield f

    def list(self, prefix: str, recursive: bool = True) -> List[str]:
        keys: List[str] = []
        next_token = ""
        while True:
            body: Dict[str, Any] = {"prefix": prefix, "maxObjects": 50}
            if recursive:
                body["recursive"] = True
            if next_token:
                body["nextToken"] = next_token

            def page(body: Dict[str, Any] = body) -> Any:
                answer = call(
                    "POST", self._url("iterate"), "list", headers=self._headers(), json_body=body
                )
                return self._check(answer, "list", prefix)

            res = self._renewing(page) or {}
            for obj in res.get("objects") or ():
                path = obj["path"]
                if path.endswith("/") and (recursive or path == prefix):
                    continue  # directory markers, and the listed directory itself
                keys.append(path)
            if not res.get("hasNext"):
                break
            next_token = res["nextToken"]
        return sorted(keys)

    def copy(self, src: str, dst: str) -> None:
        def copy() -> None:
            answer = call(
                "POST", self._url("copy"), "copy", headers=self._headers(),
                json_body={"sourcePath": src, "destinationPath": dst},
            )  # fmt: skip
            self._check(answer, "copy", src)

        self._renewing(copy)

    def meta(self, key: str) -> Dict[str, Any]:
        def meta() -> Any:
            answer = call("GET", self._url("meta", key), "meta", headers=self._headers())
            return self._check(answer, "meta", key)

        return self._renewing(meta) or {}

    def exists(self, key: str) -> bool:
        try:
            return bool(self.meta(key).get("exist", False))
        except ArtifactNotFoundError:
            return False

    def get_md5(self, key: str) -> str:
        """The object's entity tag (as the original's ``get_md5``), ``""`` if it has none."""
        return str(self.meta(key).get("entityTag", ""))

    def delete(self, key: str) -> None:
        def delete() -> None:
            answer = call("DELETE", self._url("delete", key), "delete", headers=self._headers())
            if answer.status != 404:
                self._check(answer, "delete", key)

        self._renewing(delete)

    def describe(self, key: str) -> str:
        return f"tiefblue {self.tiefblue_url}/{key}"


class _Expired(Exception):
    """Tiefblue refused the storage token as expired."""
