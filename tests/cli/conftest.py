"""Fixtures of the CLI tests: the loopback Argo server, ``config`` pointing at it, and S3."""

from argo_server import argo_config, argo_server  # noqa: F401
from s3_server import s3_config_for_tests, s3_server  # noqa: F401
