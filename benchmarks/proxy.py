"""A loopback reverse proxy that counts the requests the schemathesis CLI sends."""

from __future__ import annotations

import http.client
import socket
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_HOP_HEADERS = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
}


class CountingProxy(ThreadingHTTPServer):
    """A loopback reverse proxy that forwards every request to one upstream and counts them."""

    daemon_threads = True

    def __init__(self, upstream_port: int) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream_port = upstream_port
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def count(self, status: int) -> None:
        with self._lock:
            self.statuses[status] += 1

    def upstream(self, fresh: bool = False) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None or fresh:
            if connection is not None:
                connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=30)
            connection.connect()
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._local.connection = connection
        return connection

    def __enter__(self) -> CountingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (40 ms each)
    server: CountingProxy

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.server.count(code)  # a request the proxy itself refused was still sent by the CLI
        super().send_error(code, message, explain)

    def __getattr__(self, name: str) -> Callable[[], None]:
        if name.startswith("do_"):  # any method, including the odd ones the CLI probes with
            return self._forward
        raise AttributeError(name)

    def _read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    def _exchange(self, body: bytes | None, fresh: bool) -> http.client.HTTPResponse:
        connection = self.server.upstream(fresh)
        connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in _HOP_HEADERS:
                connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        return connection.getresponse()

    def _forward(self) -> None:
        body = self._read_body()
        try:
            try:
                response = self._exchange(body, fresh=False)
            except (http.client.RemoteDisconnected, ConnectionError, http.client.CannotSendRequest):
                response = self._exchange(body, fresh=True)  # idle keep-alive closed upstream
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.server.upstream(fresh=True)
            self.send_error(502)
            return
        self.server.count(response.status)
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in _HOP_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
