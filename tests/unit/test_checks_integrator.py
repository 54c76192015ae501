"""The side-effect, ordering and round-trip checks driven offline against a fake project: no
failure without cause (issue 14), and the departures they exist for still caught."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from conformance.checks import test_ordering as ordering
from conformance.checks import test_roundtrip as roundtrip
from conformance.checks import test_side_effects as side
from conformance.checks._integrator import fetch, judged_elsewhere
from conformance.outcomes import NotVerified, Units
from conformance.target.client import TargetClient
from tests.unit.fake_work_items import FakeWorkItems, connect


def statuses(units: Units) -> dict[str, str]:
    return {u.unit: u.status for u in units.recorded}


def run_side_002(plane: FakeWorkItems) -> Units:
    client, scratch, _ = connect(plane)
    units = Units()
    side.test_refused_patch_changes_nothing(
        client, scratch, scratch.project_path("work-items/"), units
    )
    return units


def test_an_accepted_patch_is_not_blamed_on_the_refused_one_after_it() -> None:
    # Plane accepts the first probe (start after target); before this change the "before"
    # state was read once, so the second, refused PATCH was blamed for the first one's change.
    units = run_side_002(FakeWorkItems(patch_dates_unchecked=True))
    assert statuses(units) == {"PATCH with invalid priority": "verified"}


def test_a_refused_patch_that_changed_the_item_still_fails() -> None:
    with pytest.raises(AssertionError, match="invalid priority: answered 400 but changed"):
        run_side_002(FakeWorkItems(patch_dates_unchecked=True, patched_on_error=True))


def test_no_refused_patch_at_all_is_not_verified() -> None:
    plane = FakeWorkItems(patch_dates_unchecked=True)
    plane.problems = lambda body, **_: {}  # type: ignore[method-assign]  # accepts anything
    with pytest.raises(NotVerified, match="no invalid PATCH was refused"):
        run_side_002(plane)


def run_side_001(plane: FakeWorkItems) -> Units:
    client, scratch, _ = connect(plane)
    units = Units()
    side.test_refused_create_stores_nothing(
        client, scratch, scratch.project_path("work-items/"), units
    )
    return units


def test_an_accepted_create_is_not_a_side_effect_of_a_refused_one() -> None:
    # The unknown state is dropped and the create accepted: before this change, that item
    # made the list grow and the refused creates were blamed for it.
    units = run_side_001(FakeWorkItems(accept_unknown_state=True))
    assert statuses(units) == {
        "create with reversed dates": "verified",
        "create with invalid priority": "verified",
    }


def test_a_refused_create_stored_anyway_still_fails() -> None:
    with pytest.raises(AssertionError, match="create with reversed dates: answered 400, yet"):
        run_side_001(FakeWorkItems(stored_on_error=True))


def test_a_corrected_retry_uses_a_probe_the_target_refuses() -> None:
    plane = FakeWorkItems()
    plane.problems = (  # type: ignore[method-assign]  # dates unchecked, priority checked
        lambda body, **_: {"priority": ["bad"]} if body.get("priority") == "sometimes" else {}
    )
    client, scratch, _ = connect(plane)
    side.test_corrected_retry_creates_one_object(
        client, scratch, scratch.project_path("work-items/")
    )
    # The accepted reversed-dates probe, and the corrected retry of the refused priority probe.
    names = [item["name"] for item in plane.items.values()]
    assert len(names) == 2 and len(set(names)) == 2, names


def run_ord_001(plane: FakeWorkItems, monkeypatch: pytest.MonkeyPatch) -> Units:
    monkeypatch.setattr(ordering.time, "sleep", plane.clock.tick)  # a tick, not a wait
    client, scratch, _ = connect(plane)
    units = Units()
    ordering.test_order_by_orders_as_named(client, ordering.OrderSeed(client, scratch), units)
    return units


def test_second_resolution_timestamps_are_ordered_not_tied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Before this change, three creates within one second tied on created_at and updated_at,
    # and ORD-001 failed with "cannot compare".
    units = run_ord_001(FakeWorkItems(second_timestamps=True), monkeypatch)
    assert set(statuses(units).values()) == {"verified"} and len(units.recorded) == 12


def test_values_that_still_tie_are_not_verified_not_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plane = FakeWorkItems(second_timestamps=True)
    monkeypatch.setattr(plane.clock, "tick", lambda seconds=0.0: plane.clock.now)  # frozen
    units = run_ord_001(plane, monkeypatch)
    found = statuses(units)
    assert found["order_by=created_at"] == "not_verified"
    assert found["order_by=-updated_at"] == "not_verified"
    assert found["order_by=name"] == "verified"


def test_an_ignored_order_by_still_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    plane = FakeWorkItems()
    original = plane.listing
    plane.listing = lambda params: original(  # type: ignore[method-assign]
        params.set("order_by", "created_at")
    )
    with pytest.raises(AssertionError, match="order_by=name: listed"):
        run_ord_001(plane, monkeypatch)


class _Scratch:
    def name(self, kind: str) -> str:
        return f"plc run {kind} 1"


def test_round_trip_bodies_never_hide_the_object() -> None:
    # Plane hides drafts from reads; before this change the create sent is_draft: true and the
    # read back answered 404, failing RT-001 on a server that stored every field.
    seed: Any = object.__new__(roundtrip.Seed)
    seed.scratch, seed.me, seed.parent = _Scratch(), "u1", "p1"
    seed.labels, seed.states = ["l1", "l2"], ["s1", "s2"]
    for variant in (0, 1):
        body = roundtrip.body_for(seed, "work_item", variant)
        assert body["is_draft"] is False
        assert body["assignees"] == ["u1"]  # the key's own user, nobody else


def test_fetch_follows_a_redirect_on_the_target_and_keeps_the_query() -> None:
    seen: list[str] = []

    def redirecting(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if "/work-items/" in request.url.path:
            return httpx.Response(301, headers={"Location": "/api/v1/x/issues/"})
        if request.url.path == "/api/v1/x/away/":
            return httpx.Response(302, headers={"Location": "https://elsewhere.example/"})
        return httpx.Response(200, json={"results": []})

    client = TargetClient("http://t", "k", "ws", transport=httpx.MockTransport(redirecting))
    assert fetch(client, "/api/v1/x/work-items/", {"order_by": "name"}).status_code == 200
    assert seen[-1] == "http://t/api/v1/x/issues/?order_by=name"
    assert fetch(client, "/api/v1/x/away/").status_code == 302  # never leaves the target
    assert judged_elsewhere(httpx.Response(301, request=httpx.Request("GET", "http://t/a")))
    assert "STATUS-010" in str(
        judged_elsewhere(httpx.Response(502, request=httpx.Request("GET", "http://t/a")))
    )
    assert judged_elsewhere(httpx.Response(400, request=httpx.Request("GET", "http://t/a"))) is None


def test_a_patch_that_persisted_nothing_is_left_to_status_004() -> None:
    before = {"priority": "high", "labels": ["l1"], "name": "a"}
    sent = {"priority": "low", "labels": ["l2"]}
    assert roundtrip.persisted_nothing(before, sent, before)
    assert not roundtrip.persisted_nothing(before, sent, {**before, "priority": "low"})
    assert not roundtrip.persisted_nothing(before, {"priority": "high"}, before)  # no change meant


def test_counters_wrong_everywhere_are_not_blamed_on_the_filter() -> None:
    plane = FakeWorkItems()
    original = plane.listing

    def counts_one_more(params: httpx.QueryParams) -> httpx.Response:
        answer = original(params)
        body = answer.json()
        return httpx.Response(200, json={**body, "total_results": body["total_results"] + 1})

    plane.listing = counts_one_more  # type: ignore[method-assign]
    client, scratch, _ = connect(plane)
    units = Units()
    ordering.test_external_id_filter_narrows_results_and_counts(
        client, ordering.OrderSeed(client, scratch), units
    )
    assert statuses(units) == {"results": "verified", "total_results": "not_verified"}
