"""CAP-001's probe classification: routed or not, told apart without the key and without trusting a
byte-identical 404 body (most frameworks and gateways name the path in their 404)."""

from __future__ import annotations

import httpx
import pytest

from conformance.target.unrouted import Unrouted, classify
from conformance.target.unrouted import body_without_path as without_path

WS = "/api/v1/workspaces/ws"


def answer(status: int, path: str, body: str | None = None) -> httpx.Response:
    text = body if body is not None else f'{{"error": "No route matches {path}"}}'
    return httpx.Response(status, text=text, request=httpx.Request("POST", f"http://t{path}"))


def unrouted_like(*paths: str) -> Unrouted:
    answers = [answer(404, p) for p in paths]
    return Unrouted(tuple(a.status_code for a in answers), tuple(without_path(a) for a in answers))


NOWHERE = unrouted_like(f"{WS}/plc-nowhere/", "/api/v1/plc-nowhere/x/")


def test_a_404_naming_its_path_is_absent_like_an_unrouted_url() -> None:
    """Before: only a byte-identical body meant absent, so a missing operation behind a 404 that
    names its path was counted as served, and CAP-001 passed."""
    missing = answer(404, f"{WS}/projects/p1/cycles/c9/archive/")
    assert classify(missing, NOWHERE, keyless=True).status == "absent"


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, '{"detail": "Authentication credentials were not provided."}', "served"),
        (403, '{"detail": "no"}', "served"),
        (404, '{"error": "Cycle not found"}', "served"),  # routed; the random id names nothing
        (405, '{"error": "Method not allowed"}', "absent"),
        (402, '{"error": "upgrade"}', "plan-gated"),
        (200, "[]", "served"),
    ],
)
def test_keyless_answers(status: int, body: str, expected: str) -> None:
    probe = answer(status, f"{WS}/projects/p1/cycles/", body)
    assert classify(probe, NOWHERE, keyless=True).status == expected


def test_unrouted_bodies_that_differ_from_url_to_url_leave_a_404_unknown() -> None:
    varying = Unrouted((404, 404), ('{"error": "x", "id": 1}', '{"error": "x", "id": 2}'))
    probe = answer(404, f"{WS}/projects/p1/cycles/", '{"error": "x", "id": 3}')
    assert classify(probe, varying, keyless=True).status == "unknown"
    assert not varying.stable and NOWHERE.stable and NOWHERE.all_404


def test_the_slashless_spelling_of_the_path_is_taken_out_too() -> None:
    request_path = f"{WS}/projects/p1/inbox-issues/i1"
    body = f'{{"error": "No route matches {request_path}/"}}'
    assert without_path(answer(404, request_path, body)) == without_path(answer(404, NOWHERE_PATH))


NOWHERE_PATH = f"{WS}/plc-nowhere/"
