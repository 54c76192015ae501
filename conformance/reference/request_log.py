"""`serve --log FILE` (or `--log -`, stdout): one line per request the server answered.

    2026-12-07T02:40:01Z GET /api/v1/users/me/ 200 1.8ms

The time the answer started, the method, the path, the status and how long the answer took. The
query string is left out and no header is written: nothing a client sends as a secret (a key, a
token in a query) reaches the log.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import IO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLIENT_GONE = 499  # no answer was sent: the client closed the connection first


class RequestLog:
    """ASGI middleware around the whole app (the gateway included): one line per request."""

    def __init__(self, app: ASGIApp, stream: IO[str]) -> None:
        self.app = app
        self.stream = stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = CLIENT_GONE

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.write(scope["method"], scope["path"], status, time.perf_counter() - started)

    def write(self, method: str, path: str, status: int, seconds: float) -> None:
        moment = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.stream.write(f"{moment} {method} {path} {status} {seconds * 1000:.1f}ms\n")
        self.stream.flush()
