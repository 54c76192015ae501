"""A loopback reverse proxy that rewrites request paths: the tests' stand-in for a gateway.

`mounted(upstream, "/plane")` serves the upstream's API under /plane/api/v1/... (a gateway
mounted under a path); `hiding(upstream, pattern)` answers every path matching `pattern` as the
upstream answers a URL it does not route (a server that routes less than the reference does).
Redirects are rewritten back into the proxy's own space, as a gateway does.
"""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOP_HEADERS = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
    "host",
}
NOWHERE = "/api/v1/plc-hidden-by-the-proxy/"  # a path the upstream surely does not route


class RewritingProxy(ThreadingHTTPServer):
    """Forwards every request to one upstream, with `inward` applied to the path (None: the
    proxy answers 404 itself) and `outward` to a redirect's Location path."""

    daemon_threads = True

    def __init__(
        self,
        upstream_port: int,
        inward: Callable[[str], str | None],
        outward: Callable[[str], str] = lambda path: path,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream_port = upstream_port
        self.inward = inward
        self.outward = outward
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> RewritingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


def mounted(upstream_port: int, mount: str) -> RewritingProxy:
    """The upstream's paths under `mount` ("/plane"); anything outside it answers 404."""

    def inward(path: str) -> str | None:
        return path[len(mount) :] if path.startswith(mount + "/") else None

    def outward(path: str) -> str:
        return mount + path if path.startswith("/") else path

    return RewritingProxy(upstream_port, inward, outward)


def hiding(upstream_port: int, pattern: str) -> RewritingProxy:
    """The upstream, except that paths matching `pattern` answer as an unrouted URL does."""
    hidden = re.compile(pattern)

    def inward(path: str) -> str:
        return NOWHERE if hidden.search(path.partition("?")[0]) else path

    return RewritingProxy(upstream_port, inward)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: with Nagle on, the second waits for the client's
    # delayed ACK (40 ms a request).
    disable_nagle_algorithm = True
    server: RewritingProxy

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Callable[[], None]:
        if name.startswith("do_"):  # any method
            return self._forward
        raise AttributeError(name)

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        path = self.server.inward(self.path)
        if path is None:
            self._answer(404, [("Content-Type", "application/json")], b'{"error": "No route."}')
            return
        connection = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
            connection.request(self.command, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        kept = []
        for name, value in response.getheaders():
            if name.lower() in HOP_HEADERS:
                continue
            if name.lower() == "location":
                parts = urlsplit(value)
                local = not parts.netloc or parts.port == self.server.upstream_port
                if local:
                    query = f"?{parts.query}" if parts.query else ""
                    value = self.server.outward(parts.path) + query
            kept.append((name, value))
        self._answer(response.status, kept, data)

    def _answer(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
        self.send_response_only(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
