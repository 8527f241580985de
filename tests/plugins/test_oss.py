"""OSSClient against a loopback server speaking the OSS REST API (signatures checked)."""

from __future__ import annotations

import hashlib
import inspect
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from oss_server import OSSServer

from dflow import download_artifact, upload_artifact
from dflow.errors import ArtifactNotFoundError, StorageError

pytest.importorskip("oss2", reason="needs the 'oss' extra")

from dflow.plugins.oss import OSSClient  # noqa: E402


@pytest.fixture
def oss() -> Iterator[OSSServer]:
    with OSSServer() as server:
        yield server


def _client(server: OSSServer, secret: str = "sk") -> OSSClient:
    return OSSClient(server.endpoint, "dflow", "ak", secret)


def test_keywords_and_environment_defaults(oss: OSSServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # checked against the original 1.8.134 (inspect.signature, environment variables)
    assert list(inspect.signature(OSSClient).parameters) == [
        "endpoint", "bucket_name", "access_key_id", "access_key_secret",
    ]  # fmt: skip
    monkeypatch.setenv("OSS_ENDPOINT", oss.endpoint)
    monkeypatch.setenv("OSS_BUCKET_NAME", "dflow")
    monkeypatch.setenv("OSS_ACCESS_KEY_ID", "ak")
    monkeypatch.setenv("OSS_ACCESS_KEY_SECRET", "sk")
    client = OSSClient()
    assert client.to_dict() == {"endpoint": oss.endpoint, "bucket_name": "dflow"}
    assert "sk" not in repr(client)
    monkeypatch.delenv("OSS_ACCESS_KEY_SECRET")
    with pytest.raises(ValueError, match="access_key_secret not given"):
        OSSClient()


def test_round_trip(oss: OSSServer, tmp_path: Path) -> None:
    client = _client(oss)
    src = tmp_path / "a b.txt"
    src.write_bytes(b"payload")
    client.upload("d/a b.txt", str(src))
    client.copy("d/a b.txt", "d/sub/c.txt")
    with open(src, "rb") as f:
        client.upload_stream("d/stream", f)
    assert client.list("d/") == ["d/a b.txt", "d/stream", "d/sub/c.txt"]
    assert client.list("d/", recursive=False) == ["d/a b.txt", "d/stream", "d/sub/"]
    client.download("d/sub/c.txt", str(tmp_path / "out" / "c.txt"))
    assert (tmp_path / "out" / "c.txt").read_bytes() == b"payload"
    with client.open("d/stream") as f:
        assert f.read() == b"payload"
    assert client.exists("d/stream") and not client.exists("d/none")
    assert client.get_md5("d/stream").lower() == hashlib.md5(b"payload").hexdigest()
    client.delete("d/stream")
    assert "d/stream" not in oss.state.objects
    with pytest.raises(ArtifactNotFoundError, match="oss://dflow/d/none"):
        client.download("d/none", str(tmp_path / "none"))
    assert not list(tmp_path.glob("none*"))


def test_listing_pages(oss: OSSServer) -> None:
    for i in range(250):  # more than two pages of 100
        oss.state.objects[f"many/{i:03d}"] = b"x"
    assert _client(oss).list("many/") == [f"many/{i:03d}" for i in range(250)]
    assert sum(1 for m, p in oss.state.requests if m == "GET" and "prefix=many" in p) == 3


def test_wrong_secret_is_a_storage_error(oss: OSSServer, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(StorageError, match="OSS upload oss://dflow/k: .*signature"):
        _client(oss, secret="wrong").upload("k", str(tmp_path / "f"))
    assert not oss.state.objects


def test_artifacts_through_oss(
    oss: OSSServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(oss)
    monkeypatch.chdir(tmp_path)
    Path("in").mkdir()
    Path("in/x.txt").write_text("x")
    Path("in/y.txt").write_text("y")
    art = upload_artifact(["in/x.txt", "in/y.txt"], archive=None, storage_client=client)
    got = download_artifact(art, path=tmp_path / "back", storage_client=client)
    assert sorted(Path(p).read_text() for p in got if p) == ["x", "y"]


def test_module_imports_without_oss2() -> None:
    # oss2 is imported when a client is built, not with the module
    code = (
        "import sys; sys.modules['oss2'] = None\n"
        "import dflow.plugins.oss as m\n"
        "try:\n    m.OSSClient('http://h', 'b', 'i', 's')\n"
        "except ModuleNotFoundError as e:\n    print(e.name, '|', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("oss2 | OSSClient needs the 'oss2' package")
