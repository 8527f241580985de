"""The Argo server's REST API through the ``argo-workflows`` package, with our errors and retries.

The package's ``Configuration`` and ``ApiClient`` carry the transport (host, TLS, proxy, API key,
so a user may hand over their own configuration) and its workflow and archived-workflow services
build each request. Our bodies go out as the plain dicts they are and answers are read as raw
JSON (``_preload_content=False``), never turned into the package's model objects: that keeps
large workflow statuses fast and the dicts exactly as the server sent them.

What the package lacks is here: every request has a bounded timeout, calls that are safe to repeat
are retried on connection failures and 5xx answers (a create only when the connection was never
made, so a workflow is never submitted twice; a read that timed out is not repeated, so a silent
server holds a call for one timeout), and every failure is an ``ArgoAPIError`` with the status
and the server's message, an answer of the wrong shape included.
"""

from __future__ import annotations

import importlib
import json
import time
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple

from ...errors import ArgoAPIError, DflowError

__all__ = ["ArgoClient", "RETRY_STATUSES", "SERVICES", "make_configuration"]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

# our short name -> "module:class" of the package's service
SERVICES = {
    "workflow": "argo_workflows.api.workflow_service_api:WorkflowServiceApi",
    "archived": "argo_workflows.api.archived_workflow_service_api:ArchivedWorkflowServiceApi",
}

CONNECT_TIMEOUT = 10.0  # at most this long to open a connection, within the request timeout


def _base_url(host: str) -> str:
    host = host.strip().rstrip("/")
    if "://" not in host:
        host = "https://" + host
    return host


def make_configuration(host: str, token: Optional[str] = None, insecure: bool = False) -> Any:
    """An ``argo_workflows.Configuration`` for ``host`` (``https://`` when no scheme is given).

    ``token`` is sent as ``Authorization: Bearer <token>`` (a token given with its ``Bearer`` or
    ``Basic`` prefix is sent as is); ``insecure`` skips TLS verification. urllib3's own retries
    are off: ``ArgoClient`` decides what is repeated.
    """
    from argo_workflows.configuration import Configuration

    conf = Configuration(host=_base_url(host))
    conf.verify_ssl = not insecure
    conf.retries = False
    if token:
        has_scheme = token.lower().startswith(("bearer ", "basic "))
        conf.api_key["BearerToken"] = token if has_scheme else f"Bearer {token}"
    if insecure:
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return conf


