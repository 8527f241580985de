"""The Kubernetes API client of dflow's settings, for what the Argo server does not do: pods of
steps, ConfigMaps, Secrets and the Workflow resource itself.

The client comes from ``config["k8s_api_server"]`` with the bearer ``config["token"]``, else from
``config["k8s_config_file"]`` (or the default kube config). The ``kubernetes`` package is imported
on first use only (``pip install 'dflow-sdk[k8s]'``).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Optional

from .config import config
from .errors import DflowError

__all__ = ["kubernetes", "k8s_api_client", "core_v1_api", "get_k8s_client"]


def kubernetes() -> ModuleType:
    """The ``kubernetes`` package, or a clear error saying how to install it."""
    try:
        import kubernetes as package
        import kubernetes.client  # noqa: F401 - the submodules used through ``package``
        import kubernetes.config  # noqa: F401
    except ImportError as exc:
        raise DflowError(
            "the Kubernetes API needs the kubernetes package: pip install 'dflow-sdk[k8s]'"
        ) from exc
    return package


def k8s_api_client(
    api_server: Optional[str] = None,
    token: Optional[str] = None,
    config_file: Optional[str] = None,
    insecure: Optional[bool] = None,
    purpose: str = "this needs the Kubernetes API",
) -> Any:
    """A ``kubernetes`` ``ApiClient``: ``api_server`` with bearer ``token``, else ``config_file``,
    else the default kube config; each missing argument is taken from ``config``.

    A bare ``api_server`` (no scheme) gets ``https://``; a ``token`` given with its ``Bearer``
    prefix is not prefixed twice; ``insecure`` skips TLS verification. ``purpose`` starts the
    error when no cluster is configured.
    """
    k8s = kubernetes()
    api_server = api_server or config.get("k8s_api_server")
    token = token if token is not None else config.get("token")
    config_file = config_file or config.get("k8s_config_file")
    insecure = bool(config.get("insecure") if insecure is None else insecure)
    if api_server:
        conf = k8s.client.Configuration()
        conf.host = api_server if "://" in api_server else f"https://{api_server}"
        conf.verify_ssl = not insecure
        if token:
            bare = token[7:] if token.lower().startswith("bearer ") else token
            conf.api_key = {"authorization": bare}
            conf.api_key_prefix = {"authorization": "Bearer"}
        return k8s.client.ApiClient(conf)
    if config_file:
        try:
            return k8s.config.new_client_from_config(config_file=config_file)
        except Exception as exc:  # noqa: BLE001 - missing file, bad YAML, no context...
            raise DflowError(f"cannot use the kube config file {config_file!r}: {exc}") from exc
    try:
        return k8s.config.new_client_from_config()
    except Exception as exc:  # noqa: BLE001 - any failure here means "no cluster configured"
        raise DflowError(
            f"{purpose}: set "
            "config['k8s_api_server'] (with config['token']) or config['k8s_config_file']"
        ) from exc


def core_v1_api(api_client: Any = None, **settings: Any) -> Any:
    """A ``kubernetes.client.CoreV1Api`` over ``api_client`` (made from ``settings`` if None)."""
    if api_client is None:
        api_client = k8s_api_client(**settings)
    return kubernetes().client.CoreV1Api(api_client)


def get_k8s_client(
    k8s_api_server: Optional[str] = None,
    token: Optional[str] = None,
    k8s_config_file: Optional[str] = None,
) -> Any:
    """A ``kubernetes`` ``ApiClient`` for these settings, or ``config``'s (``with`` closes it)."""
    return k8s_api_client(k8s_api_server, token, k8s_config_file)
