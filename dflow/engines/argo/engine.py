"""``ArgoEngine``: the ``default`` mode engine, over the Argo server's REST API."""

from __future__ import annotations

import logging
import time
from typing import Any, Dict, Iterator, List, Mapping, Optional

from ...errors import ArgoAPIError, DflowError, InvalidWorkflowError, WaitTimeoutError
from .. import FINISHED_PHASES
from .client import ArgoClient

__all__ = ["ArgoEngine", "ACTIONS", "FINISHED_PHASES"]

log = logging.getLogger("dflow")

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

MAX_POLL_PAUSE = 30.0  # the longest pause between polls while the server is unreachable


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
        retries / backoff: how often idempotent calls are repeated on connection failures and
            5xx, and the first pause between tries.
        request_timeout: the longest wait in seconds for each connection and read; default
            from ``config["argo_request_timeout"]``.
        configuration: an ``argo_workflows.Configuration`` to talk through (proxy, TLS files,
            API key...), used as given instead of ``host``/``token``/``insecure``; default
            from ``config["argo_configuration"]``.
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
        request_timeout: Optional[float] = None,
        configuration: Any = None,
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
        self.http_headers = headers
        self.extra = extra
        self._pods: Any = None
        if request_timeout is None:
            request_timeout = float(config.get("argo_request_timeout") or 60.0)
        self.client = ArgoClient(
            self.host,
            token=self.token,
            insecure=self.insecure,
            headers=headers,
            retries=retries,
            backoff=backoff,
            timeout=request_timeout,
            configuration=configuration or config.get("argo_configuration"),
        )

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
        created = self.client.call(
            "workflow", "create_workflow", self.namespace, body, idempotent=False, workflow=what
        )
        return _workflow(created, what)

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
            timeout=self.client.timeout,
        )

    def get(
        self,
        workflow_id: str,
        retries: Optional[int] = None,
        deadline: Optional[float] = None,
        fields: Optional[List[str]] = None,
    ) -> Dict[str, Any]:
        """The workflow with its full status (only the ``fields`` paths Argo is asked for)."""
        answer = self.client.call(
            "workflow",
            "get_workflow",
            self.namespace,
            workflow_id,
            workflow=workflow_id,
            retries=retries,
            deadline=deadline,
            **_fields(fields),
        )
        return _workflow(answer, workflow_id)

    def list(
        self, labels: Optional[Dict[str, str]] = None, fields: Optional[List[str]] = None
    ) -> List[Dict[str, Any]]:
        """Workflows of the namespace carrying all ``labels`` (only the ``fields`` paths)."""
        answer = self.client.call(
            "workflow", "list_workflows", self.namespace, **_selector(labels), **_fields(fields)
        )
        return _items(answer)

    def list_archived(
        self, labels: Optional[Dict[str, str]] = None, name: Optional[str] = None
    ) -> List[Dict[str, Any]]:
        """Archived workflows of the namespace carrying all ``labels`` (and named ``name``)."""
        selector = f"metadata.namespace={self.namespace}"
        if name is not None:
            selector += f",metadata.name={name}"
        answer = self.client.call(
            "archived",
            "list_archived_workflows",
            list_options_field_selector=selector,
            **_selector(labels),
        )
        return _items(answer)

    def get_archived(self, uid: str) -> Dict[str, Any]:
        """The archived workflow whose ``metadata.uid`` is ``uid``."""
        answer = self.client.call(
            "archived", "get_archived_workflow", uid, namespace=self.namespace, workflow=uid
        )
        return _workflow(answer, uid)

    def logs(
        self,
        workflow_id: str,
        node: Dict[str, Any],
        follow: bool = False,
        tail: Optional[int] = None,
        grep: Optional[str] = None,
    ) -> Iterator[str]:
        """The lines of the pod ``node``'s main container, streamed by the server's log API."""
        from ...pod_names import get_pod_name

        pod = get_pod_name(
            workflow_id, str(node.get("name")), str(node.get("templateName")), str(node["id"])
        )
        params: Dict[str, Any] = {"pod_name": pod, "log_options_container": "main"}
        if follow:
            params["log_options_follow"] = "true"  # as Argo's own client spells it
        if tail is not None:
            params["log_options_tail_lines"] = str(tail)
        if grep is not None:
            params["grep"] = grep
        for entry in self.client.stream(
            "workflow", "workflow_logs", self.namespace, workflow_id,
            workflow=workflow_id, follow=follow, **params,
        ):  # fmt: skip
            content = str(entry.get("content", ""))
            yield from content.split("\n") if content else [""]

    # -- pods of steps, through the Kubernetes API -----------------------------------------------

    def pods(self) -> Any:
        """The ``KubePods`` calls of this namespace (the Kubernetes client made on first use)."""
        if self._pods is None:
            from ...kube import k8s_api_client
            from .pods import KubePods

            api_client = k8s_api_client(
                self.k8s_api_server,
                self.token,
                self.k8s_config_file,
                self.insecure,
                purpose="the pods of steps are reached through the Kubernetes API",
            )
            self._pods = KubePods(
                self.namespace, api_client, self.http_headers, self.client.timeout
            )
        return self._pods

    def get_pod(self, workflow_id: str, node: Mapping[str, Any]) -> Any:
        """The pod of status node ``node`` (a ``kubernetes.client.V1Pod``)."""
        return self.pods().read_pod(_pod_name(workflow_id, node))

    def delete_pod(self, workflow_id: str, node: Mapping[str, Any]) -> bool:
        """Delete the pod of ``node`` and wait until it is gone; False if there was none."""
        deleted = self.pods().delete_pod(_pod_name(workflow_id, node))
        log.info("%s pod of step %s", "deleted the" if deleted else "found no", node.get("id"))
        return bool(deleted)

    def create_pod(self, pod: Any) -> Any:
        """Create ``pod`` (a ``V1Pod``) in the namespace, e.g. a step's pod again."""
        return self.pods().create_pod(pod)

    def patch_workflow(self, workflow_id: str, patch: Dict[str, Any]) -> Dict[str, Any]:
        """Merge ``patch`` into the Workflow resource (the Argo server has no call for this)."""
        return dict(self.pods().patch_workflow(workflow_id, patch))

    def retry_steps(
        self, workflow_id: str, step_ids: List[str], settle: Optional[float] = None
    ) -> None:
        """Run the steps ``step_ids`` again (see ``step_retry``); ``settle`` is the pause, in
        seconds, between suspending a running workflow and patching its nodes."""
        from .step_retry import SETTLE, retry_steps

        retry_steps(self, workflow_id, step_ids, SETTLE if settle is None else settle)

    def action(self, workflow_id: str, verb: str) -> Dict[str, Any]:
        """Apply ``verb`` (terminate, stop, suspend, resume, retry, resubmit, delete)."""
        if verb not in ACTIONS:
            raise ValueError(f"unknown workflow action {verb!r}: choose one of {sorted(ACTIONS)}")
        if verb == "delete":
            return self.client.call(
                "workflow", "delete_workflow", self.namespace, workflow_id, workflow=workflow_id
            )
        body: Dict[str, Any] = {"name": workflow_id, "namespace": self.namespace}
        if verb == "resubmit":
            body["memoized"] = False
        answer = self.client.call(
            "workflow",
            f"{verb}_workflow",
            self.namespace,
            workflow_id,
            body,
            idempotent=ACTIONS[verb],
            workflow=workflow_id,
        )
        return _workflow(answer, workflow_id)

    def wait(self, workflow_id: str, interval: float = 1.0, timeout: Optional[float] = None) -> str:
        """Poll until the workflow finishes; returns its final phase.

        While the server cannot be reached or answers 5xx, polling goes on with growing pauses
        (up to ``MAX_POLL_PAUSE``). With a ``timeout`` (seconds), no request or pause runs past
        it: then ``WaitTimeoutError`` if the workflow was still running, or the last
        ``ArgoAPIError``, saying how long it tried, if the server was failing.

        Raises:
            ArgoAPIError: at once for an answer that no retry can change (401, 404, a body of
                the wrong shape...).
        """
        start = time.monotonic()
        deadline = None if timeout is None else start + timeout
        failures = 0
        while True:
            try:
                wf = self.get(workflow_id, retries=0, deadline=deadline)
            except ArgoAPIError as err:
                if not err.transient:
                    raise
                failures += 1
                # growing pauses (from at least 0.1 s, so that interval=0 does not spin)
                pause = min(max(interval, MAX_POLL_PAUSE), max(interval, 0.1) * 2**failures)
                waited = time.monotonic() - start
                if deadline is not None and time.monotonic() + pause >= deadline:
                    pause = deadline - time.monotonic()
                    if pause <= 0:
                        raise ArgoAPIError(
                            err.status,
                            f"gave up waiting after {waited:.1f} s and {failures} failed "
                            f"polls; last: {err.server_message}",
                            workflow_id,
                            transient=True,
                        ) from err
                log.warning(
                    "workflow %s: the Argo server failed %d poll(s) over %.1f s (%s); "
                    "polling again in %.1f s",
                    workflow_id, failures, waited, err, pause,
                )  # fmt: skip
                time.sleep(pause)
                continue
            failures = 0
            phase = (wf.get("status") or {}).get("phase")
            if phase in FINISHED_PHASES:
                return str(phase)
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise WaitTimeoutError(workflow_id, phase, now - start)
            pause = interval if deadline is None else min(interval, deadline - now)
            time.sleep(pause)


