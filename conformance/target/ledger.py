"""The response ledger: one compact row per response the suite received, never capped.

"Every response" requirements (STATUS-010, HTTP-001, STATUS-009, RATE-001/002) are judged on
the whole run, across xdist workers, from these rows (conformance/checks/run_wide.py). The
evidence exchanges a test records are capped per test; the ledger is not, and keeps the full
(redacted) exchange only for a row that a run-wide rule may cite, so it stays small.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Literal

import httpx

from conformance.codec import from_wire
from conformance.report.model import Exchange

KeyKind = Literal["configured", "none", "other"]
RATE_HEADERS = ("X-RateLimit-Remaining", "X-RateLimit-Reset")


def media_type(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def is_json_media_type(value: str | None) -> bool:
    media = media_type(value)
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def body_is_json(content: bytes) -> bool:
    import json

    try:
        json.loads(content)
    except ValueError:
        return False
    return True


def api_path(path: str, mount: str) -> str:
    """`path` without the base URL's own path ("/plane/api/v1/x/" -> "/api/v1/x/")."""
    return path[len(mount) :] if mount and path.startswith(mount + "/") else path


@dataclass
class LedgerRow:
    method: str
    path: str  # the URL path as sent, without the query and the base URL's own path
    status: int | None  # None: no response (connection dropped, timed out)
    failure: str  # why there is no response, or ""
    media_type: str  # of the response, "" without a Content-Type
    has_body: bool
    body_is_json: bool
    key: KeyKind  # which key the request carried
    remaining: str | None  # X-RateLimit-Remaining as sent
    reset: str | None  # X-RateLimit-Reset as sent
    owner: tuple[str, ...]  # requirement ids whose probe judges this response's status
    at: float  # epoch seconds when the answer arrived
    test: str = ""  # the test that sent it (filled in by the plugin)
    written: str = ""  # the documented path the check wrote, when sent in another spelling
    exchange: Exchange | None = None  # kept only when a run-wide rule may cite this row

    @property
    def label(self) -> str:
        answer = self.status if self.status is not None else f"no response ({self.failure})"
        return f"{self.method} {self.path} -> {answer}"

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["owner"] = list(self.owner)
        return data

    @classmethod
    def from_dict(cls, data: object) -> LedgerRow:
        return from_wire(cls, data)


def may_be_cited(row: LedgerRow) -> bool:
    """Whether a run-wide rule could name this row as evidence (then its exchange is kept)."""
    if row.status is None or row.status >= 500:
        return True
    if row.has_body and not (is_json_media_type(row.media_type) and row.body_is_json):
        return True
    return row.key == "configured" and (row.remaining is None or row.reset is None)


def row_for(
    request: httpx.Request,
    response: httpx.Response | None,
    *,
    key: KeyKind,
    owner: tuple[str, ...],
    failure: str = "",
) -> LedgerRow:
    headers = response.headers if response is not None else httpx.Headers()
    content = response.content if response is not None else b""
    return LedgerRow(
        method=request.method,
        path=request.url.path,
        status=response.status_code if response is not None else None,
        failure=failure,
        media_type=media_type(headers.get("content-type")),
        has_body=bool(content),
        body_is_json=bool(content) and body_is_json(content),
        key=key,
        remaining=headers.get(RATE_HEADERS[0]),
        reset=headers.get(RATE_HEADERS[1]),
        owner=owner,
        at=time.time(),
    )


class Ledger:
    """The rows of this process since the plugin last took them."""

    def __init__(self) -> None:
        self._rows: list[LedgerRow] = []

    def add(self, row: LedgerRow, exchange: Exchange) -> None:
        if may_be_cited(row):
            row.exchange = exchange
        self._rows.append(row)

    def take(self) -> list[LedgerRow]:
        taken, self._rows = self._rows, []
        return taken
