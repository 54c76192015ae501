"""Progress of a run: one live line on a terminal, a few plain lines in CI.

A pytest plugin the runner installs on the controller. It replaces pytest's per-test dots (which
say nothing about *what* is being checked) with one line that fits the terminal width and is
redrawn in place (rich's Live display):

    ━━━━━━━━━━╸━━━━━━━━  120/426 checks, 2 MUST requirements failed so far · 0:14 · pagination 12/35

Its failures are requirements, counted as the verdict counts them (`report.present`: a
requirement some check found broken, less those the baseline accepts), so the line ends on the
summary's numbers: the runner closes it with the run's final counts, the run-wide requirements
and the baseline included.

When the pacer waits for the target's rate limit, the line says so and for how long ("waiting 41 s
for the rate limit (X-RateLimit-Reset)"); the pacer announces its waits in the budget file, which
this plugin reads (the wait may happen in an xdist worker). Without a terminal (CI) it prints a
line at each quarter of the run, one per wait, and one at least every minute: a log stays short.

The display writes to its own duplicate of the stderr descriptor: pytest captures file descriptors
1 and 2 while a test runs, and the display is redrawn from a thread at any moment. What it writes
goes through the key scrubber like everything else of the run.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Generator, Mapping
from pathlib import Path, PurePath
from typing import TextIO

import pytest
from rich.console import Console, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from conformance.plugin.state import state_of
from conformance.report.model import CheckResult
from conformance.report.present import failed_text, failing_so_far
from conformance.report.scrub import ScrubbingStream
from conformance.target.pacing import announced_wait

CHECK_PREFIX = "test_"
PLAIN_STEPS = (25, 50, 75, 100)  # percent of the checks done at which CI gets a line
HEARTBEAT_S = 60.0  # CI gets a line at least this often, so a long run never looks stuck
POLL_S = 0.5  # how often waits are looked for
MIN_WAIT_SHOWN_S = 2.0  # shorter waits are not worth a line
LINE_PREFIX = "plane-conformance: "


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


def _own_stderr(secrets: tuple[str, ...]) -> TextIO:
    """A stream on a duplicate of descriptor 2, which pytest's capture does not redirect."""
    stream: TextIO = sys.stderr
    original = sys.__stderr__
    with contextlib.suppress(AttributeError, OSError, ValueError):  # no real stderr: the current
        if original is not None:
            stream = open(os.dup(original.fileno()), "w", buffering=1)  # noqa: SIM115
    return ScrubbingStream(stream, secrets)  # type: ignore[return-value]


