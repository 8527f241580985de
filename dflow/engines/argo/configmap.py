"""The memoization ConfigMap of a submission, created through the Kubernetes API."""

from __future__ import annotations

from typing import Dict, Optional

from ...errors import ArgoAPIError

__all__ = ["create_configmap"]


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
    from ...kube import core_v1_api, kubernetes

    client = kubernetes().client
    ApiException = kubernetes().client.exceptions.ApiException
    purpose = "reusing steps needs the Kubernetes API to create the memoization ConfigMap"
    api = core_v1_api(
        api_server=api_server, token=token, config_file=config_file, insecure=insecure,
        purpose=purpose,
    )  # fmt: skip
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
