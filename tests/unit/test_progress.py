"""Progress by area: counts per area, a line when an area finishes, the dots replaced."""

from __future__ import annotations

import io
from types import SimpleNamespace

from conformance.plugin.progress import AreaProgress, area_of_nodeid

IDS = [
    "conformance/checks/test_auth.py::test_a",
    "conformance/checks/test_auth.py::test_b",
    "conformance/checks/test_pagination.py::test_c",
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


def test_area_is_read_from_the_check_module() -> None:
    assert area_of_nodeid(IDS[2]) == "pagination"
    assert area_of_nodeid("tests/unit/test_x.py::test_y") is None


def test_plain_mode_prints_one_line_per_finished_area() -> None:
    out = io.StringIO()
    progress = AreaProgress(out, live=False)
    progress._expect(IDS)
    progress._expect(IDS)  # a second xdist worker's collection is not counted twice
    for nodeid, outcome in zip(IDS, ["passed", "failed", "passed"], strict=True):
        for when in ("setup", "call", "teardown"):
            report = _report(nodeid, when, outcome if when == "call" else "passed")
            progress.pytest_runtest_logreport(report)  # type: ignore[arg-type]
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("plane-conformance: area auth: 2 checks, 1 failed, 1 passed")
    assert lines[1].startswith("plane-conformance: area pagination: 1 checks, 1 passed")


def test_live_mode_redraws_one_status_line() -> None:
    out = io.StringIO()
    progress = AreaProgress(out, live=True)
    progress._expect(IDS)
    progress.pytest_runtest_logreport(_report(IDS[0], "call", "failed"))  # type: ignore[arg-type]
    progress.pytest_runtest_logreport(_report(IDS[0], "teardown", "passed"))  # type: ignore[arg-type]
    assert "[auth 1/2] [pagination 0/1] 1/3 checks, 1 failed" in out.getvalue()
    assert "\n" not in out.getvalue()


def test_dots_are_replaced_for_checks_only() -> None:
    progress = AreaProgress(io.StringIO(), live=False)
    call = _report(IDS[0], "call", "passed")
    assert progress.pytest_report_teststatus(call) == ("passed", "", "")  # type: ignore[arg-type]
    other = _report("tests/unit/test_x.py::test_y", "call", "passed")
    assert progress.pytest_report_teststatus(other) is None  # type: ignore[arg-type]
