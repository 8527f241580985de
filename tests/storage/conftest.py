"""Fixtures of the storage tests: every behaviour runs against the S3 server and a local store."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from dflow.config import s3_config
from dflow.storage import LocalClient, S3Client, StorageClient


@pytest.fixture(params=["s3", "local"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Configure ``s3_config`` for one backend: the SeaweedFS server, or a local directory."""
    if request.param == "s3":
        request.getfixturevalue("s3_config_for_tests")
        yield "s3"
        return
    saved = dict(s3_config)
    root = tmp_path_factory.mktemp("local-store")
    s3_config["storage_client"] = LocalClient(str(root))
    try:
        yield "local"
    finally:
        s3_config.clear()
        s3_config.update(saved)


@pytest.fixture
def make_client(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., StorageClient]:
    """Build a client of the current backend with the given prefix (same store every time)."""
    root = str(tmp_path_factory.mktemp("local-prefixed"))

    def make(prefix: str = "") -> StorageClient:
        if backend == "s3":
            return S3Client(prefix=prefix)
        return LocalClient(root, prefix=prefix)

    return make


@pytest.fixture
def client(backend: str) -> StorageClient:
    """The client that the module functions use for the current backend."""
    from dflow.storage import get_client

    return get_client()


@pytest.fixture
def work(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh current directory for relative paths."""
    directory = tmp_path / "work"
    directory.mkdir()
    monkeypatch.chdir(directory)
    return directory
