"""Progress: one line redrawn in place on a terminal (fitting its width), a few lines in CI, the
rate-limit wait said with its length, and the dots replaced."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from conformance.plugin import progress as progress_module
from conformance.plugin.progress import AreaProgress, area_of_nodeid
from conformance.report.model import CheckResult

IDS = [f"conformance/checks/test_auth.py::test_{n}" for n in range(6)] + [
    f"conformance/checks/test_pagination.py::test_{n}" for n in range(2)
]


def _report(nodeid: str, when: str, outcome: str) -> SimpleNamespace:
    return SimpleNamespace(
        nodeid=nodeid,
        when=when,
        outcome=outcome,
        passed=outcome == "passed",
        failed=outcome == "failed",
        skipped=outcome == "skipped",
    )


def _finish(progress: AreaProgress, nodeid: str, outcome: str = "passed") -> None:
    """One check ends: its outcome reaches the plugin (the progress line's source of checks)
    first, then its reports the progress line. A failed check broke a MUST requirement of its
    own (one per check: the line counts requirements, not checks)."""
    finished = progress.checks()
    rid = f"REQ-{len(finished)}"
    finished.append(CheckResult(nodeid, nodeid, "auth", [rid], outcome))  # type: ignore[arg-type]
    for when in ("setup", "call", "teardown"):
        report = _report(nodeid, when, outcome if when == "call" else "passed")
        progress.pytest_runtest_logreport(report)  # type: ignore[arg-type]


def _source(progress: AreaProgress, levels: dict[str, str] | None = None) -> AreaProgress:
    """The plugin's checks, as the progress line reads them during a run."""
    checks: list[CheckResult] = []
    progress.checks = lambda: checks
    progress.levels = levels or {f"REQ-{n}": "MUST" for n in range(20)}
    return progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_area_is_read_from_the_check_module() -> None:
    assert area_of_nodeid(IDS[7]) == "pagination"
    assert area_of_nodeid("tests/unit/test_x.py::test_y") is None


def test_ci_gets_a_line_per_quarter_only() -> None:
    out = io.StringIO()
    progress = _source(AreaProgress(out, live=False))
    progress._expect(IDS)
    progress._expect(IDS)  # a second xdist worker's collection is not counted twice
    for n, nodeid in enumerate(IDS):
        _finish(progress, nodeid, "failed" if n == 1 else "passed")
    # The run's own counts end the log (run-wide requirements and the baseline included).
    progress.close("2 MUST requirements failed, 1 warning")
    lines = out.getvalue().splitlines()
    steps = [line.split(" (")[1].split(")")[0] for line in lines[:-1]]
    assert steps == ["25%", "50%", "75%", "100%"]
    assert lines[0].startswith(
        "plane-conformance: 2/8 checks, 1 MUST requirement failed so far (25%) in 0:0"
    )
    assert lines[-2].startswith("plane-conformance: 8/8 checks, 1 MUST requirement failed so far")
    assert lines[-1].startswith(
        "plane-conformance: 8/8 checks, 2 MUST requirements failed, 1 warning in 0:0"
    )


def test_the_line_counts_requirements_less_those_the_baseline_accepts() -> None:
    out = io.StringIO()
    levels = {"REQ-0": "MUST", "REQ-1": "MUST", "REQ-2": "SHOULD", "REQ-3": "MUST"}
    progress = _source(AreaProgress(out, live=False, accepted={"REQ-3"}), levels)
    progress._expect(IDS)
    for nodeid in IDS[:4]:
        _finish(progress, nodeid, "failed")
    progress.checks().append(  # a second check breaking REQ-0 is the same requirement
        CheckResult("x", "x", "auth", ["REQ-0"], "failed")
    )
    assert progress.counts_text() == ("4/8 checks, 2 MUST requirements failed, 1 warning so far")
    progress.close()


def test_ci_announces_a_rate_limit_wait_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "pace.json"
    state.write_text(json.dumps({"wait_until": time.time() + 41.4,
                                 "wait_reason": "X-RateLimit-Reset"}))  # fmt: skip
    monkeypatch.setattr(progress_module, "POLL_S", 0.01)
    polled, looks = threading.Event(), [0]
    real = progress_module.announced_wait

    def counting(path: Path) -> object:
        looks[0] += 1
        if looks[0] >= 20:
            polled.set()
        return real(path)

    monkeypatch.setattr(progress_module, "announced_wait", counting)
    out = io.StringIO()
    progress = AreaProgress(out, live=False, pace_state=state)
    progress._expect(IDS)
    assert polled.wait(60)  # the watcher looked many times (an event, not a duration) ...
    progress.close()  # ... and told the wait once
    waits = [line for line in out.getvalue().splitlines() if "waiting" in line]
    assert len(waits) == 1
    assert waits[0] == "plane-conformance: waiting 41 s for the rate limit (X-RateLimit-Reset)"


def test_ci_says_something_at_least_every_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    later, looks = threading.Event(), [0]

    def clock() -> float:
        if now[0] > 1000.0:  # the watcher's looks at the clock once a minute has passed
            looks[0] += 1
            if looks[0] >= 3:  # one whole turn of the watcher at least
                later.set()
        return now[0]

    monkeypatch.setattr(progress_module, "POLL_S", 0.01)
    out = io.StringIO()
    progress = AreaProgress(out, live=False, clock=clock)
    progress._expect(IDS)
    _finish(progress, IDS[0])
    now[0] += progress_module.HEARTBEAT_S + 1
    assert later.wait(60)
    progress.close()
    assert "1/8 checks in 1:01, now auth 1/6" in out.getvalue()


def test_terminal_line_is_redrawn_in_place_and_fits_the_width(tmp_path: Path) -> None:
    out = Terminal()
    progress = _source(AreaProgress(out, live=True))
    progress._console.width = 80  # type: ignore[misc]
    progress._expect(IDS)
    for nodeid in IDS[:3]:
        _finish(progress, nodeid, "failed")
        progress._display.refresh()  # type: ignore[union-attr]
    during = out.getvalue()
    progress.close()
    assert "\n" not in during  # one line, rewritten: nothing scrolls while the run goes on
    frames = [f for f in during.split("\r") if "checks" in f]
    assert len(frames) >= 2
    visible = [_plain(f) for f in frames]
    assert all(len(line) <= 80 for line in visible)
    assert "3/8 checks, 3 MUST requirements failed so far" in visible[-1]
    assert "auth 3/6" in visible[-1]


def test_terminal_line_says_what_the_run_waits_for(tmp_path: Path) -> None:
    state = tmp_path / "pace.json"
    state.write_text(json.dumps({"wait_until": time.time() + 59.6, "wait_reason": "Retry-After"}))
    progress = AreaProgress(Terminal(), live=True, pace_state=state)
    progress._expect(IDS)
    line = progress.status_line()
    progress.close()
    assert "waiting 60 s for the rate limit (Retry-After)" in line


def test_dots_are_replaced_for_checks_only() -> None:
    progress = AreaProgress(io.StringIO(), live=False)
    call = _report(IDS[0], "call", "passed")
    assert progress.pytest_report_teststatus(call) == ("passed", "", "")  # type: ignore[arg-type]
    other = _report("tests/unit/test_x.py::test_y", "call", "passed")
    assert progress.pytest_report_teststatus(other) is None  # type: ignore[arg-type]


def _plain(frame: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", frame).strip("\n")
