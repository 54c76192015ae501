"""Turn HTTP exchanges into redacted `Exchange` records, collected per test."""

from __future__ import annotations

import shlex
from urllib.parse import unquote

import httpx

from conformance.credentials import PLACEHOLDERS
from conformance.report.model import Exchange
from conformance.spec.templates import documented_operation
from conformance.target.ids import IdMemory
from conformance.target.redaction import Redactor

BODY_LIMIT = 4000  # characters kept of each body: enough to read, small enough to report
MAX_EXCHANGES = 400  # per test; later ones are counted but not kept


def _body(content: bytes) -> str | None:
    if not content:
        return None
    text = content.decode("utf-8", errors="replace")
    if len(text) > BODY_LIMIT:
        return text[:BODY_LIMIT] + f"... [{len(text) - BODY_LIMIT} more characters]"
    return text


def _raw_headers(headers: httpx.Headers) -> list[tuple[str, str]]:
    # raw keeps the header names as sent (AUTH-008 sends unusual casings on purpose)
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers.raw]


def _curl_quote(value: str) -> str:
    # A credential's placeholder must stay expandable by the shell, so it goes in double quotes.
    if any(placeholder in value for placeholder in PLACEHOLDERS):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`") + '"'
    return shlex.quote(value)


def curl_line(method: str, url: str, headers: dict[str, str], body: str | None) -> str:
    parts = ["curl", "-sS", "-X", method, _curl_quote(url)]
    for name, value in headers.items():
        if name.lower() in (
            "host",
            "content-length",
            "accept-encoding",
            "connection",
            "user-agent",
        ):
            continue
        parts += ["-H", _curl_quote(f"{name}: {value}")]
    if body is not None:
        parts += ["--data-raw", _curl_quote(body)]
    return " ".join(parts)


def build_exchange(
    request: httpx.Request,
    response: httpx.Response | None,
    redactor: Redactor,
    elapsed_ms: float,
    *,
    mount: str = "",
    owner: tuple[str, ...] = (),
    ids: IdMemory | None = None,
) -> Exchange:
    """The redacted record of one exchange. `mount` is the base URL's own path (a gateway's
    "/plane"), taken off before the path is matched with the documented templates; `ids` says
    where the ids the request names came from (before this answer is learned)."""
    url = redactor.text(str(request.url)) or ""
    request_headers = redactor.headers(_raw_headers(request.headers))
    request_body = redactor.text(_body(request.content))
    path = request.url.path
    if mount and path.startswith(mount + "/"):
        path = path[len(mount) :]
    match = documented_operation(request.method, path)
    params = {
        k: redactor.text(unquote(v)) or "" for k, v in (match.parameters if match else {}).items()
    }
    named = (
        ids.origins(unquote(request.url.raw_path.decode("ascii", "replace")), request_body)
        if ids
        else {}
    )
    return Exchange(
        method=request.method,
        url=url,
        request_headers=request_headers,
        request_body=request_body,
        status=response.status_code if response is not None else None,
        response_headers=redactor.headers(response.headers.items()) if response is not None else {},
        response_body=redactor.text(_body(response.content)) if response is not None else None,
        elapsed_ms=round(elapsed_ms, 1),
        curl=curl_line(request.method, url, request_headers, request_body),
        path_template=match.template if match else "",
        path_params=params,
        owner=list(owner),
        ids=dict(named),
    )


class Recorder:
    """Collects the exchanges of the test that is running; the plugin takes them at teardown."""

    def __init__(self) -> None:
        self._exchanges: list[Exchange] = []
        self.dropped = 0

    def add(self, exchange: Exchange) -> None:
        if len(self._exchanges) < MAX_EXCHANGES:
            self._exchanges.append(exchange)
        else:
            self.dropped += 1

    def take(self) -> list[Exchange]:
        """The exchanges since the last take (and forget them)."""
        taken, self._exchanges, self.dropped = self._exchanges, [], 0
        return taken
