"""Argo's HTTP templates and HTTP artifacts on the local engine, through ``urllib``."""

from __future__ import annotations

import json
import shutil
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Mapping, Tuple

from ...errors import DflowError
from .expressions import ExpressionError, evaluate, substitute

__all__ = ["run_http", "fetch_url"]

_DEFAULT_TIMEOUT = 60


def fetch_url(url: str, dest: Path, timeout: float = _DEFAULT_TIMEOUT) -> None:
    """Download ``url`` into the file ``dest`` (an HTTP input artifact)."""
    if not url.startswith(("http://", "https://")):
        raise DflowError(f"HTTP artifact URL {url!r} is not http(s)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer, open(partial, "wb") as out:
            shutil.copyfileobj(answer, out, 1 << 20)
        partial.replace(dest)
    except (urllib.error.URLError, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise DflowError(f"cannot fetch {url}: {getattr(exc, 'reason', exc)}") from None


def run_http(
    tmpl: Mapping[str, Any], scope: Mapping[str, Any], who: str
) -> Tuple[str, str, Dict[str, Any]]:
    """Send the template's request; (phase, message, outputs with the body as ``result``)."""
    http = dict(tmpl["http"])
    try:
        url = substitute(str(http.get("url", "")), scope, strict=True)
        headers = {
            str(h["name"]): substitute(str(h.get("value", "")), scope, strict=True)
            for h in http.get("headers") or ()
        }
        body = http.get("body")
        data = substitute(str(body), scope, strict=True).encode() if body is not None else None
    except ExpressionError as exc:
        return "Error", f"{who}: {exc}", {}
    if not url.startswith(("http://", "https://")):
        return "Error", f"{who}: URL {url!r} is not http(s)", {}
    request = urllib.request.Request(
        url, data=data, headers=headers, method=str(http.get("method") or "GET")
    )
    context = None
    if http.get("insecureSkipVerify"):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    timeout = float(http.get("timeoutSeconds") or _DEFAULT_TIMEOUT)
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as answer:
            status, text, answer_headers = answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as exc:
        status, text, answer_headers = exc.code, exc.read(), dict(exc.headers or {})
    except (urllib.error.URLError, OSError) as exc:
        return "Failed", f"{who}: {url}: {getattr(exc, 'reason', exc)}", {}
    result = text.decode("utf-8", errors="replace")
    condition = http.get("successCondition")
    response = {
        "response.statusCode": status,
        "response.body": result,
        "response.headers": json.dumps(answer_headers),
    }
    if condition:
        try:
            ok = bool(evaluate(str(condition), {**scope, **response}))
        except ExpressionError as exc:
            return "Error", f"{who}: successCondition {condition!r}: {exc}", {"result": result}
    else:
        ok = 200 <= status < 300
    if not ok:
        return "Failed", f"{who}: {url} answered {status}", {"result": result}
    return "Succeeded", "", {"result": result}
