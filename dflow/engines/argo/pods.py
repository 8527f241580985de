"""Pods of a workflow's steps and the Workflow resource itself, through the Kubernetes API.

The Argo server has no calls for these: reading a step's pod, deleting it (and waiting until it
is gone), creating it again, and patching the node phases of a running workflow all go to the
Kubernetes API server, with the client of ``dflow.kube``.
"""

from __future__ import annotations

import json
import time
from typing import Any, Dict, Mapping, Optional

from ...errors import KubernetesAPIError
from ...kube import kubernetes

__all__ = ["KubePods", "POD_GONE_TIMEOUT"]

POD_GONE_TIMEOUT = 300.0  # the longest wait for a deleted pod to go (its grace period included)
_FIRST_POLL, _LAST_POLL = 0.1, 1.0  # pauses between checks that a deleted pod is gone


def _refusal(exc: Exception, what: str) -> KubernetesAPIError:
    """A ``KubernetesAPIError`` for a failed call: the status and the API server's message."""
    status = int(getattr(exc, "status", 0) or 0)
    body = getattr(exc, "body", None)
    message = ""
    if body:
        try:
            message = str(json.loads(body).get("message") or "")
        except (ValueError, AttributeError):
            message = str(body)[:300]
    message = message or str(getattr(exc, "reason", "") or exc)
    return KubernetesAPIError(status, f"{what}: {message}")


class KubePods:
    """Pod and Workflow-resource calls in one namespace, each bounded by ``timeout`` seconds.

    Args:
        namespace: where the workflow and its pods are.
        api_client: a ``kubernetes`` ``ApiClient`` (see ``dflow.kube.k8s_api_client``).
        headers: extra headers sent on every call (``config["http_headers"]``).
        timeout: the longest wait for a connection and for each read.
    """

    def __init__(
        self,
        namespace: str,
        api_client: Any,
        headers: Optional[Mapping[str, str]] = None,
        timeout: float = 60.0,
    ) -> None:
        self.namespace = namespace
        self.api_client = api_client
        for name, value in (headers or {}).items():
            api_client.set_default_header(name, value)
        self.timeout = timeout
        self.core = kubernetes().client.CoreV1Api(api_client)

    def _call(self, what: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        api_exception = kubernetes().client.exceptions.ApiException
        try:
            return method(*args, _request_timeout=(min(10.0, self.timeout), self.timeout), **kwargs)
        except api_exception as exc:
            raise _refusal(exc, what) from None
        except Exception as exc:  # noqa: BLE001 - urllib3 connection failures and the like
            import urllib3

            if not isinstance(exc, (urllib3.exceptions.HTTPError, OSError)):
                raise
            raise KubernetesAPIError(0, f"{what}: cannot reach the Kubernetes API: {exc}") from exc

    def read_pod(self, name: str) -> Any:
        """The pod ``name`` (a ``kubernetes.client.V1Pod``)."""
        return self._call(
            f"reading pod {name!r}", self.core.read_namespaced_pod, name, self.namespace
        )

    def delete_pod(self, name: str, gone_timeout: float = POD_GONE_TIMEOUT) -> bool:
        """Delete pod ``name`` and wait until the API server no longer has it.

        Returns False when there was no such pod. Raises ``KubernetesAPIError`` when the pod is
        still there after ``gone_timeout`` seconds.
        """
        try:
            self._call(
                f"deleting pod {name!r}", self.core.delete_namespaced_pod, name, self.namespace
            )
        except KubernetesAPIError as err:
            if err.status == 404:
                return False
            raise
        deadline = time.monotonic() + gone_timeout
        pause = _FIRST_POLL
        while True:
            try:
                self.read_pod(name)
            except KubernetesAPIError as err:
                if err.status == 404:
                    return True
                raise
            if time.monotonic() + pause > deadline:
                raise KubernetesAPIError(
                    0, f"pod {name!r} was deleted but is still there after {gone_timeout:g} s"
                )
            time.sleep(pause)
            pause = min(_LAST_POLL, pause * 2)

    def create_pod(self, pod: Any) -> Any:
        """Create ``pod`` (a ``V1Pod`` or a dict) in the namespace; returns the created pod."""
        name = pod.get("metadata", {}).get("name") if isinstance(pod, dict) else pod.metadata.name
        return self._call(
            f"creating pod {name!r}", self.core.create_namespaced_pod, self.namespace, pod
        )

    def patch_workflow(self, name: str, patch: Dict[str, Any]) -> Dict[str, Any]:
        """Merge ``patch`` into the Workflow resource ``name`` (a JSON merge patch)."""
        custom = kubernetes().client.CustomObjectsApi(self.api_client)
        answer = self._call(
            f"patching workflow {name!r}",
            custom.patch_namespaced_custom_object,
            "argoproj.io",
            "v1alpha1",
            self.namespace,
            "workflows",
            name,
            patch,
            _content_type="application/merge-patch+json",
        )
        return dict(answer or {})
