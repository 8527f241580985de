"""Fixtures of the Argo engine tests: the loopback Argo server and ``config`` pointing at it."""

from argo_server import argo_config, argo_server  # noqa: F401
