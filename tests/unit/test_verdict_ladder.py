"""The status ladder: units to requirement statuses, coverage, and the run's one verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.exit_codes import (
    EXIT_FAILED,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNUSABLE,
)
from conformance.report.baseline import apply_baseline
from conformance.report.model import (
    CheckResult,
    RunResult,
    Unit,
    build_verdicts,
    verdict_of,
)
from conformance.spec.catalogue import Requirement


def _req(rid: str, level: str = "MUST") -> Requirement:
    return Requirement(rid, level, "status", "p", "h", f"rule {rid}", "c", "r")  # type: ignore[arg-type]


CATALOGUE = {r.id: r for r in (_req("A-1"), _req("A-2"), _req("S-1", "SHOULD"))}


def _check(name: str, outcome: str, reqs: tuple[str, ...] = ("A-1",), **kw: object) -> CheckResult:
    return CheckResult(
        nodeid=f"t::{name}", name=name, area="status", requirements=list(reqs),
        outcome=outcome, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _run(*checks: CheckResult) -> RunResult:
    return RunResult(
        target="http://t", started_at="2026-01-01T00:00:00+00:00", duration_s=1.0, seed=1,
        profile="quick", requests_sent=1, suite_version="x", spec_version="y", leftovers=0,
        checks=list(checks), requirements=build_verdicts(CATALOGUE, list(checks)),
    )  # fmt: skip


def _status(result: RunResult, rid: str = "A-1") -> str:
    return next(v.status for v in result.requirements if v.id == rid)


def test_one_pass_among_blocked_tests_is_not_a_pass() -> None:
    """A requirement counts as passed only when every in-scope unit was verified."""
    result = _run(_check("a", "passed"), _check("b", "blocked", message="403 on members/"))
    assert _status(result) == "blocked"
    verdict = next(v for v in result.requirements if v.id == "A-1")
    assert verdict.coverage.verified == 1 and verdict.coverage.in_scope == 2
    assert "403 on members/" in verdict.reason
    assert result.exit_code == EXIT_INCOMPLETE


@pytest.mark.parametrize(
    ("outcomes", "status"),
    [
        (("passed", "failed", "blocked"), "failed"),
        (("passed", "error", "blocked"), "error"),
        (("passed", "not_verified"), "not_verified"),
        (("passed", "not_selected"), "sampled"),
        (("not_applicable",), "not_applicable"),
        (("not_selected",), "not_selected"),
        (("passed", "not_applicable"), "passed"),
    ],
)
def test_requirement_status_is_its_worst_unit(outcomes: tuple[str, ...], status: str) -> None:
    result = _run(*(_check(f"t{i}", o) for i, o in enumerate(outcomes)))
    assert _status(result) == status


def test_explicit_units_count_each_thing_judged() -> None:
    units = [Unit("A-1", "GET /a", "verified"), Unit("A-1", "GET /b", "blocked", "402 plan")]
    result = _run(_check("a", "passed", units=units))
    verdict = next(v for v in result.requirements if v.id == "A-1")
    assert verdict.status == "blocked"
    assert (verdict.coverage.verified, verdict.coverage.in_scope) == (1, 2)
    assert verdict.reason == "GET /b: 402 plan"


def test_assertion_outside_the_units_still_fails() -> None:
    units = [Unit("A-1", "GET /a", "verified")]
    result = _run(_check("a", "failed", units=units, message="boom"))
    assert _status(result) == "failed"


def test_failed_should_is_a_warning_and_exit_0() -> None:
    result = _run(
        _check("a", "passed"), _check("b", "passed", ("A-2",)), _check("s", "failed", ("S-1",))
    )
    assert _status(result, "S-1") == "warned"
    assert verdict_of(result).exit_code == EXIT_OK
    assert verdict_of(result).warned == ("S-1",)


def test_unchecked_must_is_neutral() -> None:
    result = _run(_check("a", "passed"))
    assert _status(result, "A-2") == "not_selected"
    assert result.exit_code == EXIT_OK


def test_failed_must_exits_1_and_the_headline_says_so() -> None:
    result = _run(_check("a", "failed", message="401 expected"))
    verdict = verdict_of(result)
    assert verdict.exit_code == EXIT_FAILED and verdict.failed == ("A-1",)
    assert verdict.headline.startswith("Does not conform: 1 MUST requirement failed")


def test_interrupted_and_aborted_runs_have_no_verdict() -> None:
    result = _run(_check("a", "passed"))
    result.completion = "interrupted"
    assert verdict_of(result).exit_code == EXIT_INTERRUPTED
    assert verdict_of(result).headline.startswith("No verdict")
    result.completion, result.completion_reason = "aborted", "the target stopped answering"
    assert verdict_of(result).exit_code == EXIT_UNUSABLE
    assert "stopped answering" in verdict_of(result).headline


def test_baseline_accepts_a_status_and_the_verdict_agrees(tmp_path: Path) -> None:
    result = _run(_check("a", "failed"), _check("b", "not_verified", ("A-2",)))
    path = tmp_path / "baseline.yaml"
    path.write_text(
        "requirements:\n  - {id: A-1, reason: known}\n"
        "  - {id: A-2, status: not_verified, reason: follows from A-1}\n"
    )
    assert apply_baseline(result, path, fail_on_stale=False) == EXIT_OK
    verdict = verdict_of(result)
    assert verdict.exit_code == EXIT_OK and verdict.accepted == ("A-1", "A-2")
    assert "accepted by the baseline" in verdict.headline
    assert result.to_dict()["verdict"]["exit_code"] == EXIT_OK


def test_baseline_accepts_only_the_status_it_names(tmp_path: Path) -> None:
    result = _run(_check("a", "failed"))
    path = tmp_path / "baseline.yaml"
    path.write_text("requirements:\n  - {id: A-1, status: not_verified, reason: x}\n")
    assert apply_baseline(result, path, fail_on_stale=False) == EXIT_FAILED
    assert result.baseline is not None and result.baseline.mismatched[0].id == "A-1"


def test_round_trip_through_json_keeps_the_verdict() -> None:
    result = _run(_check("a", "blocked", message="refused"), _check("b", "passed", ("A-2",)))
    again = RunResult.from_dict(result.to_dict())
    assert verdict_of(again) == verdict_of(result)
    assert again.requirements[0].coverage == result.requirements[0].coverage


def test_scrubbing_stream_removes_the_key_even_split_across_writes() -> None:
    import io

    from conformance.report.scrub import ScrubbingStream

    sink = io.StringIO()
    stream = ScrubbingStream(sink, ["plane_api_secretvalue123"])
    stream.write("the server echoed plane_api_secret")
    stream.write("value123 back\nand Zx9-opaque is fine\n")
    stream.flush()
    assert "secretvalue123" not in sink.getvalue()
    assert "[redacted]" in sink.getvalue() and "Zx9-opaque is fine" in sink.getvalue()
