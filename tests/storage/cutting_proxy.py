"""A TCP proxy on loopback in front of the S3 server that drops connections in mid-answer.

It forwards bytes both ways and notes every request line and ``Range`` header it sees. Once a
``GET`` of ``path`` has passed, it counts the bytes of the answer and closes both sides after
``cut_after`` of them, ``cuts`` times in all (each time on the connection then carrying that GET).
"""

from __future__ import annotations

import socket
import threading
from typing import List, Optional


class CuttingProxy:
    """Forwards 127.0.0.1:<port> to ``upstream`` ("host:port"), cutting answers to ``path``."""

    def __init__(self, upstream: str, path: str, cut_after: int, cuts: int = 1) -> None:
        host, port = upstream.rsplit(":", 1)
        self.upstream = (host, int(port))
        self.path = path
        self.cut_after = cut_after
        self.cuts_left = cuts
        self.cuts_done = 0
        self.requests: List[str] = []
        self.ranges: List[str] = []
        self._lock = threading.Lock()
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self.endpoint = f"127.0.0.1:{self._server.getsockname()[1]}"
        self._closed = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._closed = True
        self._server.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            state = {"counting": False, "sent": 0}
            threading.Thread(
                target=self._requests, args=(client, upstream, state), daemon=True
            ).start()
            threading.Thread(
                target=self._answers, args=(upstream, client, state), daemon=True
            ).start()

    def _requests(self, source: socket.socket, sink: socket.socket, state: dict) -> None:
        while True:
            data = self._recv(source)
            if not data:
                break
            for line in data.split(b"\r\n"):
                text = line.decode("latin-1")
                if text.startswith(("GET ", "PUT ", "HEAD ", "POST ", "DELETE ")):
                    with self._lock:
                        self.requests.append(text)
                        if text.startswith(f"GET {self.path}") and self.cuts_left > 0:
                            state["counting"], state["sent"] = True, 0
                elif text.lower().startswith("range:"):
                    with self._lock:
                        self.ranges.append(text.split(":", 1)[1].strip())
            if not self._send(sink, data):
                break
        self._shut(source, sink)

    def _answers(self, source: socket.socket, sink: socket.socket, state: dict) -> None:
        while True:
            data = self._recv(source)
            if not data:
                break
            if state["counting"]:
                room = self.cut_after - state["sent"]
                if room <= len(data):
                    with self._lock:
                        cut = self.cuts_left > 0
                        if cut:
                            self.cuts_left -= 1
                            self.cuts_done += 1
                    if cut:
                        self._send(sink, data[: max(room, 0)])
                        break
                state["sent"] += len(data)
            if not self._send(sink, data):
                break
        self._shut(source, sink)

    @staticmethod
    def _recv(sock: socket.socket) -> Optional[bytes]:
        try:
            return sock.recv(1 << 16)
        except OSError:
            return None

    @staticmethod
    def _send(sock: socket.socket, data: bytes) -> bool:
        try:
            sock.sendall(data)
            return True
        except OSError:
            return False

    @staticmethod
    def _shut(*socks: socket.socket) -> None:
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
