"""The S3 store under failure: lost connections resume, a stopped or frozen server fails in
bounded time with a StorageError naming the key, reads create nothing, failed uploads are aborted.

Tests that stop or freeze a server start their own SeaweedFS, never the shared one.
"""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
from cutting_proxy import CuttingProxy
from s3_server import running_seaweedfs
from storage_helpers import write

from dflow.config import s3_config
from dflow.errors import ArtifactNotFoundError, StorageError
from dflow.storage import S3Client, download_artifact, load_artifact, upload_artifact

MiB = 1 << 20


def _settings(server):
    return {k: server[k] for k in ("endpoint", "access_key", "secret_key", "secure")}


def _random_file(path, size):
    with open(path, "wb") as handle:
        handle.write(os.urandom(size))
    return path


def _drain(body):
    while body.read(MiB):
        pass


def test_reads_of_a_missing_bucket_fail_and_create_nothing(s3_server, tmp_path):
    bucket = f"absent-{uuid.uuid4().hex[:10]}"
    client = S3Client(bucket_name=bucket, **_settings(s3_server))
    with pytest.raises(ArtifactNotFoundError, match=f"'some/key' in bucket '{bucket}'"):
        download_artifact("some/key", path=tmp_path / "out", storage_client=client)
    with pytest.raises(ArtifactNotFoundError, match="'some/key'"):
        load_artifact(client, "some/key", str(tmp_path / "in" / "x"))
    with pytest.raises(ArtifactNotFoundError, match="'some/file'"):
        client.download("some/file", str(tmp_path / "f"))
    assert client.exists("some/key") is False
    assert client.list("some/") == []
    assert not client.minio.bucket_exists(bucket)
    assert os.listdir(tmp_path / "out") == [] and not (tmp_path / "f").exists()


def test_a_lost_connection_is_resumed_with_a_range_request(s3_config_for_tests, work, tmp_path):
    # GIVEN a 24 MiB artifact and a proxy that drops the first download 5 MiB into the answer
    _random_file(work / "big.bin", 24 * MiB)
    art = upload_artifact("big.bin")
    bucket = s3_config_for_tests["bucket_name"]
    proxy = CuttingProxy(s3_config_for_tests["endpoint"], f"/{bucket}/{art.key}", 5 * MiB)
    try:
        settings = dict(_settings(s3_config_for_tests), endpoint=proxy.endpoint)
        client = S3Client(bucket_name=bucket, **settings)
        # WHEN it is downloaded through the proxy
        out = tmp_path / "out"
        download_artifact(art, path=out, storage_client=client)
    finally:
        proxy.close()
    # THEN the connection was cut once, the rest asked for by range, and every byte is right
    assert proxy.cuts_done == 1
    assert [r for r in proxy.ranges if r.startswith("bytes=") and r != "bytes=0-"]
    assert (out / "big.bin").read_bytes() == (work / "big.bin").read_bytes()


def test_a_connection_lost_every_time_is_a_storage_error(s3_config_for_tests, tmp_path):
    # GIVEN an object whose every answer is cut after 1 MiB
    source = _random_file(tmp_path / "obj", 8 * MiB)
    bucket = s3_config_for_tests["bucket_name"]
    S3Client().upload("cut/obj", str(source))
    proxy = CuttingProxy(s3_config_for_tests["endpoint"], f"/{bucket}/cut/obj", MiB, cuts=99)
    try:
        settings = dict(_settings(s3_config_for_tests), endpoint=proxy.endpoint)
        client = S3Client(bucket_name=bucket, attempts=3, backoff=0.05, **settings)
        # WHEN it is downloaded THEN a StorageError names the key (no urllib3 ProtocolError)
        with pytest.raises(StorageError, match="lost the connection reading key 'cut/obj'"):
            client.download("cut/obj", str(tmp_path / "got"))
    finally:
        proxy.close()
    assert proxy.cuts_done == 3
    assert not (tmp_path / "got").exists()
    assert [n for n in os.listdir(tmp_path) if n.startswith(".dflow")] == []


