"""Small helpers shared by the integrator checks (capability, roundtrip, side_effects, ordering,
shape, redirects): reading answers, walking a whole list, JSON type names, field comparison."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance.outcomes import Blocked
from conformance.target.answers import describe, json_of
from conformance.target.client import TargetClient

OK = range(200, 300)
REDIRECTS = (301, 302, 303, 307, 308)
MAX_HOPS = 3
# Fields the server maintains itself; they change on every write and are never compared.
VOLATILE = frozenset({"updated_at", "updated_by", "last_activity_at"})


__all__ = ["describe", "json_of"]  # re-exported for the integrator checks


def judged_elsewhere(response: httpx.Response) -> str | None:
    """Why an answer leaves a check nothing to inspect, naming the requirement that judges such
    answers (one departure, one verdict): a redirect that does not end (REDIR-001), a 5xx
    (STATUS-010). None when the answer is the check's own to judge."""
    if response.status_code in REDIRECTS:
        return f"{describe(response)}; judged by REDIR-001"
    if response.status_code >= 500:
        return f"{describe(response)}; judged by STATUS-010"
    return None


def require_permission(response: httpx.Response) -> None:
    """Raise Blocked when the target refused a request for the key (401/403): what the request
    was meant to probe was never judged (a guest key may read but not write)."""
    if response.status_code in (401, 403):
        raise Blocked(f"the key may not do this here: {describe(response)}")


def rows_of(body: object) -> list[dict[str, Any]]:
    """The objects of a list answer: a paginated envelope, {"issues": [...]} or a bare array."""
    if isinstance(body, dict):
        body = body.get("results", body.get("issues"))
    return [row for row in body if isinstance(row, dict)] if isinstance(body, list) else []


def fetch(
    client: TargetClient,
    path: str,
    params: dict[str, Any] | None = None,
    *,
    owner: tuple[str, ...] = (),
) -> httpx.Response:
    """GET `path`, following redirects on the target itself: a GET is safe to follow, and
    whether a documented path should redirect at all is REDIR-001's to judge, not these checks'.
    A Location without a query keeps the query asked for (a slash-appending redirect may drop
    it)."""
    response = client.get(path, params=params, owner=owner)
    base = urlsplit(client.base_url)
    for _ in range(MAX_HOPS):
        location = response.headers.get("location")
        if response.status_code not in REDIRECTS or not location:
            break
        target = urlsplit(location)
        if target.netloc and target.netloc != base.netloc:
            break  # never leave the target
        next_path = target.path.removeprefix(base.path.rstrip("/")) if base.path else target.path
        query: Any = httpx.QueryParams(target.query) if target.query else params
        response = client.get(next_path, params=query, owner=owner)
    return response


def walk_all(
    client: TargetClient, path: str, params: dict[str, Any] | None = None, *, max_pages: int = 10
) -> tuple[list[dict[str, Any]], list[httpx.Response]]:
    """Every item of a cursor-paginated list (bounded), and the answers that carried them."""
    query: dict[str, Any] = {"per_page": 100, **(params or {})}
    items: list[dict[str, Any]] = []
    answers: list[httpx.Response] = []
    for _ in range(max_pages):
        response = fetch(client, path, query)
        answers.append(response)
        body = json_of(response)
        if response.status_code != 200:
            break
        items += rows_of(body)
        if not (
            isinstance(body, dict) and body.get("next_page_results") and body.get("next_cursor")
        ):
            break
        query = {**query, "cursor": body["next_cursor"]}
    return items, answers


def json_type(value: object) -> str:
    """The JSON type of a value; integers and floats are both "number"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def same_value(sent: object, read: object) -> bool:
    """Whether a value read back is the value sent: lists as sets, dates by their day,
    numbers numerically, related objects by their id."""
    if isinstance(read, dict) and "id" in read and isinstance(sent, str):
        return str(read["id"]) == sent
    if isinstance(sent, list) and isinstance(read, list):
        ids = {str(r["id"]) if isinstance(r, dict) else str(r) for r in read}
        return ids == {str(s) for s in sent}
    if isinstance(sent, bool) or isinstance(read, bool):
        return sent is read
    if isinstance(sent, int | float) and isinstance(read, int | float):
        return float(sent) == float(read)
    if isinstance(sent, str) and isinstance(read, str) and len(sent) == 10 and sent[4] == "-":
        return read[:10] == sent  # a date may come back as a date-time of that day
    return bool(sent == read)


def differences(before: dict[str, Any], after: dict[str, Any], skip: set[str]) -> list[str]:
    """Fields whose value changed between two reads of one object (ignoring `skip`)."""
    changed = []
    for name in sorted(set(before) | set(after)):
        if name in skip or name in VOLATILE:
            continue
        if not same_value(before.get(name), after.get(name)):
            changed.append(f"{name}: {before.get(name)!r} -> {after.get(name)!r}")
    return changed
