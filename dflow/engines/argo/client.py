"""A small JSON-over-HTTP client for the Argo server: auth, TLS, retries, errors.

Raw JSON (no generated models) keeps large workflow statuses fast. Only calls that are safe to
repeat are retried on connection failures and 5xx answers; a create is retried only when the
connection was never made, so a workflow is never submitted twice.
"""

from __future__ import annotations

import json
import time
from typing import Any, Dict, Mapping, Optional
from urllib.parse import quote, urlencode

from ...errors import ArgoAPIError

__all__ = ["ArgoClient", "RETRY_STATUSES"]

RETRY_STATUSES = frozenset({500, 502, 503, 504})


def _base_url(host: str) -> str:
    host = host.strip().rstrip("/")
    if "://" not in host:
        host = "https://" + host
    return host


def _server_message(status: int, body: bytes) -> str:
    """The ``message`` of a grpc-gateway error body, or the start of the raw body."""
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        message = data.get("message") or data.get("error")
        if message:
            return str(message)
    return text.strip()[:500] or f"HTTP {status} with an empty body"


class ArgoClient:
    """Sends JSON requests to one Argo server (``host``) with a bearer token and extra headers."""

    def __init__(
        self,
        host: str,
        token: Optional[str] = None,
        insecure: bool = False,
        headers: Optional[Mapping[str, str]] = None,
        retries: int = 4,
        backoff: float = 0.25,
        timeout: float = 60.0,
    ) -> None:
        import urllib3

        self.base = _base_url(host)
        self.retries = retries
        self.backoff = backoff
        self.headers: Dict[str, str] = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = (
                token if token.lower().startswith(("bearer ", "basic ")) else f"Bearer {token}"
            )
        self.headers.update(headers or {})
        if insecure:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._pool = urllib3.PoolManager(
            cert_reqs="CERT_NONE" if insecure else "CERT_REQUIRED",
            timeout=urllib3.Timeout(connect=min(timeout, 10.0), read=timeout),
            retries=False,
        )

    def url(self, *segments: str, query: Optional[Mapping[str, Any]] = None) -> str:
        path = "/".join(quote(s, safe="") for s in segments)
        url = f"{self.base}/{path}"
        if query:
            url += "?" + urlencode({k: v for k, v in query.items() if v is not None})
        return url

    def request(
        self,
        method: str,
        url: str,
        body: Any = None,
        idempotent: bool = True,
        workflow: Optional[str] = None,
    ) -> Any:
        """Send one request and return the decoded JSON answer.

        Raises:
            ArgoAPIError: the server answered an error status (its message included), or could not
                be reached (status 0) after the retries allowed for this call.
        """
        import urllib3

        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            try:
                resp = self._pool.request(method, url, body=data, headers=headers)
            except urllib3.exceptions.HTTPError as exc:
                never_sent = isinstance(exc, urllib3.exceptions.NewConnectionError) or (
                    isinstance(exc, urllib3.exceptions.MaxRetryError)
                    and isinstance(exc.reason, urllib3.exceptions.NewConnectionError)
                )
                if attempt < self.retries and (idempotent or never_sent):
                    attempt += 1
                    time.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                raise ArgoAPIError(0, f"cannot reach {self.base}: {exc}", workflow) from exc
            if resp.status in RETRY_STATUSES and idempotent and attempt < self.retries:
                attempt += 1
                time.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            if resp.status >= 400:
                raise ArgoAPIError(resp.status, _server_message(resp.status, resp.data), workflow)
            if not resp.data:
                return {}
            try:
                return json.loads(resp.data)
            except ValueError as exc:
                raise ArgoAPIError(
                    resp.status, f"the answer is not JSON: {resp.data[:200]!r}", workflow
                ) from exc
