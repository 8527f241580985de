"""A storage client's methods take the keywords dflow 1.x names: upload(key, path),
download(key, path), copy(src, dst) (checked against 1.8.134's ``StorageClient`` and
``MinioClient``)."""

from __future__ import annotations

import inspect

from dflow.utils import MinioClient, StorageClient


def test_client_methods_by_keyword(client, tmp_path):
    # GIVEN the current backend's client WHEN each method is called by keyword THEN it works
    source = tmp_path / "a.txt"
    source.write_text("a")
    client.upload(key="kw/a.txt", path=str(source))
    client.copy(src="kw/a.txt", dst="kw/b.txt")
    client.download(key="kw/b.txt", path=str(tmp_path / "b.txt"))
    assert (tmp_path / "b.txt").read_text() == "a"


def test_interface_and_minio_client_name_the_same_keywords():
    for cls in (StorageClient, MinioClient):
        assert list(inspect.signature(cls.upload).parameters) == ["self", "key", "path"]
        assert list(inspect.signature(cls.download).parameters) == ["self", "key", "path"]
        assert list(inspect.signature(cls.copy).parameters) == ["self", "src", "dst"]
