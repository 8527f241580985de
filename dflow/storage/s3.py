"""The S3 store through the ``minio`` client (imported on first use): MinIO, SeaweedFS, AWS S3."""

from __future__ import annotations

import io
import os
import socket
import tempfile
import time
from contextlib import contextmanager
from typing import Any, BinaryIO, Callable, Dict, Iterator, List, Optional, TypeVar

from ..errors import ArtifactNotFoundError, StorageError
from .base import StorageClient
from .multipart import put_stream
from .resume import ResumingBody

__all__ = ["S3Client"]

T = TypeVar("T")

_CREDENTIAL_CODES = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "AccessDenied",
    "InvalidToken",
    "ExpiredToken",
}
_MISSING_CODES = {"NoSuchKey", "NoSuchObject", "NoSuchBucket", "ResourceNotFound"}
_TRANSIENT_CODES = {"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout"}
_BUCKET_TAKEN = ("BucketAlreadyOwnedByYou", "BucketAlreadyExists")
_OPTIONS = ("endpoint", "access_key", "secret_key", "secure", "bucket_name", "prefix")
_CHUNK = 1 << 20


def _positive(given: Any, configured: Any, default: float, name: str) -> Any:
    """A positive number: the argument, else ``s3_config[name]``, else the default."""
    value = given if given is not None else configured if configured is not None else default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise StorageError(f"s3_config[{name!r}] must be a positive number, got {value!r}")
    return value