class AreaProgress:
    def __init__(
        self,
        stream: TextIO | None = None,
        live: bool | None = None,
        *,
        pace_state: Path | None = None,
        secrets: tuple[str, ...] = (),
        clock: Callable[[], float] = time.monotonic,
        accepted: Collection[str] = (),
    ) -> None:
        self._owns_stream = stream is None
        self.stream = stream if stream is not None else _own_stderr(secrets)
        self.live = self.stream.isatty() if live is None else live
        self.pace_state = pace_state
        self.clock = clock
        self.total: Counter[str] = Counter()
        self.done: Counter[str] = Counter()
        self.outcomes: dict[str, Counter[str]] = defaultdict(Counter)
        self.started_at: float | None = None
        self.phase = ""  # what happens after the checks ("cleaning up")
        self._lock = threading.Lock()
        self._display: Live | None = None
        self._console = Console(file=self.stream, force_terminal=self.live, highlight=False)
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self._steps_printed: set[int] = set()
        self._last_line_at = 0.0
        self._waits_announced: set[float] = set()
        self.collect_errors: list[str] = []  # modules of the suite that failed to import
        # The checks finished so far (the plugin's, set at session start) and what the baseline
        # accepts: the failures the line counts are requirements.
        self.checks: Callable[[], list[CheckResult]] = list
        self.levels: Mapping[str, str] = {}
        self.accepted = frozenset(accepted)
        self._failed: tuple[int, tuple[int, int]] = (-1, (0, 0))  # (checks seen, counts)
        self.final: str | None = None  # the run's own counts, once it is over

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """In the runner's quiet mode this line replaces xdist's "bringing up nodes..." lines."""
        state = state_of(session.config)
        self.checks = lambda: state.checks
        from conformance.spec.catalogue import catalogue

        self.levels = {rid: requirement.level for rid, requirement in catalogue().items()}
        if session.config.get_verbosity() < 0:
            reporter = session.config.pluginmanager.get_plugin("terminaldistreporter")
            if reporter is not None:
                session.config.pluginmanager.unregister(reporter)
                # xdist's session also calls it directly
                reporter.write_line = reporter.rewrite = lambda *args, **kwargs: None
            # Ctrl-C: the summary's "No verdict: the run was interrupted" says it; pytest's
            # "!!! KeyboardInterrupt !!!" banner with a line of httpcore adds nothing.
            terminal = session.config.pluginmanager.get_plugin("terminalreporter")
            if terminal is not None:
                terminal._report_keyboardinterrupt = lambda: None

    # -- what is there to run -----------------------------------------------------------------
    def _expect(self, nodeids: list[str]) -> None:
        if self.total:  # xdist reports each worker's (identical) collection; count it once
            return
        for nodeid in nodeids:
            area = area_of_nodeid(nodeid)
            if area:
                self.total[area] += 1
        if self.total:
            self._start()

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            lines = str(report.longrepr).strip().splitlines()
            self.collect_errors.append(f"{report.nodeid}: {lines[-1] if lines else 'error'}")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._expect([item.nodeid for item in session.items])

    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
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
    @pytest.hookimpl(trylast=True)  # after the plugin has taken the check's outcome
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        area = area_of_nodeid(report.nodeid)
        if area is None:
            return
        with self._lock:
            if report.when == "call" or (report.when == "setup" and not report.passed):
                self.outcomes[area][_category(report)] += 1
            if report.when != "teardown":
                return
            self.done[area] += 1
        if not self.live:
            self._plain_progress()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_sessionfinish(self) -> Generator[None, None, None]:
        # The plugin deletes the scratch resources in this hook, after the last check.
        self.phase = "cleaning up the scratch resources"
        yield
        self.close()

    def pytest_unconfigure(self) -> None:
        self.close()

    # -- the display --------------------------------------------------------------------------
    def failed_text(self) -> str:
        """The requirements found broken: so far, or the run's own count once it is over."""
        if self.final is not None:
            return self.final or "no requirement failed"
        checks = self.checks()
        seen, counts = self._failed
        if seen != len(checks):
            counts = failing_so_far(checks, self.levels, self.accepted)
            self._failed = (len(checks), counts)
        return failed_text(*counts, so_far=True)

    def counts_text(self) -> str:
        done, total = sum(self.done.values()), sum(self.total.values())
        failed = self.failed_text()
        return f"{done}/{total} checks" + (f", {failed}" if failed else "")

    def _elapsed(self) -> str:
        seconds = int(self.clock() - (self.started_at or self.clock()))
        return f"{seconds // 60}:{seconds % 60:02d}"

    def _running(self) -> str:
        """The areas under way, "pagination 12/35, schema 3/36"."""
        busy = [
            f"{area} {self.done[area]}/{n}"
            for area, n in self.total.items()
            if 0 < self.done[area] < n or (self.done[area] == 0 and area in self.outcomes)
        ]
        return ", ".join(busy)

    def wait_note(self) -> str:
        if self.pace_state is None:
            return ""
        wait = announced_wait(self.pace_state)
        return wait.describe(time.time()) if wait is not None else ""

    def status_line(self) -> str:
        """The live line's words (without the bar); a wait comes first, it matters most."""
        wait = self.wait_note()
        if wait:
            return " · ".join([wait, self.counts_text(), self._elapsed()])
        parts = [self.counts_text(), self._elapsed()]
        note = self.phase or self._running()
        if note:
            parts.append(note)
        return " · ".join(parts)

    def _fit_width(self) -> None:
        """Follow the terminal's width, read on the display's own descriptor: while a test runs,
        pytest has swapped descriptors 0-2 for files, where rich would guess 80 columns."""
        with contextlib.suppress(AttributeError, OSError, ValueError):
            self._console.width = os.get_terminal_size(self.stream.fileno()).columns

    def render(self) -> RenderableType:
        self._fit_width()
        done, total = sum(self.done.values()), sum(self.total.values())
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True, overflow="ellipsis")
        line = self.status_line()
        words = Text(line, no_wrap=True, overflow="ellipsis")
        failed = self.failed_text()
        if "MUST" in failed:
            start = line.find(failed)
            words.stylize("red", start, start + len(failed))
        if line.startswith("waiting"):
            words.stylize("yellow", 0, line.find(" · "))
        bar_width = max(10, min(30, self._console.width // 5))
        grid.add_row(ProgressBar(total=max(total, 1), completed=done, width=bar_width), words)
        return grid

    def _start(self) -> None:
        self.started_at = self.clock()
        self._last_line_at = self.started_at
        if self.live:
            self._display = Live(
                get_renderable=self.render,
                console=self._console,
                refresh_per_second=4,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._display.start()
        else:
            self._watcher = threading.Thread(target=self._watch, name="plc-progress", daemon=True)
            self._watcher.start()

    def close(self, final: str | None = None) -> None:
        """Stop the display; `final` (the run's own failure counts, "" for none) is its last
        line, which a log gets as a line of its own."""
        if final is not None and self.final is None and self.started_at is not None:
            self.final = final
            self.phase = "done"
            if self._display is not None:
                self._display.refresh()
            elif not self.live:
                self._line(f"{self.counts_text()} in {self._elapsed()}")
        self._stop.set()
        if self._display is not None:
            self._display.stop()
            self._display = None
        if self._watcher is not None:
            self._watcher.join(timeout=2)
            self._watcher = None
        if self._owns_stream and not self.stream.closed:
            self.stream.flush()

    # -- plain lines (CI) ---------------------------------------------------------------------
    def _line(self, text: str) -> None:
        with self._lock:
            self.stream.write(LINE_PREFIX + text + "\n")
            self.stream.flush()
            self._last_line_at = self.clock()

    def _plain_progress(self) -> None:
        done, total = sum(self.done.values()), sum(self.total.values())
        if not total:
            return
        reached = [step for step in PLAIN_STEPS if done * 100 >= step * total]
        new = [step for step in reached if step not in self._steps_printed]
        if new:
            self._steps_printed.update(reached)
            self._line(f"{self.counts_text()} ({max(new)}%) in {self._elapsed()}")

    def _watch(self) -> None:
        """CI: announce each rate-limit wait once, and say something at least every minute."""
        while not self._stop.wait(POLL_S):
            wait = announced_wait(self.pace_state) if self.pace_state is not None else None
            now = time.time()
            if wait is not None and wait.until - now >= MIN_WAIT_SHOWN_S:
                if round(wait.until) not in self._waits_announced:
                    self._waits_announced.add(round(wait.until))
                    self._line(wait.describe(now))
                continue
            if self.clock() - self._last_line_at >= HEARTBEAT_S:
                running = self._running()
                self._line(
                    f"{self.counts_text()} in {self._elapsed()}"
                    + (f", now {running}" if running else "")
                )
