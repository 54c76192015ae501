"""The ASGI layer in front of every /api/ route: trailing-slash normalising, authentication,
rate limiting (headers on every authenticated answer, 429 once spent) and a last-resort 500.

Kept as plain ASGI rather than Starlette middleware: it runs on every request and must be cheap.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from conformance.reference.config import ServerConfig
from conformance.reference.faults import declare_fault
from conformance.reference.rules import auth
from conformance.reference.rules.errors import encode
from conformance.reference.rules.ratelimit import RateLimiter

log = logging.getLogger("conformance.reference")

Scope = dict[str, Any]

WRITE_REDIRECTED = declare_fault(
    "write-redirected",
    ("REDIR-002",),
    "a write without the trailing slash answers 301 to the slashed path (followed as a GET)",
)


async def _send_json(send: Any, status: int, body: bytes, media: str, headers: list[Any]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media.encode()),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Gateway:
    def __init__(self, app: Any, config: ServerConfig) -> None:
        self.app = app
        self.config = config
        self.limiter = RateLimiter(config)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if self.config.latency_ms:
            await asyncio.sleep(self.config.latency_ms / 1000)
        if not scope["path"].endswith("/"):
            if scope["method"] != "GET" and self.config.has(WRITE_REDIRECTED.name):
                location = [(b"location", (scope["path"] + "/").encode())]
                await _send_json(send, 301, b"{}", "application/json", location)
                return
            # Both spellings are served directly: no redirect, so writes never bounce.
            scope = {**scope, "path": scope["path"] + "/"}
        presented = None
        for name, value in scope["headers"]:
            if name == b"x-api-key":  # ASGI lower-cases names: matching is case-insensitive
                presented = value.decode("latin-1")
                break
        refusal = auth.check_key(presented, self.config)
        if refusal is not None:
            body, media = auth.unauthorized_body(refusal, self.config)
            await _send_json(send, 401, body, media, [(b"www-authenticate", b"X-API-Key")])
            return
        decision = self.limiter.spend(presented or "")
        limit_headers = decision.headers(self.config)
        if not decision.allowed:
            body = encode({"error": "Rate limit exceeded. Retry after the reset time."})
            headers = limit_headers + decision.retry_after(self.config)
            await _send_json(send, 429, body, "application/json", headers)
            return

        started = False

        async def send_with_headers(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), *limit_headers]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if not started:
                body = encode({"error": "Internal server error"})
                await _send_json(send, 500, body, "application/json", limit_headers)
