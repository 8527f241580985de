"""``HTTPOPTemplate``: a step that is one HTTP request (Argo's ``http`` template), and
``HTTPArtifact``, an input artifact fetched from a URL."""

from __future__ import annotations

from typing import Any, Dict, Optional

from .errors import InvalidWorkflowError
from .io import Inputs, Outputs
from .op_template import OPTemplate

__all__ = ["HTTPOPTemplate", "HTTPArtifact"]

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class HTTPOPTemplate(OPTemplate):
    """Sends one HTTP request; the step succeeds when ``success_condition`` holds (by default,
    when the status is 2xx) and its ``outputs.result`` is the response body.

    Args:
        url: where to send it; it may use ``{{inputs.parameters.x}}`` tags, as may
            ``headers`` values and ``body``.
        method: the HTTP method.
        headers: request headers by name.
        body: the request body.
        timeout: seconds to wait for the answer.
        success_condition: an Argo expression on ``response.statusCode``, ``response.body``
            and ``response.headers``, e.g. ``"response.statusCode == 201"``.
        insecure_skip_verify: accept any TLS certificate.
    """

    def __init__(
        self,
        url: str,
        name: Optional[str] = None,
        inputs: Optional[Inputs] = None,
        outputs: Optional[Outputs] = None,
        memoize_key: Optional[str] = None,
        annotations: Optional[Dict[str, str]] = None,
        labels: Optional[Dict[str, str]] = None,
        method: str = "GET",
        headers: Optional[Dict[str, str]] = None,
        timeout: Optional[int] = None,
        success_condition: Optional[str] = None,
        body: Optional[str] = None,
        insecure_skip_verify: bool = False,
    ) -> None:
        if not url:
            raise InvalidWorkflowError("HTTPOPTemplate needs a url")
        if method.upper() not in _METHODS:
            raise InvalidWorkflowError(f"HTTPOPTemplate: unknown method {method!r}")
        if timeout is not None and (not isinstance(timeout, int) or timeout <= 0):
            raise InvalidWorkflowError(f"HTTPOPTemplate: timeout {timeout!r} must be seconds > 0")
        self.url = url
        self.method = method.upper()
        self.headers = {str(k): str(v) for k, v in (headers or {}).items()}
        self.body = body
        self.success_condition = success_condition
        self.insecure_skip_verify = insecure_skip_verify
        super().__init__(
            name, inputs, outputs, memoize_key=memoize_key, annotations=annotations, labels=labels
        )
        # seconds of the request, not of the step: Argo's ``timeoutSeconds`` of the http field
        self.http_timeout = timeout

    def _default_name(self) -> str:
        import hashlib

        digest = hashlib.sha1(f"{self.method}\0{self.url}\0{self.body}".encode()).hexdigest()
        return f"http-{digest[:10]}"

    def http_fields(self) -> Dict[str, Any]:
        """Argo's ``http`` field of the template."""
        http: Dict[str, Any] = {"url": self.url, "method": self.method}
        if self.headers:
            http["headers"] = [{"name": k, "value": v} for k, v in self.headers.items()]
        if self.body is not None:
            http["body"] = self.body
        if self.http_timeout is not None:
            http["timeoutSeconds"] = self.http_timeout
        if self.success_condition:
            http["successCondition"] = self.success_condition
        if self.insecure_skip_verify:
            http["insecureSkipVerify"] = True
        return http


class HTTPArtifact:
    """An input artifact fetched from ``url`` when the step starts (Argo's ``http`` artifact)."""

    def __init__(self, url: str) -> None:
        if not url or not url.startswith(("http://", "https://")):
            raise InvalidWorkflowError(f"HTTPArtifact needs an http(s) URL, got {url!r}")
        self.url = url

    def download(self, path: str = ".") -> str:
        """Fetch the URL into the directory ``path`` (under the URL's last part); return it."""
        import os
        import shutil
        import urllib.error
        import urllib.parse
        import urllib.request

        from .errors import StorageError

        name = os.path.basename(urllib.parse.urlparse(self.url).path) or "index"
        os.makedirs(path, exist_ok=True)
        target = os.path.join(path, name)
        try:
            with urllib.request.urlopen(self.url, timeout=60) as answer:
                with open(target + ".part", "wb") as out:
                    shutil.copyfileobj(answer, out, 1 << 20)
            os.replace(target + ".part", target)
        except (urllib.error.URLError, OSError) as exc:
            raise StorageError(f"cannot fetch {self.url}: {getattr(exc, 'reason', exc)}") from None
        return target

    def __repr__(self) -> str:
        return f"HTTPArtifact({self.url!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HTTPArtifact) and other.url == self.url

    def __hash__(self) -> int:
        return hash(self.url)
