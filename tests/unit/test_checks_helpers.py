"""Pure helpers of the ratelimit, fields/expand and resources checks (no server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.checks import test_fields_expand as fx
from conformance.checks import test_ratelimit as rl
from conformance.checks import test_resources as res
from conformance.outcomes import NotVerified
from conformance.target.client import TargetClient
from conformance.target.pacing import Pacer

NOW = 1_700_000_000.0


def test_remaining_must_be_a_non_negative_integer() -> None:
    assert rl.remaining_problems({rl.REMAINING: "45"}) == []
    assert rl.remaining_problems({rl.REMAINING: "0"}) == []
    assert rl.remaining_problems({}) == [f"no {rl.REMAINING} header"]
    assert rl.remaining_problems({rl.REMAINING: "-1"})
    assert rl.remaining_problems({rl.REMAINING: "4.5"})


def test_reset_must_be_epoch_seconds_within_the_hour() -> None:
    assert rl.reset_problems({rl.RESET: str(int(NOW) + 30)}, NOW) == []
    assert rl.reset_problems({rl.RESET: str(int(NOW))}, NOW + 1) == []  # clock slack
    millis = rl.reset_problems({rl.RESET: str(int(NOW + 30) * 1000)}, NOW)
    assert millis and "milliseconds" in millis[0]
    assert rl.reset_problems({rl.RESET: str(int(NOW) - 120)}, NOW)
    assert rl.reset_problems({rl.RESET: str(int(NOW) + 7200)}, NOW)
    assert rl.reset_problems({rl.RESET: "soon"}, NOW)
    assert rl.reset_problems({}, NOW)


def test_wait_seconds_prefers_retry_after() -> None:
    def throttled(headers: dict[str, str]) -> httpx.Response:
        return httpx.Response(429, headers=headers)

    assert rl.wait_seconds(throttled({"Retry-After": "7", rl.RESET: str(int(NOW) + 30)}), NOW) == 7
    assert rl.wait_seconds(throttled({rl.RESET: str(int(NOW) + 30)}), NOW) == 30
    assert rl.wait_seconds(throttled({}), NOW) == 60


def test_another_client_of_the_key_is_seen_in_the_burst() -> None:
    """RATE-003 in a sliding window: the burst is set aside for the suite, so a fall of more than
    one, or fewer left than the burst still has to send, is someone else spending the key."""

    def burst(*remaining: int | None) -> list[rl.Sample]:
        return [rl.Sample(float(i), i + 0.1, left, None) for i, left in enumerate(remaining)]

    assert rl.others_spending(burst(9, 8, 7, 6, 5)) == ""  # only the suite's own requests
    assert rl.others_spending(burst(9, None, 7, 6, 5)) == ""  # an unreadable answer is no sign
    assert "fell by 3 over 1" in rl.others_spending(burst(9, 8, 5, 4, 3))
    assert "after request 1 of a burst of 5" in rl.others_spending(burst(3, 2, 2, 1, 1))
    assert "reached 0" in rl.others_spending(burst(4, 3, 2, 1, 0))


class _SlidingServer:
    """A sliding window on a fake clock (Reset = now + 60); Remaining as the test gives it."""

    def __init__(self, remaining: Iterator[int], status: int = 200) -> None:
        self.now, self.remaining, self.status = NOW, remaining, status

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def answer(self, request: httpx.Request) -> httpx.Response:
        headers = {rl.REMAINING: str(next(self.remaining)), rl.RESET: str(int(self.now) + 60)}
        return httpx.Response(self.status, json={}, headers=headers)

    def client(self, tmp_path: Path) -> TargetClient:
        pacer = Pacer(tmp_path / "budget.json", clock=lambda: self.now, sleep=self.sleep)
        transport = httpx.MockTransport(self.answer)
        return TargetClient("http://plane.test", "key", "ws", transport=transport, pacer=pacer)


class _FixedServer(_SlidingServer):
    """A fixed window of `window` seconds on the fake clock: Reset is the current window's end."""

    def __init__(self, window: int) -> None:
        super().__init__(iter(range(10_000, 0, -1)))
        self.window = window

    def answer(self, request: httpx.Request) -> httpx.Response:
        end = (int(self.now) // self.window + 1) * self.window
        headers = {rl.REMAINING: str(next(self.remaining)), rl.RESET: str(end)}
        return httpx.Response(200, json={}, headers=headers)


def test_the_window_kind_probe_tells_a_window_that_ends_from_one_that_slides(
    tmp_path: Path,
) -> None:
    """A fixed window ending between the probe's first two answers moved its Reset once, as a
    sliding one does every time (the cause of a minute's needless wait on a 3 s window)."""
    for start in (0.0, 2.5):  # the end of the 3 s window: outside the probe, inside its first pair
        fixed = _FixedServer(window=3)
        fixed.now = NOW - NOW % 3 + start
        folder = tmp_path / f"fixed-{start}"
        folder.mkdir()
        assert not rl.sliding_window(fixed.client(folder), "/api/v1/workspaces/ws/projects/")
    sliding = _SlidingServer(iter(range(10_000, 0, -1)))
    assert rl.sliding_window(sliding.client(tmp_path), "/api/v1/workspaces/ws/projects/")


def test_a_rise_in_a_sliding_window_is_not_verified_never_failed(tmp_path: Path) -> None:
    """Another client's requests of a minute earlier falling due during the burst, with nothing
    of theirs seen in it (the CI failure "rose from 483 to 485"): not the server's departure."""
    server = _SlidingServer(iter(range(400, 600, 2)))
    with pytest.raises(NotVerified, match=r"rose from .* another client's of the same key can"):
        rl.test_remaining_decreases_within_a_window(server.client(tmp_path))


def test_a_remaining_that_does_not_count_still_fails_in_a_sliding_window(tmp_path: Path) -> None:
    server = _SlidingServer(iter([500] * 100))
    with pytest.raises(AssertionError, match="did not count 5 requests"):
        rl.test_remaining_decreases_within_a_window(server.client(tmp_path))


def test_a_window_spent_by_another_client_is_not_verified(tmp_path: Path) -> None:
    """Another client spent the whole window (the CI failure "did not count 5 requests: [0, 0,
    0, 0, 0]"): the burst is answered 429 with nothing left to count down."""
    for status in (429, 200):  # refused, or served as the one slot another client left
        server, folder = _SlidingServer(iter([0] * 100), status=status), tmp_path / str(status)
        folder.mkdir()
        with pytest.raises(NotVerified, match="no two answers of the burst could be compared"):
            rl.test_remaining_decreases_within_a_window(server.client(folder))


def test_a_burst_served_between_429s_is_not_verified(tmp_path: Path) -> None:
    """The window at its limit, another client taking every slot but a few (the loaded-machine
    failure "did not count 5 requests: [1, 1]"): the 429s in a burst set aside for the suite
    are someone else's spending."""
    answers = iter([(200, 1), (429, 0), (200, 1), (429, 0), (429, 0)] * 20)

    class _Contended(_SlidingServer):
        def answer(self, request: httpx.Request) -> httpx.Response:
            status, left = next(answers)
            headers = {rl.REMAINING: str(left), rl.RESET: str(int(self.now) + 60)}
            return httpx.Response(status, json={}, headers=headers)

    burst = [rl.Sample(float(i), i + 0.1, left, None, status) for i, (status, left) in
             enumerate([(200, 1), (429, 0), (200, 1)])]  # fmt: skip
    assert "got a 429" in rl.others_spending(burst)
    with pytest.raises(NotVerified, match="another client spends this key"):
        rl.test_remaining_decreases_within_a_window(_Contended(iter(())).client(tmp_path))


def test_key_and_expansion_problems() -> None:
    assert fx.key_problems([{"id": 1, "name": "a"}], {"id", "name"}) == []
    assert fx.key_problems([{"id": 1, "name": "a", "state": "s"}], {"id", "name"})
    assert fx.key_problems([{"id": 1}], {"id", "name"})
    assert fx.key_problems(["id"], {"id"})
    good = {"state": {"id": "s1", "name": "Todo"}, "assignees": [{"id": "u1"}]}
    assert fx.relation_problems(good, "assignees", ["u1"]) == []
    assert fx.relation_problems({**good, "assignees": [{"id": "u2"}]}, "assignees", ["u1"])


def test_refusals_and_naming() -> None:
    refused = httpx.Response(400, json={"error": "Invalid fields: no_such_field"})
    assert fx.refusal_problems(refused, "q") == []
    assert fx.naming_problems(refused, "q", "no_such_field") == []
    assert fx.naming_problems(httpx.Response(400, json={"error": "bad"}), "q", "no_such_field")
    assert fx.refusal_problems(httpx.Response(200, json={}), "q")
    assert fx.refusal_problems(httpx.Response(500, json={}), "q")


def test_cycle_dates_span_the_days_asked() -> None:
    assert res.cycle_dates(res.date(2020, 1, 6), 13) == {
        "start_date": "2020-01-06T00:00:00Z",
        "end_date": "2020-01-19T00:00:00Z",
    }


def test_a_probe_refused_for_the_key_blocks_instead_of_failing() -> None:
    from conformance.outcomes import Blocked
    from tests.unit.fake_work_items import FakeWorkItems, connect

    plane = FakeWorkItems()
    _, scratch, _ = connect(plane)
    path = scratch.project_path("work-items/")  # the project exists before the guest answers
    original = plane.create
    plane.create = lambda body: httpx.Response(  # type: ignore[method-assign]
        403, json={"detail": "You do not have permission to perform this action."}
    )
    with pytest.raises(Blocked, match=r"the key may not do this here.*403"):
        res.refused_with_400(scratch, path, {"name": "x", "priority": "sometimes"}, ("priority",))
    plane.create = original  # type: ignore[method-assign]
    odd = {"name": "x", "priority": "sometimes"}
    assert res.refused_with_400(scratch, path, odd, ("priority",)) == []
    assert res.refused_with_400(scratch, path, {"name": "x", "priority": "low"}, ("priority",))


def test_fields_and_expand_units_come_from_the_spec() -> None:
    """Every documented GET whose page offers the parameter, core and commercial, never the
    issues/ aliases (issue 20: FIELD-001 was judged on work items only)."""
    from conformance.checks._documented import offering
    from conformance.spec.openapi import load_openapi

    fields = {get.path: get for get in offering("fields")}
    core = load_openapi()["paths"]
    offered = {
        path
        for path, item in core.items()
        if "get" in item
        and "x-alias-of" not in item["get"]
        and any(p.get("$ref", "").endswith("/Fields") for p in item["get"].get("parameters", []))
    }
    assert offered <= set(fields) and not any("/issues/" in path for path in fields)
    labels = fields["/api/v1/workspaces/{workspace_slug}/projects/{project_id}/labels/"]
    assert labels.kind == "list" and labels.pair == ("id", "name") and labels.core
    relations = next(get for path, get in fields.items() if path.endswith("/relations/"))
    assert relations.kind == "detail" and relations.plain_field is None
    assert any(not get.core for get in fields.values())  # a commercial edition's page too


def test_unknown_id_units_cover_every_level_of_every_documented_get() -> None:
    from conformance.checks._documented import documented_gets, path_ids
    from conformance.checks.test_unknown_ids import level_units

    standard, quick = level_units("standard"), level_units("quick")
    expected = sum(len(path_ids(get.path)) for get in documented_gets())
    assert len(standard) == len(quick) == expected
    assert not any(why for _, _, why in standard)
    comment = "/api/v1/workspaces/{workspace_slug}/projects/{project_id}/work-items/{work_item_id}/comments/{resource_id}/"  # noqa: E501
    levels = {name: why for get, name, why in quick if get.path == comment}
    assert set(levels) == {"project_id", "work_item_id", "resource_id"}
    assert levels["resource_id"] == "" and levels["project_id"].startswith("quick profile")
