"""``ArgoEngine``: the ``default`` mode engine, over the Argo server's REST API."""

from __future__ import annotations

import time
from typing import Any, Dict, List, Mapping, Optional

from ...errors import DflowError, InvalidWorkflowError
from .. import FINISHED_PHASES
from .client import ArgoClient

__all__ = ["ArgoEngine", "ACTIONS", "FINISHED_PHASES"]

# verb -> safe to repeat after a lost answer? (retry and resubmit start new work; the rest do not)
ACTIONS: Dict[str, bool] = {
    "terminate": True,
    "stop": True,
    "suspend": True,
    "resume": True,
    "retry": False,
    "resubmit": False,
    "delete": True,
}


class ArgoEngine:
    """Submits and manages workflows on one Argo server, in one namespace.

    Args:
        host: the Argo server URL (``https://`` is assumed when no scheme is given).
        token: bearer token sent on every call (with or without the ``Bearer`` prefix).
        namespace: the namespace of the workflows.
        k8s_config_file / k8s_api_server: where to create memoization ConfigMaps (reuse_step).
        insecure: skip TLS verification (the quick-start's self-signed certificate); default
            from ``config["insecure"]``.
        http_headers: extra headers on every call; default from ``config["http_headers"]``.
        retries: how often idempotent calls are repeated on connection failures and 5xx.
    """

    def __init__(
        self,
        host: Optional[str] = None,
        token: Optional[str] = None,
        namespace: Optional[str] = None,
        k8s_config_file: Optional[str] = None,
        k8s_api_server: Optional[str] = None,
        insecure: Optional[bool] = None,
        http_headers: Optional[Mapping[str, str]] = None,
        retries: int = 4,
        backoff: float = 0.25,
        **extra: Any,
    ) -> None:
        from ...config import config

        self.host = host or config["host"]
        self.token = token if token is not None else config["token"]
        self.namespace = namespace or config["namespace"]
        self.k8s_config_file = k8s_config_file
        self.k8s_api_server = k8s_api_server
        self.insecure = bool(config["insecure"] if insecure is None else insecure)
        headers = dict(config.get("http_headers") or {})
        headers.update(http_headers or {})
        self.extra = extra
        self.client = ArgoClient(
            self.host,
            token=self.token,
            insecure=self.insecure,
            headers=headers,
            retries=retries,
            backoff=backoff,
        )

    # -- paths ---------------------------------------------------------------------------------

    def _url(self, *tail: str, query: Optional[Mapping[str, Any]] = None) -> str:
        return self.client.url("api", "v1", "workflows", self.namespace, *tail, query=query)

    # -- Engine protocol -----------------------------------------------------------------------

    def submit(
        self,
        manifest: Dict[str, Any],
        reuse_step: Optional[List[Any]] = None,
        memoize_configmap: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Create the workflow; with ``reuse_step``, first fill its memoization ConfigMap."""
        if not isinstance(manifest, dict) or manifest.get("kind", "Workflow") != "Workflow":
            raise InvalidWorkflowError("submit takes an Argo Workflow manifest (kind: Workflow)")
        if reuse_step:
            if not memoize_configmap:
                raise InvalidWorkflowError("reuse_step needs the memoization ConfigMap's name")
            self._fill_cache(memoize_configmap, reuse_step)
        metadata = manifest.get("metadata") or {}
        what = metadata.get("name") or metadata.get("generateName")
        body = {"namespace": self.namespace, "workflow": manifest}
        created: Dict[str, Any] = self.client.request(
            "POST", self._url(), body, idempotent=False, workflow=what
        )
        return created

    def _fill_cache(self, name: str, reuse_step: List[Any]) -> None:
        from ...memoize import CACHE_LABEL, cache_entries
        from .configmap import create_configmap

        create_configmap(
            name,
            self.namespace,
            cache_entries(reuse_step),
            CACHE_LABEL,
            api_server=self.k8s_api_server,
            token=self.token,
            config_file=self.k8s_config_file,
            insecure=self.insecure,
        )

    def get(self, workflow_id: str) -> Dict[str, Any]:
        """The workflow with its full status."""
        wf: Dict[str, Any] = self.client.request(
            "GET", self._url(workflow_id), workflow=workflow_id
        )
        return wf

    def list(self, labels: Optional[Dict[str, str]] = None) -> List[Dict[str, Any]]:
        """Workflows of the namespace carrying all ``labels``."""
        query = None
        if labels:
            query = {"listOptions.labelSelector": ",".join(f"{k}={v}" for k, v in labels.items())}
        answer = self.client.request("GET", self._url(query=query))
        return list(answer.get("items") or [])

    def action(self, workflow_id: str, verb: str) -> Dict[str, Any]:
        """Apply ``verb`` (terminate, stop, suspend, resume, retry, resubmit, delete)."""
        if verb not in ACTIONS:
            raise ValueError(f"unknown workflow action {verb!r}: choose one of {sorted(ACTIONS)}")
        if verb == "delete":
            answer = self.client.request("DELETE", self._url(workflow_id), workflow=workflow_id)
            return dict(answer or {})
        body: Dict[str, Any] = {"name": workflow_id, "namespace": self.namespace}
        if verb == "resubmit":
            body["memoized"] = False
        result: Dict[str, Any] = self.client.request(
            "PUT",
            self._url(workflow_id, verb),
            body,
            idempotent=ACTIONS[verb],
            workflow=workflow_id,
        )
        return result

    def wait(self, workflow_id: str, interval: float = 1.0, timeout: Optional[float] = None) -> str:
        """Poll until the workflow finishes; returns its final phase."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            phase = (self.get(workflow_id).get("status") or {}).get("phase")
            if phase in FINISHED_PHASES:
                return str(phase)
            if deadline is not None and time.monotonic() > deadline:
                raise DflowError(
                    f"workflow {workflow_id}: still {phase or 'Pending'} after {timeout} s"
                )
            time.sleep(interval)
