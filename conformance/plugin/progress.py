"""Progress of a run, by area: a live line on a terminal, one plain line per finished area in CI.

A pytest plugin the runner installs on the controller. It replaces pytest's per-test dots (which
say nothing about *what* is being checked) with per-area counts, e.g.

    plane-conformance: [auth 9/9] [status 14/22] [pagination 0/25] ... 23/56 checks, 1 failed

On a terminal that line is rewritten in place; otherwise a line is printed each time an area
finishes ("area pagination: 25 checks, 25 passed in 3.2 s"), so CI logs stay readable.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from pathlib import PurePath
from typing import Any, TextIO

import pytest

CHECK_PREFIX = "test_"


def area_of_nodeid(nodeid: str) -> str | None:
    """conformance/checks/test_pagination.py::test_x -> "pagination" (None for non-checks)."""
    module = PurePath(nodeid.split("::", 1)[0])
    if module.parent.name != "checks" or not module.stem.startswith(CHECK_PREFIX):
        return None
    return module.stem.removeprefix(CHECK_PREFIX)


def _category(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return "warned" if report.skipped else "passed"
    if report.failed:
        return "failed" if report.when == "call" else "error"
    return report.outcome


class AreaProgress:
    def __init__(self, stream: TextIO | None = None, live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.total: Counter[str] = Counter()
        self.done: Counter[str] = Counter()
        self.outcomes: dict[str, Counter[str]] = defaultdict(Counter)
        self.started: dict[str, float] = {}

    # -- what is there to run -----------------------------------------------------------------
    def _expect(self, nodeids: list[str]) -> None:
        if self.total:  # xdist reports each worker's (identical) collection; count it once
            return
        for nodeid in nodeids:
            area = area_of_nodeid(nodeid)
            if area:
                self.total[area] += 1

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._expect([item.nodeid for item in session.items])

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self._expect(list(ids))

    # -- replace the dots ---------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        if area_of_nodeid(report.nodeid) is None:
            return None
        if report.when == "call" or report.failed or (report.skipped and report.when == "setup"):
            category = {"warned": "xfailed"}.get(_category(report), _category(report))
            return category, "", ""
        return "", "", ""

    # -- count --------------------------------------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        area = area_of_nodeid(report.nodeid)
        if area is None:
            return
        self.started.setdefault(area, time.monotonic())
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.outcomes[area][_category(report)] += 1
        if report.when != "teardown":
            return
        self.done[area] += 1
        if self.live:
            self._draw()
        elif self.done[area] == self.total[area]:
            self._area_finished(area)

    def pytest_sessionfinish(self) -> None:
        if self.live and self.total:
            self.stream.write("\n")
            self.stream.flush()

    # -- output -------------------------------------------------------------------------------
    def status_line(self) -> str:
        parts = [f"[{area} {self.done[area]}/{n}]" for area, n in sorted(self.total.items())]
        failed = sum(c["failed"] + c["error"] for c in self.outcomes.values())
        done, total = sum(self.done.values()), sum(self.total.values())
        tail = f"{done}/{total} checks" + (f", {failed} failed" if failed else "")
        return f"plane-conformance: {' '.join(parts)} {tail}"

    def _draw(self) -> None:
        self.stream.write("\r\x1b[K" + self.status_line())
        self.stream.flush()

    def _area_finished(self, area: str) -> None:
        counts = ", ".join(f"{n} {what}" for what, n in sorted(self.outcomes[area].items()) if n)
        elapsed = time.monotonic() - self.started.get(area, time.monotonic())
        self.stream.write(
            f"plane-conformance: area {area}: {self.total[area]} checks, {counts} "
            f"in {elapsed:.1f} s\n"
        )
        self.stream.flush()
