"""Streamed S3 uploads with bounded memory: parts in flight are capped, then the object appears.

``minio``'s own ``put_object`` queues every part it reads without back-pressure, so a fast producer
(a local tar stream, a file on disk) fills memory with the whole object. Here at most
``max_in_flight`` parts are held at once; the object becomes visible only when the multipart
upload completes, and a failure aborts it, so no partial object is ever left under the key. A
stream shorter than one part is sent in one PUT; a longer one starts sending its first part at once.
"""

from __future__ import annotations

import io
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, BinaryIO, Callable, List, Tuple

__all__ = ["PART_SIZE", "put_stream"]

PART_SIZE = 16 << 20


def _read_part(stream: BinaryIO, size: int) -> bytes:
    chunks = []
    remaining = size
    while remaining:
        data = stream.read(remaining)
        if not data:
            break
        chunks.append(data)
        remaining -= len(data)
    return b"".join(chunks)


def put_stream(
    minio: Any,
    bucket: str,
    key: str,
    stream: BinaryIO,
    retry: Callable[[Callable[[], Any]], Any],
    part_size: int = PART_SIZE,
    workers: int = 3,
) -> None:
    """Upload all ``stream`` yields to ``bucket/key``; ``retry`` wraps each idempotent call."""
    first = _read_part(stream, part_size)
    if len(first) < part_size:  # all there is: one PUT
        retry(lambda: minio.put_object(bucket, key, io.BytesIO(first), len(first)))
        return
    from minio.datatypes import Part

    headers = {"Content-Type": "application/octet-stream"}
    upload_id = retry(lambda: minio._create_multipart_upload(bucket, key, headers))
    slots = threading.BoundedSemaphore(workers + 1)
    done: List[Tuple[int, Future[str]]] = []

    def send(number: int, data: bytes) -> str:
        try:
            return retry(lambda: minio._upload_part(bucket, key, data, None, upload_id, number))
        finally:
            slots.release()

    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dflow-s3-part") as pool:
            number, data = 1, first
            while data:
                slots.acquire()
                if any(f.done() and f.exception() for _, f in done):
                    slots.release()
                    break
                done.append((number, pool.submit(send, number, data)))
                data = _read_part(stream, part_size)  # read while the parts before it are sent
                number += 1
        parts = [Part(n, f.result()) for n, f in done]
        retry(lambda: minio._complete_multipart_upload(bucket, key, upload_id, parts))
    except BaseException:
        try:  # tried as often as any call, so that no parts are left on the server
            retry(lambda: minio._abort_multipart_upload(bucket, key, upload_id))
        except Exception:  # the original error matters more than a failed cleanup
            pass
        raise
