"""The ASGI layer in front of every /api/ route: trailing-slash normalising, routing before
authentication (as Plane's Django does: an unrouted URL answers 404 whoever asks), authentication,
rate limiting (headers on every authenticated answer, 429 once spent), the hostile-server
harness's switches (rules/evasions.py) and a last-resort 500.

Kept as plain ASGI rather than Starlette middleware: it runs on every request and must be cheap.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.reference.config import ServerConfig
from conformance.reference.faults import declare_fault
from conformance.reference.rules import auth, evasions, plane_stack, tokens
from conformance.reference.rules.errors import encode
from conformance.reference.rules.evasions import Header
from conformance.reference.rules.ratelimit import RateLimiter
from conformance.reference.store import Store

log = logging.getLogger("conformance.reference")

WRITE_REDIRECTED = declare_fault(
    "write-redirected",
    ("REDIR-002",),
    "a write without the trailing slash answers 301 to the slashed path (followed as a GET)",
)


async def _send_json(
    send: Send, status: int, body: bytes, media: str, headers: list[Header]
) -> None:
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


async def _send_answer(send: Send, answer: evasions.Answer) -> None:
    """Send a whole answer; a dropped one sends its status line, then loses the connection."""
    length = len(answer.body) or 1 if answer.drop else len(answer.body)
    headers = [(k, v) for k, v in answer.headers if k.lower() != b"content-length"]
    await send(
        {
            "type": "http.response.start",
            "status": answer.status,
            "headers": [*headers, (b"content-length", str(length).encode())],
        }
    )
    if answer.drop:
        raise DroppedOnPurpose("connection dropped by the invalid-body-drops-connection fault")
    await send({"type": "http.response.body", "body": answer.body})


class DroppedOnPurpose(Exception):
    """Raised after a status line: the ASGI server closes the connection mid-answer."""


def _quiet_drops(record: logging.LogRecord) -> bool:
    """The ASGI server logs every dropped answer as an application error; these are on purpose."""
    return not (record.exc_info and isinstance(record.exc_info[1], DroppedOnPurpose))


class Gateway:
    def __init__(self, app: ASGIApp, config: ServerConfig) -> None:
        self.app = app
        self.config = config
        self.store: Store | None = None  # the app's, for tests that look inside
        self.shutdown: Callable[[], None] = lambda: None  # closes the store, removes its file
        self.limiter = RateLimiter(config)
        self.served = 0  # API requests received (for the server-exits-mid-run fault)
        if config.has(evasions.DROPS_ON_INVALID_BODY.name):
            logging.getLogger("uvicorn.error").addFilter(_quiet_drops)

    def _routed(self, scope: Scope) -> bool:
        """Whether a route takes this path (whatever the method: a wrong one answers 405)."""
        routes = getattr(getattr(self.app, "router", None), "routes", None)
        if routes is None:
            return True
        return any(route.matches(scope)[0] != Match.NONE for route in routes)

    def _exit_now(self) -> None:
        """The server-exits-mid-run fault: clean the temporary database, then exit at once."""
        self.shutdown()
        log.error("exiting after %s API requests (server-exits-mid-run)", self.served)
        os._exit(0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if self.config.latency_ms:
            await asyncio.sleep(self.config.latency_ms / 1000)
        self.served += 1
        if evasions.exits_now(self.config, self.served):
            self._exit_now()
        method = scope["method"]
        redirect = evasions.redirect(
            self.config, method, scope["path"], scope.get("query_string", b"")
        )
        if redirect is not None:
            await _send_answer(send, redirect)
            return
        # Django's APPEND_SLASH, before authentication: only where the slashed URL routes.
        if plane_stack.redirects_slashless(self.config, scope["path"]) and self._routed(
            {**scope, "path": scope["path"] + "/"}
        ):
            query = scope.get("query_string", b"")
            location = [(b"location", plane_stack.slashed_location(scope["path"], query))]
            await _send_json(send, 301, b"", "text/html; charset=utf-8", location)
            return
        if not scope["path"].endswith("/"):
            if method != "GET" and self.config.has(WRITE_REDIRECTED.name):
                location = [(b"location", (scope["path"] + "/").encode())]
                await _send_json(send, 301, b"{}", "application/json", location)
                return
            # Both spellings are served directly: no redirect, so writes never bounce.
            scope = {**scope, "path": scope["path"] + "/"}
        path = scope["path"]
        presented = authorization = None
        for name, value in scope["headers"]:
            # ASGI lower-cases names: matching is case-insensitive
            if name == b"x-api-key" and presented is None:
                presented = value.decode("latin-1")
            elif name == b"authorization" and authorization is None:
                authorization = value.decode("latin-1")
        # An access token is read when no key is given (rules/tokens.py).
        token = None if presented else tokens.bearer_token(authorization, path, self.config)
        if token is not None:
            refusal = tokens.check_token(token, self.config)
            scope = {**scope, auth.CALLER: auth.ADMIN}
        else:
            refusal = auth.check_key(presented, self.config)
            scope = {**scope, auth.CALLER: auth.role_of(presented, self.config)}
        if refusal is not None and evasions.authenticates_first(self.config):
            await self._unauthorized(send, refusal)
            return
        hidden = evasions.hides_route(self.config, path)
        unrouted = hidden or not self._routed(scope)
        if unrouted and refusal is not None:
            # Routing comes first, as in Plane: no key is needed to learn that a URL is unknown.
            # (With the key, the 404 is answered below, counted and with rate-limit headers.)
            answer = evasions.unrouted(self.config, path)
            if answer is not None:
                await _send_answer(send, answer)
            else:
                await self.app(scope, receive, send)
            return
        if refusal is not None:
            await self._unauthorized(send, refusal)
            return
        decision = self.limiter.spend(presented or token or "")
        limit_headers = (
            decision.headers(self.config) if evasions.keeps_rate_headers(self.config, path) else []
        )
        if not decision.allowed:
            body = encode({"error": "Rate limit exceeded. Retry after the reset time."})
            headers = limit_headers + decision.retry_after(self.config)
            await _send_json(send, 429, body, "application/json", headers)
            return
        path_404 = evasions.unrouted(self.config, path) if unrouted else None
        if hidden and path_404 is None:
            path_404 = evasions.json_answer(404, {"error": "Not found"})
        if path_404 is not None:  # (else the app answers its own 404, headers added below)
            path_404.headers += limit_headers
            await _send_answer(send, path_404)
            return
        needs = tokens.missing_scope(self.config, method, path) if token is not None else None
        if needs is not None:
            await self._scope_refusal(scope, receive, send, needs, limit_headers)
            return
        forbidden = evasions.refusal(self.config, method, path)
        if forbidden is not None:
            forbidden.headers += limit_headers
            await _send_answer(send, forbidden)
            return
        if evasions.rewrites(self.config):
            await self._rewritten(scope, receive, send, limit_headers)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if plane_stack.rate_headers_apply(self.config, path, message["status"]):
                    message = {**message, "headers": [*message.get("headers", []), *limit_headers]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if not started:
                body = encode({"error": "Internal server error"})
                await _send_json(send, 500, body, "application/json", limit_headers)

    async def _scope_refusal(
        self, scope: Scope, receive: Receive, send: Send, needs: str, headers: list[Header]
    ) -> None:
        """403 for an operation outside the token's scopes; with REFUSAL_LEAKS the operation
        runs first and its answer goes inside the refusal."""
        answer = b""
        if self.config.has(tokens.REFUSAL_LEAKS.name):
            chunks: list[bytes] = []

            async def hold(message: Message) -> None:
                if message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))

            await self.app(scope, receive, hold)
            answer = b"".join(chunks)
        await _send_json(send, 403, tokens.refusal_body(needs, answer), "application/json", headers)

    async def _unauthorized(self, send: Send, refusal: str) -> None:
        if refusal == auth.INVALID_MESSAGE and plane_stack.invalid_key_status(self.config) == 403:
            body = encode(plane_stack.INVALID_KEY_BODY)
            await _send_json(send, 403, body, "application/json", [])
            return
        body, media = auth.unauthorized_body(refusal, self.config)
        challenge = (
            b'Bearer error="invalid_token"'
            if refusal == tokens.INVALID_TOKEN_MESSAGE
            else b"X-API-Key"
        )
        await _send_json(send, 401, body, media, [(b"www-authenticate", challenge)])

    async def _rewritten(
        self, scope: Scope, receive: Receive, send: Send, limit_headers: list[Header]
    ) -> None:
        """Run the app into a held-back answer, let the switches rewrite it, then send it."""
        answer = evasions.Answer(500)
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.status = message["status"]
                answer.headers = [*message.get("headers", []), *limit_headers]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive, hold)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            answer = evasions.json_answer(500, {"error": "Internal server error"})
            answer.headers += limit_headers
            chunks = [answer.body]
        answer.body = b"".join(chunks)
        await _send_answer(
            send, evasions.rewrite(self.config, scope["method"], scope["path"], answer)
        )
