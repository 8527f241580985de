"""``OSSClient``: Alibaba Cloud OSS as a dflow artifact store, through PyPI ``oss2``.

``oss2`` is imported when a client is built, not with this module
(``pip install 'dflow-sdk[oss]'``). Use it with ``s3_config["storage_client"] = OSSClient(...)``.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, BinaryIO, Dict, Iterator, List, Optional

from ..errors import ArtifactNotFoundError, StorageError
from ..storage import StorageClient

__all__ = ["OSSClient"]


def _oss2() -> Any:
    try:
        import oss2
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "OSSClient needs the 'oss2' package (Alibaba Cloud's OSS SDK): "
            "pip install 'dflow-sdk[oss]'",
            name="oss2",
        ) from exc
    return oss2


class OSSClient(StorageClient):
    """Artifacts in one OSS bucket.

    Args:
        endpoint: the OSS endpoint (``https://oss-cn-hangzhou.aliyuncs.com``); default
            ``$OSS_ENDPOINT``.
        bucket_name: default ``$OSS_BUCKET_NAME``.
        access_key_id / access_key_secret: default ``$OSS_ACCESS_KEY_ID`` /
            ``$OSS_ACCESS_KEY_SECRET``.
    """

    def __init__(
        self,
        endpoint: Optional[str] = None,
        bucket_name: Optional[str] = None,
        access_key_id: Optional[str] = None,
        access_key_secret: Optional[str] = None,
    ) -> None:
        self.endpoint = endpoint if endpoint is not None else os.environ.get("OSS_ENDPOINT")
        self.bucket_name = (
            bucket_name if bucket_name is not None else os.environ.get("OSS_BUCKET_NAME")
        )
        self.access_key_id = (
            access_key_id if access_key_id is not None else os.environ.get("OSS_ACCESS_KEY_ID")
        )
        self.access_key_secret = (
            access_key_secret
            if access_key_secret is not None
            else os.environ.get("OSS_ACCESS_KEY_SECRET")
        )
        missing = [
            name
            for name in ("endpoint", "bucket_name", "access_key_id", "access_key_secret")
            if not getattr(self, name)
        ]
        if missing:
            raise ValueError(
                f"OSSClient: {', '.join(missing)} not given, nor in the environment "
                "(OSS_ENDPOINT, OSS_BUCKET_NAME, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET)"
            )
        oss2 = _oss2()
        self.bucket = oss2.Bucket(
            oss2.Auth(self.access_key_id, self.access_key_secret), self.endpoint, self.bucket_name
        )

    def to_dict(self) -> Dict[str, Any]:
        """Settings safe to show or record (no keys)."""
        return {"endpoint": self.endpoint, "bucket_name": self.bucket_name}

    def __repr__(self) -> str:
        return f"OSSClient(endpoint={self.endpoint!r}, bucket_name={self.bucket_name!r})"

    def _fail(self, exc: Exception, what: str, key: str) -> StorageError:
        oss2 = _oss2()
        if isinstance(exc, oss2.exceptions.NoSuchKey) or getattr(exc, "status", None) == 404:
            return ArtifactNotFoundError(f"OSS {what}: no object {self.describe(key)}")
        detail = getattr(exc, "message", None) or getattr(exc, "details", None) or exc
        return StorageError(f"OSS {what} {self.describe(key)}: {detail}")

    def upload(self, key: str, path: str) -> None:
        try:
            self.bucket.put_object_from_file(key, path)
        except _oss2().exceptions.OssError as exc:
            raise self._fail(exc, "upload", key) from None

    def upload_stream(self, key: str, stream: BinaryIO) -> None:
        try:
            self.bucket.put_object(key, stream)
        except _oss2().exceptions.OssError as exc:
            raise self._fail(exc, "upload", key) from None

    def download(self, key: str, path: str) -> None:
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        partial = f"{path}.part"
        try:
            self.bucket.get_object_to_file(key, partial)
            os.replace(partial, path)
        except _oss2().exceptions.OssError as exc:
            raise self._fail(exc, "download", key) from None
        finally:
            if os.path.exists(partial):
                os.remove(partial)

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        try:
            answer = self.bucket.get_object(key)
        except _oss2().exceptions.OssError as exc:
            raise self._fail(exc, "download", key) from None
        try:
            yield answer
        finally:
            answer.close()

    def list(self, prefix: str, recursive: bool = True) -> List[str]:
        oss2 = _oss2()
        keys: List[str] = []
        try:
            for obj in oss2.ObjectIterator(
                self.bucket, prefix=prefix, delimiter="" if recursive else "/"
            ):
                if obj.is_prefix():
                    keys.append(obj.key)
                elif not (obj.key.endswith("/") and (recursive or obj.key == prefix)):
                    keys.append(obj.key)
        except oss2.exceptions.OssError as exc:
            raise self._fail(exc, "list", prefix) from None
        return sorted(keys)

    def copy(self, src: str, dst: str) -> None:
        try:
            self.bucket.copy_object(self.bucket_name, src, dst)
        except _oss2().exceptions.OssError as exc:
            raise self._fail(exc, "copy", src) from None

    def exists(self, key: str) -> bool:
        try:
            return bool(self.bucket.object_exists(key))
        except _oss2().exceptions.OssError as exc:
            raise self._fail(exc, "exists", key) from None

    def get_md5(self, key: str) -> str:
        """The object's ETag (the MD5 of a plainly uploaded object)."""
        try:
            return str(self.bucket.get_object_meta(key).etag)
        except _oss2().exceptions.OssError as exc:
            raise self._fail(exc, "meta", key) from None

    def delete(self, key: str) -> None:
        try:
            self.bucket.delete_object(key)
        except _oss2().exceptions.OssError as exc:
            raise self._fail(exc, "delete", key) from None

    def describe(self, key: str) -> str:
        return f"oss://{self.bucket_name}/{key}"
