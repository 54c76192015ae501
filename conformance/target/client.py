"""The one HTTP client of the suite: credential, pacing, 429 retry, recording, redaction, counting.

Every request of the suite (checks, fixtures, preflight, cleanup) goes through `TargetClient`, so
none of those concerns can be bypassed; `client_for` is the one place a client is assembled from
a run's configuration. Tests pass an `httpx.MockTransport` to run offline.

What "no answer" means is decided here, once (docs/verdicts.md): `LOST` (no connection could be
made: the target may be gone) and `NO_ANSWER` (the target took the request and did not answer:
dropped the connection, stopped reading it, or timed out answering). Both are the target's, judged
by STATUS-010 on the ledger row they leave. Every other transport error (a request that could not be
built, the client's own connection pool) is the suite's.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TypedDict, Unpack
from urllib.parse import urlsplit

import httpx

from conformance.credentials import SECRET_HEADERS, ApiKey, Credential
from conformance.outcomes import NotSelected
from conformance.spec.scopes import operation_for
from conformance.target.ids import IdMemory
from conformance.target.ledger import (
    KeyKind,
    Ledger,
    LedgerRow,
    api_path,
    is_json_media_type,
    row_for,
)
from conformance.target.pacing import Pacer, state_path_for
from conformance.target.recording import Recorder, build_exchange
from conformance.target.redaction import Redactor
from conformance.target.routes import RouteMap

if TYPE_CHECKING:
    from conformance.report.model import Exchange
    from conformance.target.config import TargetConfig

__all__ = [
    "KEY_HEADER",
    "LOST",
    "NO_ANSWER",
    "OutsideScopes",
    "ReadOnlyViolation",
    "TargetClient",
    "client_for",
    "is_json_media_type",
]

KEY_HEADER = ApiKey.header  # the docs' header, which schemathesis's spec names
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_429_RETRIES = 5
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)

# No connection could be made: the target may be gone (the plugin probes it and aborts the run).
LOST: tuple[type[httpx.TransportError], ...] = (httpx.ConnectError, httpx.ConnectTimeout)
# The target took the request and gave no answer: it dropped the connection, stopped reading the
# request, or did not answer in time. The ledger records it, STATUS-010 judges it.
NO_ANSWER: tuple[type[httpx.TransportError], ...] = (
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.ReadTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
)

Primitive = str | int | float | bool | None
# What httpx takes as query parameters.
Params = httpx.QueryParams | Mapping[str, Primitive | Sequence[Primitive]] | str | None
# Which credential a request carries: True the configured one, False none, a string another
# secret of the same kind ("" an empty one), or another credential.
KeyChoice = bool | str | Credential


class RequestOptions(TypedDict, total=False):
    """The keyword arguments of `TargetClient.request` (and of get, post, ...)."""

    params: Params
    json: object
    headers: dict[str, str] | None
    content: bytes | str | None
    key: KeyChoice
    key_header: str | None
    pace: bool
    owner: tuple[str, ...]
    as_written: bool
    scope_probe: bool


class ReadOnlyViolation(RuntimeError):
    """A write was attempted while the run is read-only; the suite itself is at fault."""


class OutsideScopes(NotSelected):
    """The run's access token does not hold the scope of an operation a check would use as a
    step: the check is not selected (the token's scopes are the user's choice), and AUTH-010
    judges the operation's refusal on its own."""


def scope_refusal(method: str, path: str, outside_scopes: frozenset[str]) -> str | None:
    """Why the token may not be sent to `method path` (None: it may)."""
    if not outside_scopes:
        return None
    operation = operation_for(method, urlsplit(path).path)
    if operation is None or operation.key not in outside_scopes:
        return None
    needs = " or ".join(operation.requirement)
    return f"outside the access token's scopes: {operation.label} needs {needs}"


