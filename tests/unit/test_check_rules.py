"""The pure rules of the auth, status, pagination, fields/expand and ratelimit checks: each
judges what its requirement says, once, and says so on the right rung (no server)."""

from __future__ import annotations

import httpx
import pytest

from conformance.checks import _walk as paging
from conformance.checks import test_auth as auth
from conformance.checks import test_fields_expand as fx
from conformance.checks import test_ratelimit as rl
from conformance.checks import test_status as st
from conformance.plugin.run_wide import is_documented_path
from conformance.spec.catalogue import catalogue
from conformance.target.pacing import is_quiet, merge_busy, next_quiet

NOW = 1_700_000_000.0
PROJECT = "/api/v1/workspaces/ws/projects/816753f7-652c-49d8-bf15-63fcd33807a0/"


# --- AUTH-003 / AUTH-005: a JSON body with a message, whatever its words ----------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"detail":"Given API token is not valid"}',  # real Plane's 403 to an unknown key
        b'{"detail":"Authentication credentials were not provided."}',
        b'{"error":"Unauthorized"}',  # no "authenticat"/"credential": the old rule failed it
        b'{"message":"Missing API key"}',
        b'{"errors":[{"code":"no_key","title":"Sign in first"}]}',
    ],
)
def test_any_json_message_says_why(body: bytes) -> None:
    assert auth.message_problems(401, "application/json", body) == []


@pytest.mark.parametrize(
    "body", [b"Unauthorized", b"{}", b'{"code": 401}', b'{"error": ""}', b"<h1>401</h1>"]
)
def test_a_refusal_without_a_json_message_fails(body: bytes) -> None:
    assert auth.message_problems(401, "text/plain", body)


def test_a_keyless_request_to_an_absent_operation_is_not_judged_by_auth_007() -> None:
    assert auth.keyless_verdict(True, 401, {"detail": "no key"}, 404, []) == ("verified", "")
    status, reason = auth.keyless_verdict(True, 404, {"error": "Page not found."}, 404, [])
    assert status == "not_verified" and "CAP-001" in reason  # was a failure before
    assert auth.keyless_verdict(False, 404, None, 404, [])[0] == "not_applicable"
    assert auth.keyless_verdict(True, 405, None, 404, [])[0] == "not_verified"
    # A target that authenticates before routing would answer 401 to the unrouted URL too.
    assert auth.keyless_verdict(True, 404, None, 401, [])[0] == "failed"
    assert auth.keyless_verdict(True, 200, [], 404, [])[0] == "failed"
    assert auth.keyless_verdict(True, 401, {"id": "p1"}, 404, ["p1"])[0] == "failed"


# --- PAG-007 / PAG-008 --------------------------------------------------------------------------


def _page(count: int, next_cursor: str = "", prev_cursor: str = "") -> paging.Page:
    body = {
        "results": [{"id": f"i{n}"} for n in range(count)],
        "next_cursor": next_cursor,
        "prev_cursor": prev_cursor,
    }
    return paging.Page(None, 200, body)


def test_default_page_size_is_read_from_a_cursor_even_on_the_last_page() -> None:
    # PAG-003 allows an empty next_cursor on the last page; before, PAG-007 failed it.
    assert paging.default_size_verdict(_page(13), 13)[0] == "not_verified"
    assert paging.default_size_verdict(_page(13, "100:1:0"), 13) == ("verified", "")
    assert paging.default_size_verdict(_page(13, "", "100:-1:1"), 13) == ("verified", "")
    # The operation pages say 20: a server that follows them conforms too.
    assert paging.default_size_verdict(_page(20, "20:1:0"), 25) == ("verified", "")
    assert paging.default_size_verdict(_page(20), 25) == ("verified", "")  # more pages follow
    assert paging.default_size_verdict(_page(13, "1000:1:0"), 13)[0] == "failed"  # real Plane
    assert paging.default_size_verdict(_page(50), 60)[0] == "failed"
    assert paging.default_size_verdict(_page(101), 101)[0] == "failed"


def test_a_page_above_the_maximum_is_judged_once() -> None:
    assert paging.over_max_verdict(400, paging.Page("x", 400, {}), 13) == ("verified", "")
    assert paging.over_max_verdict(200, _page(13, "101:1:0"), 13)[0] == "failed"
    assert paging.over_max_verdict(200, _page(101), 150)[0] == "failed"
    assert paging.over_max_verdict(200, _page(100, "100:1:0"), 150) == ("verified", "")  # clamped
    assert paging.over_max_verdict(200, _page(13), 13)[0] == "not_verified"


# --- EXP-001: judged on what the item holds ---------------------------------------------------


