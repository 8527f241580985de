"""Fixtures of the Argo engine tests: the loopback Argo server and ``config`` pointing at it, and
the loopback Kubernetes API server for the pods of steps."""

from argo_server import argo_config, argo_server  # noqa: F401
from kube_server import kube_server  # noqa: F401