class TargetClient:
    def __init__(
        self,
        base_url: str,
        credential: Credential | str,
        workspace: str,
        *,
        transport: httpx.BaseTransport | None = None,
        pacer: Pacer | None = None,
        recorder: Recorder | None = None,
        read_only: bool = False,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        outside_scopes: frozenset[str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # A bare string is an API key (the docs' credential), as in httpx's `auth=(user, pw)`.
        self.credential = ApiKey(credential) if isinstance(credential, str) else credential
        self.workspace = workspace
        self.pacer = pacer
        self.recorder = recorder or Recorder()
        self.redactor = Redactor(self.credential)
        self.read_only = read_only
        # The scope requirements the access token does not meet (see OutsideScopes).
        self.outside_scopes = outside_scopes or frozenset()
        self.requests_sent = 0
        self.paced_429s = 0  # 429 answers to paced requests: the pacer did not prevent them
        self.ledger = Ledger()  # one row per response, for the run-wide requirements
        # The spelling of each documented path this target routes (set by the plugin once the
        # run has discovered it, conformance/target/routes.py); until then, paths as written.
        self.routes = RouteMap()
        self.ids = IdMemory()  # where the ids a request names came from (replay, reports)
        self._mount = urlsplit(self.base_url).path.rstrip("/")  # a gateway's "/plane", or ""
        self._http = httpx.Client(
            base_url=self.base_url, transport=transport, timeout=timeout, follow_redirects=False
        )

    def __repr__(self) -> str:
        return f"TargetClient({self.base_url!r}, workspace={self.workspace!r})"

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
        params: Params = None,
        json: object = None,
        headers: dict[str, str] | None = None,
        content: bytes | str | None = None,
        key: KeyChoice = True,
        key_header: str | None = None,
        pace: bool = True,
        owner: tuple[str, ...] = (),
        as_written: bool = False,
        scope_probe: bool = False,
    ) -> httpx.Response:
        """Send one request. `path` is absolute from the base URL ("/api/v1/...").

        key=True sends the configured credential, False none, a string another secret of the
        same kind (also redacted; "" an empty one), a Credential that one; key_header writes the
        header's name another way. pace=False neither waits nor retries a 429. `owner` names the
        requirements whose probe judges this response's status (so that a 5xx it provokes is
        that requirement's departure, not STATUS-010's too). A documented path goes in the
        spelling this target routes (`routes`); `as_written=True` sends it exactly as given, for
        a probe of the documented path itself (CAP-001). The configured access token is not sent
        to an operation outside its scopes (OutsideScopes), unless `scope_probe` says the request
        exists to see it refused.
        """
        method = method.upper()
        written, path = path, path if as_written else self.routes.spelling(path)
        written = written if written != path else ""  # the documented spelling, when rerouted
        if self.read_only and method not in READ_METHODS:
            raise ReadOnlyViolation(f"read-only run: refusing to send {method} {path}")
        kind = self._key_kind(key)
        if kind == "configured" and not scope_probe:
            outside = scope_refusal(method, written or path, self.outside_scopes)  # as documented
            if outside is not None:
                raise OutsideScopes(outside)
        all_headers = self._headers(headers, key, key_header)
        attempts = 0
        while True:
            if pace and self.pacer:
                self.pacer.before_request(kind)  # nothing is reserved for what is not counted
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

    def _credential_of(self, key: KeyChoice) -> Credential | None:
        if key is True:
            return self.credential
        if key is False:
            return None
        return key if isinstance(key, Credential) else self.credential.like(key)

    def _headers(
        self, extra: dict[str, str] | None, key: KeyChoice, key_header: str | None
    ) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        credential = self._credential_of(key)
        if credential is not None:
            headers.update(credential.headers(key_header))
        headers.update(extra or {})
        for name, value in headers.items():
            if name.lower() in SECRET_HEADERS:
                self.redactor.add_secret(value)
        return headers

    def _send(
        self,
        method: str,
        path: str,
        params: Params,
        json: object,
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
            exchange = self._exchange(request, None, elapsed, owner)
            self.recorder.add(exchange)
            if isinstance(error, LOST + NO_ANSWER):  # the target's: STATUS-010 judges the row
                failure = f"{type(error).__name__}: {error}"[:200]
                row = row_for(request, None, key=key_kind, owner=owner, failure=failure)
                self.ledger.add(self._where(row, written), exchange)
            raise
        elapsed = (time.perf_counter() - started) * 1000
        exchange = self._exchange(request, response, elapsed, owner)
        self.ids.learn(method, request.url.path, response.status_code, response.content)
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

    def _exchange(
        self,
        request: httpx.Request,
        response: httpx.Response | None,
        elapsed_ms: float,
        owner: tuple[str, ...],
    ) -> Exchange:
        return build_exchange(
            request,
            response,
            self.redactor,
            elapsed_ms,
            mount=self._mount,
            owner=owner,
            ids=self.ids,
        )

    def _key_kind(self, key: KeyChoice) -> KeyKind:
        credential = self._credential_of(key)
        if credential == self.credential:
            return "configured"
        return "other" if credential is not None and credential.secret else "none"

    def get(self, path: str, **options: Unpack[RequestOptions]) -> httpx.Response:
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Unpack[RequestOptions]) -> httpx.Response:
        return self.request("POST", path, **options)

    def patch(self, path: str, **options: Unpack[RequestOptions]) -> httpx.Response:
        return self.request("PATCH", path, **options)

    def put(self, path: str, **options: Unpack[RequestOptions]) -> httpx.Response:
        return self.request("PUT", path, **options)

    def delete(self, path: str, **options: Unpack[RequestOptions]) -> httpx.Response:
        return self.request("DELETE", path, **options)


def client_for(
    config: TargetConfig,
    *,
    read_only: bool | None = None,
    transport: httpx.BaseTransport | None = None,
) -> TargetClient:
    """The one way a run's client is assembled: the configured credential, the pacer whose
    budget file the run's processes share (keyed by target and credential), and the run's
    read-only flag (`read_only` overrides it: the preflight only reads), and what the run knows
    of the access token's scopes."""
    return TargetClient(
        config.base_url,
        config.credential,
        config.workspace,
        transport=transport,
        pacer=Pacer(state_path_for(config.base_url, config.credential)),
        read_only=config.read_only if read_only is None else read_only,
        outside_scopes=config.outside_scopes,
    )