def test_a_server_stopped_mid_download_fails_in_bounded_time(tmp_path):
    with running_seaweedfs(str(tmp_path / "weed")) as server:
        uploader = S3Client(bucket_name="stopped", **_settings(server))
        uploader.upload("big/object", str(_random_file(tmp_path / "obj", 32 * MiB)))
        client = S3Client(
            bucket_name="stopped", attempts=3, backoff=0.1, read_timeout=2, **_settings(server)
        )
        with client.open("big/object") as body:
            assert len(body.read(MiB)) == MiB
            # WHEN the server dies in the middle of the answer
            os.kill(server["pid"], signal.SIGKILL)
            started = time.monotonic()
            # THEN reading on fails with a StorageError naming the key, soon
            with pytest.raises(StorageError, match="key 'big/object' in bucket 'stopped'"):
                _drain(body)
            assert time.monotonic() - started < 30


def test_a_download_resumes_when_the_stopped_server_is_back(tmp_path):
    # GIVEN a download under way from a server of our own
    workdir = str(tmp_path / "weed")
    source = _random_file(tmp_path / "obj", 32 * MiB).read_bytes()
    with running_seaweedfs(workdir) as server:
        client = S3Client(bucket_name="restarted", attempts=8, backoff=0.5, **_settings(server))
        client.upload("big/object", str(tmp_path / "obj"))
        opened = client.open("big/object")
        body = opened.__enter__()
        got = [body.read(MiB)]
        ports = server["ports"]
    # WHEN the server stops in the middle of the answer and comes back on the same ports
    with running_seaweedfs(workdir, ports=ports):
        try:
            while True:
                data = body.read(MiB)
                if not data:
                    break
                got.append(data)
        finally:
            opened.__exit__(None, None, None)
    # THEN the rest came from where it stopped, every byte right
    assert body.resumed >= 1
    assert b"".join(got) == source


def test_a_frozen_server_fails_within_the_configured_timeouts(tmp_path, monkeypatch):
    with running_seaweedfs(str(tmp_path / "weed")) as server:
        uploader = S3Client(bucket_name="frozen", **_settings(server))
        uploader.upload("big/object", str(_random_file(tmp_path / "obj", 32 * MiB)))
        # GIVEN short timeouts set in s3_config, and a server of our own
        monkeypatch.setitem(s3_config, "read_timeout", 2)
        monkeypatch.setitem(s3_config, "connect_timeout", 2)
        monkeypatch.setitem(s3_config, "max_attempts", 2)
        client = S3Client(bucket_name="frozen", **_settings(server))
        body_cm = client.open("big/object")
        body = body_cm.__enter__()
        assert len(body.read(MiB)) == MiB
        # WHEN the server freezes (SIGSTOP) in the middle of an answer
        os.kill(server["pid"], signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(StorageError, match="key 'big/object' in bucket 'frozen'"):
                _drain(body)
            assert time.monotonic() - started < 20
            # and a new request fails as soon, naming its key
            started = time.monotonic()
            with pytest.raises(StorageError, match="key 'other/key' in bucket 'frozen'"):
                client.exists("other/key")
            assert time.monotonic() - started < 10
        finally:
            os.kill(server["pid"], signal.SIGCONT)
            body_cm.__exit__(None, None, None)


def test_a_failed_multipart_upload_is_aborted_on_the_server(s3_config_for_tests):
    class Failing:
        """40 MiB (three parts), then a read error."""

        left = 40 * MiB

        def read(self, n=-1):
            if self.left <= 0:
                raise OSError("the source broke")
            n = min(n if n > 0 else self.left, self.left)
            self.left -= n
            return os.urandom(n)

    client = S3Client()
    with pytest.raises(StorageError, match="'multi/object'.*the source broke"):
        client.upload_stream("multi/object", Failing())
    pending = client.minio._list_multipart_uploads(client.bucket_name, prefix="multi/")
    assert list(pending.uploads) == []
    assert client.list("multi/") == []


@pytest.mark.parametrize("key,value", [("read_timeout", 0), ("max_attempts", "3")])
def test_bad_timeout_settings_are_refused_by_name(monkeypatch, key, value):
    monkeypatch.setitem(s3_config, key, value)
    with pytest.raises(StorageError, match=f"s3_config\\['{key}'\\] must be a positive number"):
        S3Client()


def test_local_disk_failure_names_the_key(s3_config_for_tests, tmp_path):
    client = S3Client()
    client.upload("d/f", str(write(tmp_path / "f", "x")))
    with pytest.raises(StorageError, match="key 'd/f'"):
        client.download("d/f", str(tmp_path / "no-such-dir" / "f"))