def _server_message(status: int, body: Any) -> str:
    """The ``message`` of a grpc-gateway error body, or the start of the raw body."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        message = data.get("message") or data.get("error")
        if message:
            return str(message)
    return text.strip()[:500] or f"HTTP {status} with an empty body"


def _never_sent(exc: Exception) -> bool:
    """Whether a urllib3 failure happened before any byte of the request left this machine."""
    import urllib3

    reason = getattr(exc, "reason", None)  # MaxRetryError wraps the failure
    for err in (exc, reason):
        if isinstance(
            err, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)
        ):
            return True
    return False


def _read_timed_out(exc: Exception) -> bool:
    import urllib3

    reason = getattr(exc, "reason", None)
    return any(isinstance(e, urllib3.exceptions.ReadTimeoutError) for e in (exc, reason))


class ArgoClient:
    """Calls one Argo server through the ``argo-workflows`` services and decodes the JSON itself.

    Args:
        host / token / insecure: where and how to connect, unless ``configuration`` is given.
        headers: extra headers on every call.
        retries / backoff: how often a call that is safe to repeat is repeated, and the first
            pause between tries (doubled each time).
        timeout: the longest wait, in seconds, for a connection and then for each read.
        configuration: an ``argo_workflows.Configuration`` used as given (host, auth, TLS, proxy,
            and its urllib3 retries, which urllib3 retries under ours when left at its default).
    """

    def __init__(
        self,
        host: str,
        token: Optional[str] = None,
        insecure: bool = False,
        headers: Optional[Mapping[str, str]] = None,
        retries: int = 4,
        backoff: float = 0.25,
        timeout: float = 60.0,
        configuration: Any = None,
    ) -> None:
        from argo_workflows.api_client import ApiClient
        from argo_workflows.configuration import Configuration

        if timeout <= 0:
            raise ValueError(f"the Argo request timeout must be positive, got {timeout}")
        if configuration is not None and not isinstance(configuration, Configuration):
            raise DflowError(
                "argo_configuration must be an argo_workflows.configuration.Configuration, "
                f"got {type(configuration).__name__}"
            )
        self.configuration = configuration or make_configuration(host, token, insecure)
        self.base = str(self.configuration.host)
        self.retries = retries
        self.backoff = backoff
        self.timeout = float(timeout)
        self.api_client = ApiClient(self.configuration)
        for name, value in (headers or {}).items():
            self.api_client.set_default_header(name, value)
        self._services: Dict[str, Any] = {}

    def service(self, name: str) -> Any:
        """The package's service ``name`` (see ``SERVICES``), made on first use."""
        api = self._services.get(name)
        if api is None:
            module, _, cls = SERVICES[name].partition(":")
            api = getattr(importlib.import_module(module), cls)(self.api_client)
            for attr in vars(api).values():
                params_map = getattr(attr, "params_map", None)
                if isinstance(params_map, dict) and isinstance(params_map.get("nullable"), list):
                    # with input type checks off (our dicts must go out untouched) the package
                    # refuses its own defaults of None for these two
                    params_map["nullable"].extend(["_content_type", "_host_index"])
            self._services[name] = api
        return api

    def _request_timeout(self, deadline: Optional[float]) -> Tuple[float, float]:
        read = self.timeout
        if deadline is not None:
            read = max(0.1, min(read, deadline - time.monotonic()))
        return min(CONNECT_TIMEOUT, read), read

    def call(
        self,
        service: str,
        operation: str,
        *args: Any,
        idempotent: bool = True,
        workflow: Optional[str] = None,
        retries: Optional[int] = None,
        deadline: Optional[float] = None,
        **params: Any,
    ) -> Dict[str, Any]:
        """Call ``operation`` of ``service`` and return the decoded JSON object of the answer.

        Args:
            args / params: the operation's arguments; dict bodies are sent untouched.
            idempotent: whether repeating the call after a lost answer is harmless.
            workflow: named in the errors.
            retries: instead of the client's own count.
            deadline: a ``time.monotonic()`` time; no request or pause runs past it.

        Raises:
            ArgoAPIError: the server answered an error status (its message included), gave an
                answer that is not a JSON object, or could not be reached (status 0), after
                the retries allowed for this call.
        """
        from argo_workflows.exceptions import ApiException

        endpoint = getattr(self.service(service), operation)
        allowed = self.retries if retries is None else retries
        attempt = 0
        while True:
            try:
                try:
                    resp = endpoint(
                        *args,
                        _preload_content=False,
                        _check_input_type=False,
                        _request_timeout=self._request_timeout(deadline),
                        **params,
                    )
                    status, data = int(resp.status), resp.data
                    resp.release_conn()
                except AttributeError as exc:
                    # the package decodes ``body`` of every ApiException, also of those raised
                    # before any answer (TLS failures), whose body is None
                    if not isinstance(exc.__context__, ApiException):
                        raise
                    raise exc.__context__ from None
            except ApiException as exc:
                status = int(exc.status or 0)
                if status == 0:
                    error = ArgoAPIError(0, f"cannot reach {self.base}: {exc.reason}", workflow)
                    transient = sent = False  # a TLS failure does not heal by itself
                else:
                    message = _server_message(status, exc.body)
                    transient, sent = status in RETRY_STATUSES, True
                    error = ArgoAPIError(status, message, workflow, transient)
                cause: Exception = exc
            except Exception as exc:  # noqa: BLE001 - urllib3 and socket failures of any kind
                import urllib3

                if not isinstance(exc, (urllib3.exceptions.HTTPError, OSError)):
                    raise
                error = ArgoAPIError(0, f"cannot reach {self.base}: {exc}", workflow, True)
                transient, sent, cause = True, not _never_sent(exc), exc
                if _read_timed_out(exc):
                    # a server that kept silent for the whole timeout is not asked again at
                    # once: a call is bounded by about one timeout (``wait`` polls on by itself)
                    allowed = attempt
            else:
                return _decode(status, data, workflow)
            pause = self.backoff * 2**attempt
            in_time = deadline is None or time.monotonic() + pause < deadline
            if transient and (idempotent or not sent) and attempt < allowed and in_time:
                attempt += 1
                time.sleep(pause)
                continue
            raise error from cause

    def stream(
        self,
        service: str,
        operation: str,
        *args: Any,
        workflow: Optional[str] = None,
        follow: bool = False,
        **params: Any,
    ) -> Iterator[Dict[str, Any]]:
        """The ``result`` objects of a streaming ``operation`` (one JSON object a line), read as
        they come; with ``follow`` no read timeout applies, as the server may wait for output.

        Raises:
            ArgoAPIError: the server answered an error status, or an error in the stream.
        """
        from argo_workflows.exceptions import ApiException

        endpoint = getattr(self.service(service), operation)
        read_timeout = None if follow else self.timeout
        try:
            resp = endpoint(
                *args,
                _preload_content=False,
                _check_input_type=False,
                _request_timeout=(min(CONNECT_TIMEOUT, self.timeout), read_timeout),
                **params,
            )
        except ApiException as exc:
            status = int(exc.status or 0)
            if status == 0:
                raise ArgoAPIError(0, f"cannot reach {self.base}: {exc.reason}", workflow) from exc
            raise ArgoAPIError(status, _server_message(status, exc.body), workflow) from exc
        except Exception as exc:  # noqa: BLE001 - urllib3 and socket failures of any kind
            import urllib3

            if not isinstance(exc, (urllib3.exceptions.HTTPError, OSError)):
                raise
            raise ArgoAPIError(0, f"cannot reach {self.base}: {exc}", workflow, True) from exc
        try:
            pending = b""
            for chunk in resp.stream(1 << 16):
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    yield from _stream_item(line, workflow)
            yield from _stream_item(pending, workflow)
        finally:
            resp.release_conn()


def _stream_item(line: bytes, workflow: Optional[str]) -> Iterator[Dict[str, Any]]:
    """The ``result`` of one line of a stream (none for a blank line)."""
    if not line.strip():
        return
    item = _decode(200, line, workflow)
    if "error" in item:
        error = item["error"] or {}
        code = int(error.get("http_code") or error.get("code") or 500)
        raise ArgoAPIError(code, str(error.get("message") or error), workflow)
    yield item.get("result") or {}


def _decode(status: int, data: bytes, workflow: Optional[str]) -> Dict[str, Any]:
    """The JSON object of an answer; anything else is an ``ArgoAPIError`` quoting the answer."""
    if not data:
        return {}
    try:
        answer = json.loads(data)
    except ValueError as exc:
        raise ArgoAPIError(status, f"the answer is not JSON: {data[:200]!r}", workflow) from exc
    if not isinstance(answer, dict):
        raise ArgoAPIError(status, f"the answer is not a JSON object: {data[:200]!r}", workflow)
    return answer
