from argo_server import argo_config, argo_server  # noqa: F401