def _pod_name(workflow_id: str, node: Mapping[str, Any]) -> str:
    from ...pod_names import get_pod_name

    if node.get("type") != "Pod":
        raise DflowError(
            f"step {node.get('displayName') or node.get('id')!r} is a {node.get('type')} node: "
            "only Pod nodes have a pod"
        )
    return get_pod_name(
        workflow_id, str(node.get("name")), str(node.get("templateName")), str(node["id"])
    )


def _selector(labels: Optional[Dict[str, str]]) -> Dict[str, Any]:
    if not labels:
        return {}
    return {"list_options_label_selector": ",".join(f"{k}={v}" for k, v in labels.items())}


def _fields(fields: Optional[List[str]]) -> Dict[str, Any]:
    if fields is None:
        return {}
    if isinstance(fields, str) or not all(isinstance(f, str) for f in fields):
        raise ValueError(f"fields must be a list of field paths, got {fields!r}")
    return {"fields": ",".join(fields)}


def _workflow(answer: Dict[str, Any], who: Optional[str]) -> Dict[str, Any]:
    """``answer`` checked to be a workflow: its metadata, spec and status are JSON objects."""
    for field in ("metadata", "spec", "status"):
        value = answer.get(field)
        if value is not None and not isinstance(value, dict):
            raise ArgoAPIError(
                200, f"the answer's {field} is not a JSON object: {str(value)[:200]}", who
            )
    nodes = (answer.get("status") or {}).get("nodes")
    if nodes is not None and not isinstance(nodes, dict):
        raise ArgoAPIError(200, f"the answer's status.nodes is not a JSON object: {nodes!r}", who)
    return answer


def _items(answer: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The workflows of a list answer (Argo sends ``null`` for none)."""
    items = answer.get("items")
    if items is None:
        return []
    if not isinstance(items, list):
        raise ArgoAPIError(200, f"the answer's items is not a list: {str(items)[:200]}")
    return [
        _workflow(item, None) if isinstance(item, dict) else _not_a_workflow(item) for item in items
    ]


def _not_a_workflow(item: Any) -> Dict[str, Any]:
    raise ArgoAPIError(200, f"an item of the answer is not a workflow: {str(item)[:200]}")
