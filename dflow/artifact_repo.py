"""The cluster's artifact repositories: Argo's ``artifact-repositories`` ConfigMap, read into
``s3_config`` so that keys are written where the workflow's own repository puts them."""

from __future__ import annotations

from typing import Any, Optional

from .config import config, s3_config
from .errors import DflowError, KubernetesAPIError

__all__ = ["parse_repo", "REPOS_CONFIGMAP", "KEY_FORMAT_TAIL"]

REPOS_CONFIGMAP = "artifact-repositories"
KEY_FORMAT_TAIL = "{{workflow.name}}/{{pod.name}}"


def parse_repo(
    repo_key: Optional[str] = None, namespace: Optional[str] = None, **kwargs: Any
) -> None:
    """Read repository ``repo_key`` (default ``s3_config["repo_key"]``) of ``namespace``'s
    ``artifact-repositories`` ConfigMap into ``s3_config``: ``repo`` (the parsed entry),
    ``repo_type`` (``s3`` or ``oss``) and ``repo_prefix`` (its ``keyFormat`` before
    ``{{workflow.name}}/{{pod.name}}``). Nothing happens without a key, or once ``repo`` is set.

    ``kwargs`` (``k8s_api_server``, ``token``, ``k8s_config_file``) say how to reach Kubernetes.
    """
    import yaml

    from .kube import get_k8s_client, kubernetes

    repo_key = repo_key if repo_key is not None else s3_config.get("repo_key")
    namespace = namespace or config["namespace"]
    if repo_key is None or s3_config.get("repo") is not None:
        return
    with get_k8s_client(**kwargs) as api_client:
        api = kubernetes().client.CoreV1Api(api_client)
        try:
            configmap = api.read_namespaced_config_map(REPOS_CONFIGMAP, namespace)
        except kubernetes().client.exceptions.ApiException as exc:
            raise KubernetesAPIError(
                int(exc.status or 0),
                f"reading ConfigMap {REPOS_CONFIGMAP!r} of namespace {namespace!r}: {exc.reason}",
            ) from None
    entries = configmap.data or {}
    if repo_key not in entries:
        raise DflowError(
            f"ConfigMap {REPOS_CONFIGMAP!r} of namespace {namespace!r} has no artifact repository "
            f"{repo_key!r}; it has {sorted(entries)}"
        )
    repo = yaml.safe_load(entries[repo_key])
    kind = next((k for k in ("s3", "oss") if isinstance(repo, dict) and k in repo), None)
    if kind is None:
        raise DflowError(
            f"artifact repository {repo_key!r} of namespace {namespace!r} is neither s3 nor oss"
        )
    s3_config["repo"] = repo
    s3_config["repo_type"] = kind
    key_format = str(repo[kind].get("keyFormat") or "")
    if key_format.endswith(KEY_FORMAT_TAIL):
        s3_config["repo_prefix"] = key_format[: -len(KEY_FORMAT_TAIL)]
