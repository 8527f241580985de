"""A loopback server speaking the OSS REST API for one bucket, path-style (as OSS clients address
an IP endpoint): PutObject (and copy with ``x-oss-copy-source``), GetObject, HeadObject,
GetObjectMeta (``?objectMeta``), DeleteObject and ListObjects (v1: prefix, delimiter, marker,
max-keys, ``encoding-type=url``). Every request must carry a valid OSS signature (version 1:
``Authorization: OSS <id>:base64(hmac-sha1(secret, string to sign))``); errors are OSS's XML.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from xml.sax.saxutils import escape

# query parameters that are part of the signed resource (OSS "sub-resources")
_SUB_RESOURCES = {"acl", "objectMeta", "uploads", "uploadId", "partNumber", "delete", "tagging",
                  "versionId", "symlink", "restore", "append", "position"}  # fmt: skip


class OSSState:
    def __init__(self, bucket: str, key_id: str, secret: str) -> None:
        self.bucket = bucket
        self.key_id = key_id
        self.secret = secret
        self.objects: Dict[str, bytes] = {}
        self.requests: List[Tuple[str, str]] = []


class _Handler(BaseHTTPRequestHandler):
    state: OSSState

    def log_message(self, *args: Any) -> None:
        pass

    def _send(
        self, status: int, body: bytes = b"", headers: Optional[Dict[str, str]] = None
    ) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("x-oss-request-id", "req-1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, code: str, message: str) -> None:
        xml = (
            f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code>"
            f"<Message>{escape(message)}</Message><RequestId>req-1</RequestId></Error>"
        ).encode()
        self._send(status, xml, {"Content-Type": "application/xml"})

    def _signed(self, bucket: str, key: str, query: List[Tuple[str, str]]) -> bool:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith(f"OSS {self.state.key_id}:"):
            return False
        oss_headers = sorted(
            (k.lower(), v.strip())
            for k, v in self.headers.items()
            if k.lower().startswith("x-oss-")
        )
        resource = f"/{bucket}/{key}"
        subs = sorted((k, v) for k, v in query if k in _SUB_RESOURCES)
        if subs:
            resource += "?" + "&".join(f"{k}={v}" if v else k for k, v in subs)
        to_sign = "\n".join(
            [
                self.command,
                self.headers.get("Content-MD5", ""),
                self.headers.get("Content-Type", ""),
                self.headers.get("Date", ""),
                "".join(f"{k}:{v}\n" for k, v in oss_headers) + resource,
            ]
        )
        digest = hmac.new(self.state.secret.encode(), to_sign.encode(), hashlib.sha1).digest()
        return hmac.compare_digest(auth.split(":", 1)[1], base64.b64encode(digest).decode())

    def _handle(self) -> None:
        url = urlsplit(self.path)
        query = parse_qsl(url.query, keep_blank_values=True)
        bucket, _, key = unquote(url.path).lstrip("/").partition("/")
        self.state.requests.append((self.command, self.path))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if not self._signed(bucket, key, query):
            return self._error(403, "SignatureDoesNotMatch", "The request signature does not match")
        if bucket != self.state.bucket:
            return self._error(404, "NoSuchBucket", f"The bucket {bucket} does not exist")
        objects = self.state.objects
        params = dict(query)
        if not key:
            if self.command == "GET":
                return self._list(params)
            return self._error(405, "MethodNotAllowed", "not supported")
        if self.command == "PUT":
            source = self.headers.get("x-oss-copy-source")
            if source:
                src_bucket, _, src_key = unquote(source).lstrip("/").partition("/")
                if src_bucket != bucket or src_key not in objects:
                    return self._error(404, "NoSuchKey", "The specified key does not exist.")
                objects[key] = objects[src_key]
                etag = hashlib.md5(objects[key]).hexdigest().upper()
                xml = (
                    "<?xml version='1.0' encoding='UTF-8'?><CopyObjectResult>"
                    f'<ETag>"{etag}"</ETag><LastModified>2024-01-01T00:00:00.000Z'
                    "</LastModified></CopyObjectResult>"
                ).encode()
                return self._send(
                    200, xml, {"ETag": f'"{etag}"', "Content-Type": "application/xml"}
                )
            objects[key] = body
            return self._send(200, b"", {"ETag": f'"{hashlib.md5(body).hexdigest().upper()}"'})
        if key not in objects:
            return self._error(404, "NoSuchKey", "The specified key does not exist.")
        data = objects[key]
        meta = {
            "ETag": f'"{hashlib.md5(data).hexdigest().upper()}"',
            "Last-Modified": formatdate(usegmt=True),
            "Content-Length": str(len(data)),
        }
        if self.command == "DELETE":
            del objects[key]
            return self._send(204)
        if self.command == "HEAD" or "objectMeta" in params:
            self.send_response(200)
            for k, v in meta.items():
                self.send_header(k, v)
            self.send_header("x-oss-request-id", "req-1")
            self.end_headers()
            return None
        return self._send(
            200, data, {"ETag": meta["ETag"], "Content-Type": "application/octet-stream"}
        )

    def _list(self, params: Dict[str, str]) -> None:
        prefix = params.get("prefix", "")
        delimiter = params.get("delimiter", "")
        marker = params.get("marker", "")
        max_keys = int(params.get("max-keys", "100"))
        encode = params.get("encoding-type") == "url"
        entries: Dict[str, bool] = {}  # name -> is a common prefix
        for k in sorted(self.state.objects):
            if not k.startswith(prefix):
                continue
            rest = k[len(prefix) :]
            if delimiter and delimiter in rest:
                entries[prefix + rest.split(delimiter)[0] + delimiter] = True
            else:
                entries[k] = False
        names = [n for n in sorted(entries) if n > marker]
        page, truncated = names[:max_keys], len(names) > max_keys

        def enc(text: str) -> str:
            return escape(quote(text, safe="") if encode else text)

        parts = ["<?xml version='1.0' encoding='UTF-8'?><ListBucketResult>",
                 f"<Name>{self.state.bucket}</Name>",
                 f"<Prefix>{enc(prefix)}</Prefix><Marker>{enc(marker)}</Marker>",
                 f"<MaxKeys>{max_keys}</MaxKeys><Delimiter>{enc(delimiter)}</Delimiter>",
                 f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"]  # fmt: skip
        if encode:
            parts.append("<EncodingType>url</EncodingType>")
        if truncated:
            parts.append(f"<NextMarker>{enc(page[-1])}</NextMarker>")
        for name in page:
            if entries[name]:
                parts.append(f"<CommonPrefixes><Prefix>{enc(name)}</Prefix></CommonPrefixes>")
            else:
                data = self.state.objects[name]
                parts.append(
                    f"<Contents><Key>{enc(name)}</Key>"
                    "<LastModified>2024-01-01T00:00:00.000Z</LastModified>"
                    f'<ETag>"{hashlib.md5(data).hexdigest().upper()}"</ETag><Type>Normal</Type>'
                    f"<Size>{len(data)}</Size><StorageClass>Standard</StorageClass></Contents>"
                )
        parts.append("</ListBucketResult>")
        self._send(200, "".join(parts).encode(), {"Content-Type": "application/xml"})

    do_GET = do_PUT = do_HEAD = do_DELETE = _handle


class OSSServer:
    """The fake OSS on 127.0.0.1, holding one bucket."""

    def __init__(self, bucket: str = "dflow", key_id: str = "ak", secret: str = "sk") -> None:
        self.state = OSSState(bucket, key_id, secret)
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> OSSServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
