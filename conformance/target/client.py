"""The one HTTP client of the suite: key, pacing, 429 retry, recording, redaction, counting.

Every request of the suite (checks, fixtures, preflight, cleanup) goes through `TargetClient`, so
none of those concerns can be bypassed. Tests pass an `httpx.MockTransport` to run offline.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance.target.ledger import (
    KeyKind,
    Ledger,
    LedgerRow,
    api_path,
    is_json_media_type,
    row_for,
)
from conformance.target.pacing import Pacer
from conformance.target.recording import Recorder, build_exchange
from conformance.target.redaction import Redactor
from conformance.target.routes import RouteMap

__all__ = ["KEY_HEADER", "ReadOnlyViolation", "TargetClient", "is_json_media_type"]

KEY_HEADER = "X-API-Key"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_429_RETRIES = 5
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


class ReadOnlyViolation(RuntimeError):
    """A write was attempted while the run is read-only; the suite itself is at fault."""


class TargetClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        workspace: str,
        *,
        transport: httpx.BaseTransport | None = None,
        pacer: Pacer | None = None,
        recorder: Recorder | None = None,
        read_only: bool = False,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.workspace = workspace
        self.pacer = pacer
        self.recorder = recorder or Recorder()
        self.redactor = Redactor(api_key)
        self.read_only = read_only
        self.requests_sent = 0
        self.paced_429s = 0  # 429 answers to paced requests: the pacer did not prevent them
        self.ledger = Ledger()  # one row per response, for the run-wide requirements
        # The spelling of each documented path this target routes (set by the plugin once the
        # run has discovered it, conformance/target/routes.py); until then, paths as written.
        self.routes = RouteMap()
        self._mount = urlsplit(self.base_url).path.rstrip("/")  # a gateway's "/plane", or ""
        self._http = httpx.Client(
            base_url=self.base_url, transport=transport, timeout=timeout, follow_redirects=False
        )

    def __repr__(self) -> str:
        return f"TargetClient({self.base_url!r}, workspace={self.workspace!r})"

    @property
    def api_key(self) -> str:
        """The configured key, for checks that must place it themselves (never print it)."""
        return self._api_key

    def ws(self, suffix: str = "") -> str:
        return f"/api/v1/workspaces/{self.workspace}/{suffix.lstrip('/')}"

    def close(self) -> None:
        self._http.close()
        if self.pacer:
            self.pacer.close()

    def __enter__(self) -> TargetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        content: bytes | str | None = None,
        key: bool | str = True,
        key_header: str = KEY_HEADER,
        pace: bool = True,
        owner: tuple[str, ...] = (),
        as_written: bool = False,
    ) -> httpx.Response:
        """Send one request. `path` is absolute from the base URL ("/api/v1/...").

        key=True sends the configured key, False none, a string that value (also redacted);
        key_header sets the header's spelling. pace=False neither waits nor retries a 429.
        `owner` names the requirements whose probe judges this response's status (so that a
        5xx it provokes is that requirement's departure, not STATUS-010's too). A documented
        path goes in the spelling this target routes (`routes`); `as_written=True` sends it
        exactly as given, for a probe of the documented path itself (CAP-001).
        """
        method = method.upper()
        written, path = path, path if as_written else self.routes.spelling(path)
        written = written if written != path else ""  # the documented spelling, when rerouted
        if self.read_only and method not in READ_METHODS:
            raise ReadOnlyViolation(f"read-only run: refusing to send {method} {path}")
        all_headers = self._headers(headers, key, key_header)
        kind = self._key_kind(key)
        attempts = 0
        while True:
            if pace and self.pacer:
                self.pacer.before_request()
            sent_at = self.pacer.clock() if self.pacer and kind == "configured" else None
            response = self._send(
                method, path, params, json, all_headers, content, kind, owner, written
            )
            if self.pacer:
                # The key's requests in flight are remembered (RATE-003 and sliding windows).
                self.pacer.after_response(response.headers, sent_at=sent_at)
            attempts += 1
            if response.status_code != 429 or not pace or not self.pacer:
                return response
            self.paced_429s += 1
            if attempts > MAX_429_RETRIES:
                return response
            self.pacer.wait(self.pacer.on_429(response.headers))

    def _headers(
        self, extra: dict[str, str] | None, key: bool | str, key_header: str
    ) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if key is True:
            headers[key_header] = self._api_key
        elif isinstance(key, str):
            self.redactor.add_secret(key)
            headers[key_header] = key
        headers.update(extra or {})
        for name, value in headers.items():
            if name.lower() == KEY_HEADER.lower():
                self.redactor.add_secret(value)
        return headers

    def _send(
        self,
        method: str,
        path: str,
        params: Any,
        json: Any,
        headers: dict[str, str],
        content: bytes | str | None,
        key_kind: KeyKind = "configured",
        owner: tuple[str, ...] = (),
        written: str = "",
    ) -> httpx.Response:
        if urlsplit(path).scheme:
            raise ValueError(f"paths are relative to the base URL, got {path!r}")
        request = self._http.build_request(
            method, path, params=params, json=json, headers=headers, content=content
        )
        self.requests_sent += 1
        started = time.perf_counter()
        try:
            response = self._http.send(request)
            response.read()
        except httpx.HTTPError as error:
            elapsed = (time.perf_counter() - started) * 1000
            exchange = build_exchange(request, None, self.redactor, elapsed)
            self.recorder.add(exchange)
            failure = f"{type(error).__name__}: {error}"[:200]
            row = row_for(request, None, key=key_kind, owner=owner, failure=failure)
            self.ledger.add(self._where(row, written), exchange)
            raise
        elapsed = (time.perf_counter() - started) * 1000
        exchange = build_exchange(request, response, self.redactor, elapsed)
        self.recorder.add(exchange)
        row = row_for(request, response, key=key_kind, owner=owner)
        self.ledger.add(self._where(row, written), exchange)
        return response

    def _where(self, row: LedgerRow, written: str) -> LedgerRow:
        """The row's path as for a target at the root (a gateway's mount path taken off: the
        rules read API paths), and the documented spelling the check wrote, when rerouted."""
        row.path = api_path(row.path, self._mount)
        row.written = urlsplit(written).path if written else ""
        return row

    def _key_kind(self, key: bool | str) -> KeyKind:
        if key is True or key == self._api_key:
            return "configured"
        return "other" if key else "none"

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)
