"""Reading an S3 object that survives a lost connection: the rest is asked for with a range request.

A connection can drop or stall (``read_timeout``) in the middle of a large object. The reader keeps
its position, opens the object again from there (``Range: bytes=N-``, pinned to the first answer's
ETag with ``If-Match`` so that a replaced object is an error rather than a mix of two) and goes on,
up to the client's number of attempts. Every failure is a ``StorageError`` naming the key.
"""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING, Any, Dict, Optional

from ..errors import StorageError

if TYPE_CHECKING:
    from .s3 import S3Client

__all__ = ["ResumingBody"]


class ResumingBody:
    """The body of one object as a read-only stream; reopened at its position after a failure."""

    def __init__(self, client: S3Client, key: str) -> None:
        self._client = client
        self._key = key
        self._etag: Optional[str] = None
        self.position = 0
        self.resumed = 0
        self._response: Any = None
        self._response = self._open()

    def _open(self) -> Any:
        client, key = self._client, self._key
        headers: Dict[str, str] = {"If-Match": self._etag} if self._etag else {}

        def call() -> Any:
            return client.minio.get_object(
                client.bucket_name, key, offset=self.position, request_headers=headers or None
            )

        response = client._retry(call, client.describe(key))
        if self._etag is None:
            self._etag = response.headers.get("ETag")
        return response

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        from urllib3.exceptions import HTTPError

        failures = 0
        while True:
            try:
                data: bytes = self._response.read(size if size is not None and size >= 0 else None)
            except (HTTPError, ConnectionError, socket.timeout) as exc:
                failures += 1
                self._drop()
                if failures >= self._client.attempts:
                    raise StorageError(
                        f"lost the connection reading {self._client.describe(self._key)} at "
                        f"byte {self.position}, {failures} times: {exc}"
                    ) from exc
                time.sleep(self._client.backoff * 2 ** (failures - 1))
                self._response = self._open()
                self.resumed += 1
                continue
            self.position += len(data)
            return data

    def _drop(self) -> None:
        """Let go of a broken response without reusing its connection."""
        response, self._response = self._response, None
        if response is not None:
            try:
                response.close()
            except Exception:  # the connection is broken already
                pass

    def close(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            response.close()
            response.release_conn()
