"""How a stop request acts in each mode of a process (conformance.interrupts), and the *not run*
rung a run cut short gives what it never judged. The signals here are real ones, sent by the
process to itself: Python runs the handler in the main thread before the next statement."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from conformance.exit_codes import EXIT_INTERRUPTED, EXIT_TERMINATED
from conformance.interrupts import CleanupAbandoned, Interrupted, Mode, Stop
from conformance.report.model import CheckResult, CutShort, RunResult, build_verdicts, verdict_of
from conformance.spec.catalogue import Requirement


@pytest.fixture
def stop() -> Iterator[Stop]:
    with Stop().installed() as installed:
        yield installed


def _send(signum: int = signal.SIGINT) -> None:
    os.kill(os.getpid(), signum)


def test_a_signal_in_an_immediate_part_stops_there(stop: Stop) -> None:
    with pytest.raises(Interrupted):
        _send()
    assert stop.received == ["SIGINT"] and stop.signal_name == "SIGINT"


def test_an_inherited_ignored_sigint_is_taken_all_the_same() -> None:
    """A run started in the background by a script inherits SIGINT ignored."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with Stop().installed(), pytest.raises(Interrupted):
            _send()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # given back as it was
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_deferred_request_is_raised_back_in_an_immediate_part(stop: Stop) -> None:
    with pytest.raises(Interrupted):
        with stop.entered(Mode.DEFERRED):
            _send(signal.SIGTERM)
            assert stop.requested  # noted, not raised: the block finishes
        pytest.fail("not reached: raised on leaving the deferred block")
    assert stop.signal_name == "SIGTERM"


def test_a_deferred_request_is_only_read_when_the_caller_says_so(stop: Stop) -> None:
    with stop.entered(Mode.DEFERRED, raise_pending=False):
        _send()
    assert stop.requested


def test_cleanup_goes_on_after_one_request_and_stops_at_the_second(stop: Stop) -> None:
    with stop.entered(Mode.FINISHING):
        _send()
        assert not stop.abandons_cleanup
        with pytest.raises(CleanupAbandoned):
            _send()
    assert stop.abandons_cleanup and stop.received == ["SIGINT", "SIGINT"]


def test_a_delegating_process_hands_each_request_on(stop: Stop) -> None:
    forwarded: list[int] = []
    observed: list[str] = []
    stop.forward_to(forwarded.append)
    stop.when_requested(lambda: observed.append("told"))
    with stop.entered(Mode.DELEGATING):
        _send()
        _send(signal.SIGTERM)
    assert forwarded == [signal.SIGINT, signal.SIGTERM] and observed == ["told", "told"]


def _req(rid: str, area: str) -> Requirement:
    return Requirement(rid, "MUST", area, "p", "h", f"rule {rid}", "c", "r")  # type: ignore[arg-type]


def test_a_run_cut_short_shows_what_never_ran_as_not_run_not_as_not_selected() -> None:
    catalogue = {r.id: r for r in (_req("A-1", "auth"), _req("P-1", "pagination"))}
    ran = CheckResult(nodeid="t::a", name="a", area="auth", requirements=["A-1"], outcome="passed")
    cut = CutShort(("auth", "pagination"), "not run: the run was interrupted (SIGTERM)")
    verdicts = {v.id: v for v in build_verdicts(catalogue, [ran], cut)}
    assert verdicts["A-1"].status == "passed"
    assert verdicts["P-1"].status == "not_run"
    assert "interrupted" in verdicts["P-1"].reason
    # Outside the areas in scope, nothing changes: not selected.
    only_auth = {v.id: v for v in build_verdicts(catalogue, [ran], CutShort(("auth",), "x"))}
    assert only_auth["P-1"].status == "not_selected"


@pytest.mark.parametrize(
    ("name", "code"), [("SIGINT", EXIT_INTERRUPTED), ("SIGTERM", EXIT_TERMINATED)]
)
def test_an_interrupted_run_never_passes_and_says_by_which_signal(name: str, code: int) -> None:
    result = RunResult(
        target="http://t", started_at="2026-01-01T00:00:00+00:00", duration_s=1.0, seed=1,
        profile="quick", requests_sent=1, suite_version="x", spec_version="y", leftovers=0,
        checks=[], requirements=[], completion="interrupted", signal=name,
        completion_reason=f"the run was interrupted ({name}) before every check ran",
    )  # fmt: skip
    verdict = verdict_of(result)
    assert verdict.exit_code == code
    assert verdict.headline.startswith("No verdict: the run was interrupted")
