"""The memoization ConfigMap of a submission, created through the Kubernetes API."""

from __future__ import annotations

from typing import Any, Dict, Optional

from ...errors import ArgoAPIError, DflowError

__all__ = ["create_configmap", "kube_api_client"]


def kube_api_client(
    api_server: Optional[str],
    token: Optional[str],
    config_file: Optional[str],
    insecure: bool,
    purpose: str = "reusing steps needs the Kubernetes API to create the memoization ConfigMap",
) -> Any:
    """A ``kubernetes`` ApiClient: from ``config_file``, else ``api_server`` + bearer ``token``.

    A bare ``api_server`` (no scheme) gets ``https://``; a ``token`` given with its ``Bearer``
    prefix is not prefixed twice. ``purpose`` starts the error when no cluster is configured.
    """
    from kubernetes import client, config

    if config_file:
        try:
            return config.new_client_from_config(config_file=config_file)
        except Exception as exc:  # noqa: BLE001 - missing file, bad YAML, no context...
            raise DflowError(f"cannot use the kube config file {config_file!r}: {exc}") from exc
    if api_server:
        conf = client.Configuration()
        conf.host = api_server if "://" in api_server else f"https://{api_server}"
        conf.verify_ssl = not insecure
        if token:
            bare = token[7:] if token.lower().startswith("bearer ") else token
            conf.api_key = {"authorization": bare}
            conf.api_key_prefix = {"authorization": "Bearer"}
        return client.ApiClient(conf)
    try:
        return config.new_client_from_config()
    except Exception as exc:  # noqa: BLE001 - any failure here means "no cluster configured"
        raise DflowError(
            f"{purpose}: set "
            "config['k8s_api_server'] (with config['token']) or config['k8s_config_file']"
        ) from exc


def create_configmap(
    name: str,
    namespace: str,
    data: Dict[str, str],
    labels: Dict[str, str],
    api_server: Optional[str] = None,
    token: Optional[str] = None,
    config_file: Optional[str] = None,
    insecure: bool = False,
    timeout: float = 60.0,
) -> None:
    """Create ConfigMap ``name`` in ``namespace`` holding ``data``, waiting at most ``timeout``
    seconds for the connection and for each read.

    Raises:
        ArgoAPIError: the Kubernetes API refused it (status and message of its answer).
    """
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    api = client.CoreV1Api(kube_api_client(api_server, token, config_file, insecure))
    body = client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name=name, labels=dict(labels)), data=dict(data)
    )
    try:
        api.create_namespaced_config_map(
            namespace, body, _request_timeout=(min(10.0, timeout), timeout)
        )
    except ApiException as exc:
        raise ArgoAPIError(
            int(exc.status or 0),
            f"creating memoization ConfigMap {name!r}: {exc.body or exc.reason}",
        ) from exc
    except Exception as exc:  # noqa: BLE001 - urllib3 connection errors and the like
        raise ArgoAPIError(0, f"creating memoization ConfigMap {name!r}: {exc}") from exc
