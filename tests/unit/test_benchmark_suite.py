"""The pure parts of the benchmark (benchmarks/): figures, goal verdicts, report parsing."""

from __future__ import annotations

import math

import pytest

from benchmarks import figures, peer, report

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="schemathesis">
  <testcase name="GET /a/" time="0.1">
    <failure type="failure" message="ST101">1. Test Case ID: x

- ST101 Server error

2. Test Case ID: y

- ST103 Undocumented status code

[500] Internal</failure>
  </testcase>
  <testcase name="POST /b/" time="0.1"><error message="boom">Traceback</error></testcase>
  <testcase name="GET /c/" time="0.1"/>
</testsuite></testsuites>
"""


def test_floor_is_requests_at_the_per_minute_rate() -> None:
    assert figures.floor_seconds(120, 60) == 120.0
    assert figures.floor_seconds(30, 60) == 30.0
    assert figures.floor_seconds(600, 6000) == 6.0
    assert figures.floor_after_burst_seconds(120, 60) == 60.0
    assert figures.floor_after_burst_seconds(30, 60) == 0.0


def test_ratio_guards_missing_and_zero_denominators() -> None:
    assert figures.ratio(3.0, 2.0) == 1.5
    assert figures.ratio(None, 2.0) is None
    assert figures.ratio(3.0, 0.0) is None


def test_faults_per_100_requests_uses_the_mean_run_budget() -> None:
    assert figures.per_100_requests(4, [200, 200]) == 2.0
    assert figures.per_100_requests(3, [100, 300]) == 1.5
    assert figures.per_100_requests(1, []) is None


def test_efficiency_ratio_is_infinite_when_only_ours_catches() -> None:
    assert figures.efficiency_ratio(2.0, 1.0) == 2.0
    assert figures.efficiency_ratio(1.0, 0.0) == math.inf
    assert figures.efficiency_ratio(0.0, 0.0) is None
    assert figures.efficiency_ratio(None, 1.0) is None


@pytest.mark.parametrize(
    ("value", "goal", "at_most", "expected"),
    [
        (29.9, 30, True, "PASS"),
        (30.1, 30, True, "MISS"),
        (1.5, 1.5, False, "PASS"),
        (1.49, 1.5, False, "MISS"),
        (None, 1.0, True, "n/a"),
    ],
)
def test_verdict(value: float | None, goal: float, at_most: bool, expected: str) -> None:
    assert figures.verdict(value, goal, at_most=at_most) == expected


def test_junit_signatures_name_operation_and_each_failure_kind() -> None:
    assert figures.junit_failure_signatures(JUNIT) == {
        "GET /a/ | ST101 Server error",
        "GET /a/ | ST103 Undocumented status code",
        "POST /b/ | boom",
    }


def test_cli_catches_only_with_a_finding_the_clean_run_lacks() -> None:
    clean = {"GET /a/ | ST101 Server error"}
    assert not figures.fault_caught_by_cli(clean, set(clean))
    assert not figures.fault_caught_by_cli(clean, set())
    assert figures.fault_caught_by_cli(clean, clean | {"GET /b/ | ST105 Undocumented Content-Type"})


def test_ours_catches_when_every_declared_id_is_flagged_and_one_is_new() -> None:
    assert figures.fault_caught_by_ours(("A-1", "A-2"), {"A-1": "failed", "A-2": "warned"})
    assert not figures.fault_caught_by_ours(("A-1", "A-2"), {"A-1": "failed"})
    assert not figures.fault_caught_by_ours((), {"A-1": "failed"})
    assert not figures.fault_caught_by_ours(("A-1",), {"A-1": "failed"}, clean_flagged={"A-1"})


def test_pick_closest_compares_on_a_log_scale() -> None:
    # 225 / 150 = 1.5 is closer than 400 / 225 = 1.78: the smaller run wins.
    assert figures.pick_closest(225, [("small", 150), ("big", 400)]) == ("small", 150)
    assert figures.pick_closest(300, [("small", 150), ("big", 400)]) == ("big", 400)


RESULTS = {
    "checks": [
        {
            "nodeid": "t::a",
            "area": "auth",
            "outcome": "passed",
            "duration_s": 0.5,
            "exchanges": [{"status": 200}, {"status": 429}],
        },
        {
            "nodeid": "t::b",
            "area": "pagination",
            "outcome": "failed",
            "duration_s": 2.0,
            "exchanges": [{"status": 429}, {"status": 200}, {"status": None}],
        },
        {
            "nodeid": "t::c",
            "area": "auth",
            "outcome": "error",
            "duration_s": 0.1,
            "exchanges": [{"status": 500}],
        },
    ]
}


def test_status_counts_cover_every_recorded_exchange() -> None:
    assert figures.statuses_in_results(RESULTS) == {200: 2, 429: 2, 500: 1}


def test_only_failed_checks_with_a_429_count_as_429_caused() -> None:
    assert figures.checks_hit_by_429(RESULTS) == ["t::b"]


def test_must_coverage_counts_verified_musts_and_their_verified_units() -> None:
    results = {
        "requirements": [
            {"level": "MUST", "status": "passed", "coverage": {"verified": 3}},
            {"level": "MUST", "status": "sampled", "coverage": {"verified": 2}},
            {"level": "MUST", "status": "failed", "coverage": {"verified": 4}},
            {"level": "MUST", "status": "not_selected", "coverage": {"verified": 0}},
            {"level": "SHOULD", "status": "passed", "coverage": {"verified": 9}},
        ]
    }
    assert figures.must_coverage(results) == (2, 9)


def test_requests_per_area_and_slowest_checks() -> None:
    assert figures.requests_per_area(RESULTS) == {"auth": 3, "pagination": 3}
    assert figures.slowest_checks(RESULTS, 2) == [("t::b", 2.0, 3), ("t::a", 0.5, 2)]


def test_goal_rows_mark_each_figure() -> None:
    def run(wall: float) -> dict:
        return {"measured": {"wall_s": wall}}

    collected = {
        "runs": {
            "standard w1": run(20.0),
            "standard w2": run(10.0),
            "standard w1 lat20": run(30.0),
            "standard w2 lat20": run(25.0),
        },
        "latency_ms": 20,
        "rate_limited": {
            "quick": {"floor_ratio": 1.2, "run": {**run(290.0), "checks_hit_by_429": []}},
            "standard": {"floor_ratio": 1.0, "run": {**run(700.0), "checks_hit_by_429": ["t"]}},
        },
        "peer": {"efficiency_ratio": 2.5},
    }
    marks = {goal: mark for goal, _, _, mark in report.goal_rows(collected)}
    assert marks == {
        "standard profile wall time (w1)": "MISS",
        "standard: 2 workers vs 1 speed-up": "PASS",
        "standard +20 ms: 2 workers vs 1 speed-up": "MISS",
        "quick at 60 req/min: wall time": "PASS",
        "quick at 60 req/min: wall / floor": "MISS",
        "quick at 60 req/min: failures with a 429": "PASS",
        "standard at 60 req/min: wall time": "MISS",
        "standard at 60 req/min: wall / floor": "PASS",
        "standard at 60 req/min: failures with a 429": "MISS",
        "faults caught / 100 req, ours vs CLI": "MISS",
    }


def test_cli_config_reads_the_key_from_the_environment() -> None:
    text = peer.cli_config("ws", "p-1")
    assert "${" + peer.KEY_ENV + "}" in text
    assert '"path.workspace_slug" = "ws"' in text
    assert '"path.project_id" = "p-1"' in text


def test_redact_hides_the_secret() -> None:
    assert figures.redact("key=abc123 seen", "abc123") == "key=*** seen"