def test_expansion_is_judged_on_the_ids_the_item_holds() -> None:
    assert fx.ids_of("s1") == ["s1"] and fx.ids_of(["u2", "u1"]) == ["u1", "u2"]
    assert fx.ids_of({"id": "s1"}) == ["s1"] and fx.ids_of([{"id": "u1"}]) == ["u1"]
    assert fx.ids_of(None) == [] and fx.ids_of([]) == []
    expanded = {"state": {"id": "s1"}, "assignees": [{"id": "u1"}]}
    assert fx.relation_problems(expanded, "state", ["s1"]) == []
    assert fx.relation_problems(expanded, "assignees", ["u1"]) == []
    assert fx.relation_problems({"assignees": ["u1"]}, "assignees", ["u1"])
    assert fx.relation_problems({"state": "s1"}, "state", ["s1"])
    assert fx.relation_problems(expanded, "state", ["s2"])  # another state than the item holds


# --- SCHEMA-005 -------------------------------------------------------------------------------


def _refusal(status: int, body: object) -> httpx.Response:
    return httpx.Response(status, json=body, request=httpx.Request("POST", "http://t/x/"))


def test_a_documented_body_refused_for_an_undocumented_parameter_fails() -> None:
    documented = st.documented_body_fields(st.PROJECT_TEMPLATE + "cycles/")
    assert "name" in documented and "project_id" not in documented
    params = ("workspace_slug", "project_id")
    plane = _refusal(400, {"non_field_errors": ["Project ID is required"]})  # real Plane
    status, reason = st.schema005_verdict(plane, documented, params)
    assert status == "failed" and "project_id" in reason
    status, reason = st.schema005_verdict(
        _refusal(400, {"sprint_goal": ["This field is required."]}), documented, params
    )
    assert status == "failed" and "sprint_goal" in reason
    assert st.schema005_verdict(_refusal(201, {"id": "c"}), documented, params)[0] == "verified"
    # Not a refusal for an undocumented parameter: not this requirement's failure.
    taken = _refusal(400, {"name": ["A cycle with this name exists."]})
    assert st.schema005_verdict(taken, documented, params)[0] == "not_verified"
    assert st.schema005_verdict(_refusal(403, {"detail": "no"}), documented, params)[0] == "blocked"
    assert st.schema005_verdict(_refusal(500, {}), documented, params)[0] == "not_verified"


def test_a_documented_body_refused_for_a_parameter_documented_optional_fails() -> None:
    """Before: Plane v1.0.0's {"owned_by": ["This field is required."]} to the minimal cycle
    create left SCHEMA-005 not verified (owned_by is documented), though the create-cycle page
    lists owned_by as optional: a field the docs mark optional being required is a departure."""
    documented = st.documented_body_fields(st.PROJECT_TEMPLATE + "cycles/")
    params = ("workspace_slug", "project_id")
    sent = {"name": "c"}
    v100 = _refusal(400, {"owned_by": ["This field is required."]})
    status, reason = st.schema005_verdict(v100, documented, params, sent)
    assert status == "failed" and "owned_by" in reason and "optional" in reason
    # A field the body carried is what its value was refused for, not a field demanded.
    taken = _refusal(400, {"name": ["A cycle with this name exists."]})
    assert st.schema005_verdict(taken, documented, params, sent)[0] == "not_verified"


def test_status_001_accepts_the_status_a_create_page_documents() -> None:
    kinds = {kind.name: kind for kind in st.KINDS}
    assert 200 in kinds["state"].documented and 201 in kinds["state"].documented
    assert kinds["label"].documented == (201,)
    contradiction = catalogue()["STATUS-001"].contradiction
    assert contradiction and "200" in contradiction and "201" in contradiction


# --- RATE-003: a sliding window passes, a counter that never counts fails ----------------------


def _burst(
    values: list[int], resets: list[int] | None = None, step: float = 0.02
) -> list[rl.Sample]:
    resets = resets or [int(NOW) + 60] * len(values)
    return [
        rl.Sample(NOW + i * step, NOW + i * step + 0.01, value, reset)
        for i, (value, reset) in enumerate(zip(values, resets, strict=True))
    ]


def _always(a: rl.Sample, b: rl.Sample) -> bool:
    return True


def test_a_counting_window_passes_and_a_static_one_fails() -> None:
    assert rl.burst_problems(_burst([50, 49, 48, 47, 46]), _always) == ([], 4)
    assert rl.burst_problems(_burst([50, 48, 47, 47, 45]), _always)[0] == []  # other clients
    static, judged = rl.burst_problems(_burst([60] * 5), _always)
    assert judged == 4 and static and "did not count" in static[0]
    rose, _ = rl.burst_problems(_burst([45, 44, 46]), _always)
    assert rose and "rose" in rose[0]


def test_a_fixed_window_may_start_afresh() -> None:
    reset = int(NOW) + 1
    samples = _burst([2, 1, 29, 28], [reset, reset, reset + 3, reset + 3])
    assert rl.burst_problems(samples, _always) == ([], 2)


