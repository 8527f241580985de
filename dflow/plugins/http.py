"""A small HTTP client (standard library only) for the cloud plugins' JSON services."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, BinaryIO, Dict, Mapping, Optional, Union

from ..errors import DflowError

__all__ = ["ServiceError", "Response", "call"]

TIMEOUT = 60.0


class ServiceError(DflowError, RuntimeError):
    """A cloud service refused a call or could not be reached; the message says which call."""

    def __init__(self, message: str, status: Optional[int] = None, code: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass
class Response:
    """Status, headers and body of an answer (any status: the caller decides what is an error)."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self, what: str) -> Any:
        """The body as JSON; a body that is not JSON is an error naming ``what``."""
        try:
            return json.loads(self.body.decode() or "null")
        except (UnicodeDecodeError, ValueError):
            head = self.body[:200].decode(errors="replace")
            raise ServiceError(
                f"{what}: the answer (HTTP {self.status}) is not JSON: {head!r}", self.status
            ) from None


def call(
    method: str,
    url: str,
    what: str,
    *,
    headers: Optional[Mapping[str, str]] = None,
    params: Optional[Mapping[str, Any]] = None,
    json_body: Any = None,
    data: Union[bytes, BinaryIO, None] = None,
    stream_to: Optional[BinaryIO] = None,
) -> Response:
    """Send one request; ``stream_to`` receives a successful body instead of memory."""
    if params:
        query = {k: v for k, v in params.items() if v is not None}
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query)
    sent: Dict[str, str] = dict(headers or {})
    body: Union[bytes, BinaryIO, None] = data
    if json_body is not None:
        body = json.dumps(json_body).encode()
        sent.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=body, headers=sent, method=method)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            if stream_to is not None:
                while True:
                    chunk = answer.read(1 << 20)
                    if not chunk:
                        break
                    stream_to.write(chunk)
                return Response(answer.status, dict(answer.headers), b"")
            return Response(answer.status, dict(answer.headers), answer.read())
    except urllib.error.HTTPError as exc:
        return Response(exc.code, dict(exc.headers or {}), exc.read())
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ServiceError(f"{what}: cannot reach {url.split('?')[0]}: {reason}") from None
