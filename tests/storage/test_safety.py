"""Refused archives, wrong credentials and failed uploads leave nothing behind."""

from __future__ import annotations

import io
import os
import tarfile
import time

import pytest
from storage_helpers import write

from dflow.errors import StorageError
from dflow.storage import S3Client, download_artifact, load_artifact


def _tarball(add) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        add(tar)
    return buffer.getvalue()


def _file(tar: tarfile.TarFile, name: str, data: bytes = b"evil") -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _link(tar: tarfile.TarFile, name: str, target: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    tar.addfile(info)


UNSAFE = {
    "absolute": (lambda t: (_file(t, "ok.txt"), _file(t, "/tmp/dflow-abs-evil.txt")), "/tmp/"),
    "dotdot": (lambda t: (_file(t, "ok.txt"), _file(t, "a/../../evil.txt")), "../evil.txt"),
    "symlink": (lambda t: (_file(t, "ok.txt"), _link(t, "link", "../../outside")), "link"),
    "abs-symlink": (lambda t: (_file(t, "ok.txt"), _link(t, "etc", "/etc")), "etc"),
}


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_unsafe_archive_is_refused_and_writes_nothing(backend, client, tmp_path, case):
    add, member = UNSAFE[case]
    source = tmp_path / "evil.tgz"
    source.write_bytes(_tarball(add))
    client.upload("evil/evil.tgz", str(source))
    out = tmp_path / "out"
    with pytest.raises(StorageError, match=f"member '[^']*{member}"):
        download_artifact("evil/evil.tgz", path=out)
    assert os.listdir(out) == []
    with pytest.raises(StorageError, match="refused to extract member"):
        load_artifact(client, "evil/evil.tgz", str(tmp_path / "in" / "dest"))
    assert os.listdir(tmp_path / "in") == []
    assert not os.path.exists("/tmp/dflow-abs-evil.txt")


class _Failing:
    """A stream that yields ``size`` bytes and then fails, like a reader whose disk dies."""

    def __init__(self, size: int) -> None:
        self.left = size

    def read(self, n: int = -1) -> bytes:
        if self.left <= 0:
            raise OSError("simulated read failure")
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return b"\0" * n


@pytest.mark.parametrize("size", [1000, 40 << 20])
def test_failed_upload_leaves_no_object(backend, client, size):
    # 1000 bytes: one-part path; 40 MiB: several parts of a multipart upload on S3
    with pytest.raises(StorageError, match="'partial/object'.*simulated"):
        client.upload_stream("partial/object", _Failing(size))
    assert not client.exists("partial/object")
    assert client.list("partial/") == []


def test_failed_archive_leaves_no_object(backend, client, work):
    # GIVEN a 40 MiB file that streams out (several parts), then an entry that fails
    with open(work / "big.bin", "wb") as handle:
        handle.write(os.urandom(40 << 20))
    from dflow.storage.transfer import upload_tar_gz

    entries = [(str(work / "big.bin"), "big.bin"), (str(work / "vanished"), "vanished")]
    with pytest.raises(StorageError, match="archiving.*vanished"):
        upload_tar_gz(client, entries, "partial/x.tgz")
    assert client.list("partial/") == []


def test_wrong_credentials_fail_at_once(s3_server):
    client = S3Client(
        endpoint=s3_server["endpoint"],
        access_key=s3_server["access_key"],
        secret_key="not-the-secret",
        secure=False,
        bucket_name="any-bucket",
    )
    started = time.monotonic()
    with pytest.raises(StorageError, match="refused access .* access key 'admin'") as info:
        client.exists("some/key")
    assert "not-the-secret" not in str(info.value)
    assert time.monotonic() - started < 5  # no retry loop on a credential error


def test_bucket_is_created_when_missing(s3_server, tmp_path):
    settings = {k: s3_server[k] for k in ("endpoint", "access_key", "secret_key", "secure")}
    client = S3Client(bucket_name="made-on-first-use", **settings)
    write(tmp_path / "f.txt", "f")
    client.upload("k/f.txt", str(tmp_path / "f.txt"))
    assert client.minio.bucket_exists("made-on-first-use")
    assert client.list("k/") == ["k/f.txt"]