def test_a_sliding_window_that_gives_requests_back_is_not_blamed() -> None:
    # Plane: Reset = now + 60 on every answer, Remaining counts the last minute. Requests of
    # the suite's own a minute earlier fall due during the burst and Remaining rises: the old
    # rule failed this; those pairs are not judged now.
    samples = _burst([5, 7, 9, 8], [int(NOW) + 60, int(NOW) + 60, int(NOW) + 61, int(NOW) + 61])
    busy = [(NOW - 60.5, NOW - 59.0)]  # the suite was busy a minute before the burst
    problems, judged = rl.burst_problems(samples, rl.nothing_due(busy))
    assert problems == [] and judged == 0
    quiet = [(NOW - 90.0, NOW - 70.0)]
    assert rl.burst_problems(samples, rl.nothing_due(quiet))[0]  # nothing fell due: a rise


def test_a_sliding_window_counts_what_came_before_the_runs_history_as_busy(
    tmp_path: object,
) -> None:
    # CI's lane ran the suite twice within a minute: the second run's burst met the first run's
    # requests falling due ("Remaining rose from 5216 to 5217"), which its own history did not
    # know. With a sliding window, everything before the history began counts as busy.
    from pathlib import Path

    from conformance.target.pacing import Pacer

    pacer = Pacer(Path(str(tmp_path)) / "s.json", clock=lambda: NOW)
    pacer.after_response({}, sent_at=NOW - 1.0)  # the run began a second ago
    sliding = rl.known_history(pacer, sliding=True)
    assert sliding[0] == (0.0, NOW) and not is_quiet(sliding, NOW - 60, NOW - 57)
    assert is_quiet(rl.known_history(pacer, sliding=False), NOW - 60, NOW - 57)  # fixed


def test_busy_intervals_merge_and_find_the_next_quiet_stretch() -> None:
    busy = merge_busy([], NOW, NOW + 1, NOW - 75)
    busy = merge_busy(busy, NOW + 1.01, NOW + 2, NOW - 75)  # touching: merged
    busy = merge_busy(busy, NOW + 5, NOW + 6, NOW - 75)
    assert busy == [(NOW, NOW + 2), (NOW + 5, NOW + 6)]
    assert merge_busy(busy, NOW + 100, NOW + 101, NOW + 3) == [
        (NOW + 5, NOW + 6),
        (NOW + 100, NOW + 101),
    ]
    assert is_quiet(busy, NOW + 2, NOW + 5) and not is_quiet(busy, NOW + 1, NOW + 3)
    assert next_quiet(busy, NOW - 10, NOW + 20, 2.5) == NOW - 10
    assert next_quiet(busy, NOW, NOW + 20, 2.5) == NOW + 2
    assert next_quiet(busy, NOW, NOW + 20, 3.5) == NOW + 6
    assert next_quiet(busy, NOW, NOW + 1, 3.5) is None


# --- run-wide: a malformed id is no documented operation ----------------------------------------


def test_a_malformed_id_is_not_a_documented_operation() -> None:
    label = "816753f7-652c-49d8-bf15-63fcd33807a0"
    assert is_documented_path(f"{PROJECT}labels/{label}/")
    assert is_documented_path("/api/v1/users/me/")
    # Real Plane routes UUIDs only: labels/not-a-uuid/ is its unrouted 404, without rate-limit
    # headers; RATE-001/002 judged it before, as if a documented operation had answered.
    assert not is_documented_path(f"{PROJECT}labels/not-a-uuid/")


def test_rate_limit_headers_are_judged_on_authenticated_answers_only() -> None:
    from conformance.plugin.run_wide import judge_run
    from conformance.target.ledger import LedgerRow

    def row(status: int, remaining: str | None) -> LedgerRow:
        return LedgerRow(
            "GET", "/api/v1/users/me/", status, "", "application/json", True, True,
            "configured", remaining, str(int(NOW) + 30) if remaining else None, (), NOW,
        )  # fmt: skip

    # The key in a header spelling the target does not read (AUTH-008's fault): a 401 without
    # rate-limit headers authenticated nothing; RATE-001/002 judged it before.
    units = judge_run([row(200, "59"), row(401, None)], ["RATE-001", "RATE-002"])
    assert [u.status for u in units] == ["verified", "verified"]
    assert judge_run([row(403, None)], ["RATE-001"])[0].status == "failed"  # Plane's 403s


def test_a_404_is_no_api_answer_for_the_rate_limit_headers() -> None:
    from conformance.plugin.run_wide import judge_run
    from conformance.target.ledger import LedgerRow

    # Real Plane answers an operation it does not serve (Cloud pages, features/) with its
    # unrouted 404, before anything is counted: "the URL is not recognized" (docs, 404).
    unrouted = LedgerRow(
        "GET", "/api/v1/workspaces/ws/initiatives/", 404, "", "application/json", True, True,
        "configured", None, None, (), NOW,
    )  # fmt: skip
    assert judge_run([unrouted], ["RATE-001", "RATE-002"]) == []
