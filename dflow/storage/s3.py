"""The S3 store through the ``minio`` client (imported on first use): MinIO, SeaweedFS, AWS S3."""

from __future__ import annotations

import io
import os
import tempfile
import time
from contextlib import contextmanager
from typing import Any, BinaryIO, Callable, Dict, Iterator, List, Optional, TypeVar

from ..errors import ArtifactNotFoundError, StorageError
from .base import StorageClient
from .multipart import put_stream

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


class S3Client(StorageClient):
    """Objects in one bucket of an S3 server; settings default to ``s3_config`` when built."""

    def __init__(
        self,
        endpoint: Optional[str] = None,
        access_key: Optional[str] = None,
        secret_key: Optional[str] = None,
        secure: Optional[bool] = None,
        bucket_name: Optional[str] = None,
        prefix: Optional[str] = None,
        region: Optional[str] = None,
        attempts: int = 4,
        backoff: float = 0.5,
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
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self._minio: Any = None

    def __repr__(self) -> str:
        scheme = "https" if self.secure else "http"
        return f"S3Client({scheme}://{self.endpoint}/{self.bucket_name})"

    def describe(self, key: str) -> str:
        return f"key {key!r} in bucket {self.bucket_name!r} at {self.endpoint}"

    # -- connection -------------------------------------------------------------------------------

    @property
    def minio(self) -> Any:
        """The underlying ``minio.Minio`` client, created (and the bucket made) on first use."""
        if self._minio is None:
            import urllib3
            from minio import Minio

            http = urllib3.PoolManager(
                timeout=urllib3.Timeout(connect=10, read=300),
                maxsize=10,
                retries=urllib3.Retry(
                    total=5, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]
                ),
            )
            client = Minio(
                self.endpoint,
                access_key=self.access_key,
                secret_key=self._secret_key,
                secure=self.secure,
                region=self.region,
                http_client=http,
            )
            self._ensure_bucket(client)
            self._minio = client
        return self._minio

    def _ensure_bucket(self, client: Any) -> None:
        def make() -> None:
            if client.bucket_exists(self.bucket_name):
                return
            try:
                client.make_bucket(self.bucket_name)
            except Exception as exc:  # another process may have made it in between
                if getattr(exc, "code", "") not in _BUCKET_TAKEN:
                    raise

        self._retry(make, f"bucket {self.bucket_name!r} at {self.endpoint}")

    def _retry(self, call: Callable[[], T], what: str, attempts: Optional[int] = None) -> T:
        """Run an idempotent call, retrying transient failures with backoff; map errors."""
        from minio.error import S3Error, ServerError
        from urllib3.exceptions import HTTPError

        delay = self.backoff
        attempts = attempts or self.attempts
        for attempt in range(1, attempts + 1):
            try:
                return call()
            except S3Error as exc:
                if exc.code in _CREDENTIAL_CODES:
                    raise StorageError(
                        f"S3 server {self.endpoint} refused access to {what} with access key "
                        f"{self.access_key!r}: {exc.code} ({exc.message})"
                    ) from None
                if exc.code in _MISSING_CODES:
                    raise ArtifactNotFoundError(f"no object at {what} ({exc.code})") from None
                if exc.code not in _TRANSIENT_CODES or attempt == attempts:
                    raise StorageError(f"S3 error on {what}: {exc.code} ({exc.message})") from exc
            except (ServerError, HTTPError, ConnectionError) as exc:
                if attempt == attempts:
                    raise StorageError(
                        f"S3 server {self.endpoint} unreachable or failing for {what}: {exc}"
                    ) from exc
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    def _retry_raw(self, call: Callable[[], T]) -> T:
        """Retry transient failures only; error mapping is left to the outer ``_retry``."""
        from minio.error import S3Error, ServerError
        from urllib3.exceptions import HTTPError

        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                return call()
            except S3Error as exc:
                if exc.code not in _TRANSIENT_CODES or attempt == self.attempts:
                    raise
            except (ServerError, HTTPError, ConnectionError):
                if attempt == self.attempts:
                    raise
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    # -- the interface ----------------------------------------------------------------------------

    def upload(self, key: str, local_file: str) -> None:
        if not os.path.isfile(local_file):
            raise StorageError(f"cannot upload {local_file!r}: not a file")
        with open(local_file, "rb") as handle:
            self.upload_stream(key, handle)

    def upload_stream(self, key: str, stream: BinaryIO) -> None:
        client = self.minio
        # the stream cannot be rewound: each part is retried inside, the whole upload never
        self._retry(
            lambda: put_stream(client, self.bucket_name, key, stream, self._retry_raw),
            self.describe(key),
            attempts=1,
        )

    def download(self, key: str, local_file: str) -> None:
        directory = os.path.dirname(os.path.abspath(local_file))
        fd, partial = tempfile.mkstemp(dir=directory, prefix=".dflow-part-")
        os.close(fd)
        try:
            self._retry(
                lambda: self.minio.fget_object(
                    self.bucket_name, key, local_file, tmp_file_path=partial
                ),
                self.describe(key),
            )
        finally:
            if os.path.exists(partial):
                os.remove(partial)

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:  # type: ignore[override]
        response = self._retry(
            lambda: self.minio.get_object(self.bucket_name, key), self.describe(key)
        )
        try:
            yield response
        finally:
            response.close()
            response.release_conn()

    def list(self, prefix: str, recursive: bool = True) -> List[str]:
        def call() -> List[str]:
            objects = self.minio.list_objects(self.bucket_name, prefix=prefix, recursive=recursive)
            return sorted(obj.object_name for obj in objects)

        return self._retry(call, f"prefix {prefix!r} in bucket {self.bucket_name!r}")

    def copy(self, src_key: str, dst_key: str) -> None:
        from minio.commonconfig import ComposeSource

        if src_key.endswith("/"):  # a directory marker: nothing to copy but its name
            self.upload_stream(dst_key.rstrip("/") + "/", io.BytesIO(b""))
            return
        source = ComposeSource(self.bucket_name, src_key)
        self._retry(
            lambda: self.minio.compose_object(self.bucket_name, dst_key, [source]),
            self.describe(src_key),
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