class S3Client(StorageClient):
    """Objects in one bucket of an S3 server; settings default to ``s3_config`` when built.

    Every request is bounded by ``connect_timeout`` and ``read_timeout`` (seconds) and a failed
    idempotent request is tried again, with backoff, up to ``attempts`` times in all; a read that
    loses its connection resumes where it stopped with a range request. Reads never create the
    bucket: the first write does.
    """

    def __init__(
        self,
        endpoint: Optional[str] = None,
        access_key: Optional[str] = None,
        secret_key: Optional[str] = None,
        secure: Optional[bool] = None,
        bucket_name: Optional[str] = None,
        prefix: Optional[str] = None,
        region: Optional[str] = None,
        attempts: Optional[int] = None,
        backoff: float = 0.5,
        connect_timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
    ) -> None:
        from ..config import s3_config

        given = dict(zip(_OPTIONS, (endpoint, access_key, secret_key, secure, bucket_name, prefix)))
        values: Dict[str, Any] = {
            k: (v if v is not None else s3_config.get(k)) for k, v in given.items()
        }
        self.endpoint: str = values["endpoint"]
        self.access_key: str = values["access_key"]
        self._secret_key: str = values["secret_key"]
        self.secure = bool(values["secure"])
        self.bucket_name: str = values["bucket_name"]
        self.prefix = values["prefix"] or ""
        self.region = region
        self.attempts = _positive(attempts, s3_config.get("max_attempts"), 4, "max_attempts")
        self.backoff = backoff
        self.connect_timeout = _positive(
            connect_timeout, s3_config.get("connect_timeout"), 10.0, "connect_timeout"
        )
        self.read_timeout = _positive(
            read_timeout, s3_config.get("read_timeout"), 30.0, "read_timeout"
        )
        self._minio: Any = None
        self._bucket_ready = False

    def __repr__(self) -> str:
        scheme = "https" if self.secure else "http"
        return f"S3Client({scheme}://{self.endpoint}/{self.bucket_name})"

    def describe(self, key: str) -> str:
        return f"key {key!r} in bucket {self.bucket_name!r} at {self.endpoint}"

    # -- connection -------------------------------------------------------------------------------

    @property
    def minio(self) -> Any:
        """The underlying ``minio.Minio`` client, created on first use (the bucket is not made)."""
        if self._minio is None:
            import urllib3
            from minio import Minio

            http = urllib3.PoolManager(
                timeout=urllib3.Timeout(connect=self.connect_timeout, read=self.read_timeout),
                maxsize=10,
                retries=False,  # retried here, within bounds, never inside urllib3 as well
            )
            try:
                self._minio = Minio(
                    self.endpoint,
                    access_key=self.access_key,
                    secret_key=self._secret_key,
                    secure=self.secure,
                    region=self.region,
                    http_client=http,
                )
            except ValueError as exc:
                raise StorageError(f"invalid S3 endpoint {self.endpoint!r}: {exc}") from None
        return self._minio

    def _writable(self) -> Any:
        """The client, once the bucket exists (made here when missing: only writes do this)."""
        client = self.minio
        if self._bucket_ready:
            return client

        def make() -> None:
            if client.bucket_exists(self.bucket_name):
                return
            try:
                client.make_bucket(self.bucket_name)
            except Exception as exc:  # another process may have made it in between
                if getattr(exc, "code", "") not in _BUCKET_TAKEN:
                    raise

        self._retry(make, f"bucket {self.bucket_name!r} at {self.endpoint}")
        self._bucket_ready = True
        return client

    def _retry(self, call: Callable[[], T], what: str, attempts: Optional[int] = None) -> T:
        """Run an idempotent call, retrying transient failures with backoff; map errors."""
        delay = self.backoff
        attempts = attempts or self.attempts
        for attempt in range(1, attempts + 1):
            try:
                return call()
            except Exception as exc:
                error = self._error(exc, what, last=attempt == attempts)
                if error is not None:
                    raise error from (None if isinstance(error, ArtifactNotFoundError) else exc)
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    def _error(self, exc: Exception, what: str, last: bool) -> Optional[StorageError]:
        """The ``StorageError`` for a failed call, or None when it is worth another try."""
        from minio.error import MinioException, S3Error, ServerError
        from urllib3.exceptions import HTTPError

        if isinstance(exc, StorageError):
            return exc
        if isinstance(exc, S3Error):
            if exc.code in _CREDENTIAL_CODES:
                return StorageError(
                    f"S3 server {self.endpoint} refused access to {what} with access key "
                    f"{self.access_key!r}: {exc.code} ({exc.message})"
                )
            if exc.code in _MISSING_CODES:
                return ArtifactNotFoundError(f"no object at {what} ({exc.code})")
            if exc.code in _TRANSIENT_CODES and not last:
                return None
            return StorageError(f"S3 error on {what}: {exc.code} ({exc.message})")
        if isinstance(exc, ServerError) and exc.status_code < 500:
            return StorageError(f"S3 server {self.endpoint} failed on {what}: {exc}")
        if isinstance(exc, (ServerError, HTTPError, ConnectionError, socket.timeout)):
            if not last:
                return None
            return StorageError(
                f"S3 server {self.endpoint} unreachable or failing for {what} after "
                f"{self.attempts} attempts: {exc}"
            )
        if isinstance(exc, (MinioException, ValueError)):
            return StorageError(f"S3 request for {what} failed: {exc}")
        return StorageError(f"S3 request for {what} failed: {type(exc).__name__}: {exc}")

    def _retry_raw(self, call: Callable[[], T]) -> T:
        """Retry transient failures only; error mapping is left to the outer ``_retry``."""
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                return call()
            except Exception as exc:
                if self._error(exc, "", last=attempt == self.attempts) is not None:
                    raise
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    # -- the interface ----------------------------------------------------------------------------

    def upload(self, key: str, path: str) -> None:
        if not os.path.isfile(path):
            raise StorageError(f"cannot upload {path!r}: not a file")
        with open(path, "rb") as handle:
            self.upload_stream(key, handle)

    def upload_stream(self, key: str, stream: BinaryIO) -> None:
        client = self._writable()
        # the stream cannot be rewound: each part is retried inside, the whole upload never
        self._retry(
            lambda: put_stream(client, self.bucket_name, key, stream, self._retry_raw),
            self.describe(key),
            attempts=1,
        )

    def download(self, key: str, path: str) -> None:
        directory = os.path.dirname(os.path.abspath(path))
        try:
            fd, partial = tempfile.mkstemp(dir=directory, prefix=".dflow-part-")
        except OSError as exc:
            raise StorageError(f"cannot download {self.describe(key)}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as sink, self.open(key) as body:
                while True:
                    data = body.read(_CHUNK)
                    if not data:
                        break
                    sink.write(data)
            os.replace(partial, path)
        except OSError as exc:
            raise StorageError(f"cannot write {self.describe(key)} to {path!r}: {exc}") from exc
        finally:
            if os.path.exists(partial):
                os.remove(partial)

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:  # type: ignore[override]
        body = ResumingBody(self, key)
        try:
            yield body  # type: ignore[misc]
        finally:
            body.close()

    def list(self, prefix: str, recursive: bool = True) -> List[str]:
        def call() -> List[str]:
            objects = self.minio.list_objects(self.bucket_name, prefix=prefix, recursive=recursive)
            return sorted(obj.object_name for obj in objects)

        try:
            return self._retry(call, f"prefix {prefix!r} in bucket {self.bucket_name!r}")
        except ArtifactNotFoundError:  # no bucket: no keys, and nothing is made
            return []

    def copy(self, src: str, dst: str) -> None:
        from minio.commonconfig import ComposeSource

        if src.endswith("/"):  # a directory marker: nothing to copy but its name
            self.upload_stream(dst.rstrip("/") + "/", io.BytesIO(b""))
            return
        # no bucket check: a source to copy means the bucket is there
        source = ComposeSource(self.bucket_name, src)
        self._retry(
            lambda: self.minio.compose_object(self.bucket_name, dst, [source]),
            self.describe(src),
        )

    def exists(self, key: str) -> bool:
        from minio.error import S3Error

        def call() -> bool:
            try:
                self.minio.stat_object(self.bucket_name, key)
                return True
            except S3Error as exc:
                if exc.code in _MISSING_CODES:
                    return False
                raise

        return self._retry(call, self.describe(key))

    def delete(self, key: str) -> None:
        self._retry(lambda: self.minio.remove_object(self.bucket_name, key), self.describe(key))
