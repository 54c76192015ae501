"""What a run prints at its end: a summary, not a log.

One line per failed or incomplete MUST requirement (id, level, statement, the one-line why), the
warnings, baseline notes, the labelled counts, the report paths and last the verdict headline
from `verdict_of` (never recomputed here). Tracebacks are pytest's business, shown only with -v.

The runner prints the summary itself (after applying a baseline); used as a plain pytest plugin,
the plugin prints it at the end of pytest's terminal summary.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

from conformance.plugin.state import state_of
from conformance.report.model import BaselineOutcome, RunResult, verdict_of
from conformance.report.present import Entry, attention_groups, check_counts, labelled_counts
from conformance.target.config import ConfigError

MAX_REQUIREMENT_LINES = 30  # beyond this, the report lists the rest
STATEMENT_LIMIT = 90
WHY_LIMIT = 160
TONE_STYLES = {
    "pass": "bold green",
    "fail": "bold red",
    "incomplete": "bold yellow",
    "interrupted": "bold",
    "aborted": "bold",
}
GROUP_STYLES = {"failed": "red", "incomplete": "yellow", "warned": "yellow"}


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = state_of(config)
    if not state.active or state.is_worker:
        return []
    with contextlib.suppress(ConfigError):
        target = state.target()
        return [
            f"plane-conformance: target {target.base_url}, workspace {target.workspace}, "
            f"profile {target.profile}, seed {target.seed}, run {target.run_id}"
        ]
    return []


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _ids(entries: list[Entry]) -> list[str]:
    """The requirement ids of entries, a merged entry giving all of its own."""
    return [rid for e in entries for rid in ([i for i, _ in e.ids] or [e.id])]


def _requirement_lines(result: RunResult, statement_limit: int) -> list[Text]:
    verdict = verdict_of(result)
    lines: list[Text] = []
    shown = 0
    hidden = 0
    for group in attention_groups(result, verdict):
        style = GROUP_STYLES.get(group.key, "")
        if group.key in ("accepted", "stale", "warned"):
            ids = ", ".join(_ids(group.entries))
            title = {
                "warned": "warnings (SHOULD/MAY not met)",
                "accepted": "accepted by the baseline",
                "stale": "stale baseline entries (they pass now; remove them)",
            }[group.key]
            lines.append(Text.assemble((f"{title}: ", style), ids))
            continue
        width = max(len(e.label) for e in group.entries) + 2
        for entry in group.entries:
            if shown >= MAX_REQUIREMENT_LINES:
                hidden += max(1, len(entry.ids))
                continue
            shown += 1
            label = ("  " + entry.label.upper()).ljust(width + 2)
            if entry.ids:
                ids = ", ".join(rid for rid, _ in entry.ids)
                body = f"{len(entry.ids)} requirements, {ids} — {entry.why}"
                lines.append(Text.assemble((label, style), body))
            else:
                statement = _cut(entry.statement, statement_limit)
                why = _cut(entry.why, WHY_LIMIT)
                lines.append(
                    Text.assemble(
                        (label, style),
                        (f"{entry.id} ", "bold"),
                        f"{entry.level}  {statement}" + (f" — {why}" if why else ""),
                    )
                )
    if hidden:
        lines.append(Text(f"  … and {hidden} more: see report.html"))
    return lines + _baseline_notes(result)


def _baseline_notes(result: RunResult) -> list[Text]:
    """Baseline entries that did not apply: another status than accepted, not judged in this
    run (sampled, not selected), unknown ids."""
    baseline = result.baseline or BaselineOutcome()
    notes = [
        f"baseline: {row.id} is {row.status.replace('_', ' ')}; the baseline accepts it "
        f"only as {row.expected.replace('_', ' ')}"
        for row in baseline.mismatched
    ]
    notes += [
        f"baseline: {row.id} not judged on what the baseline accepts "
        f"({row.status.replace('_', ' ')}: {row.why[:120]}); "
        "neither accepted nor stale"
        for row in baseline.unjudged
    ]
    if baseline.unknown:
        notes.append(f"baseline: not requirements of this suite: {', '.join(baseline.unknown)}")
    return [Text(note, "yellow") for note in notes]


def summary_lines(
    result: RunResult, report_paths: Sequence[Path] = (), width: int | None = None
) -> list[Text]:
    """The end of a run, line by line; the verdict headline last.

    `width`: the terminal's, when the lines will be cut to it; the statement then leaves room
    for the reason.
    """
    verdict = verdict_of(result)
    statement_limit = STATEMENT_LIMIT
    if width:
        statement_limit = min(STATEMENT_LIMIT, max(30, (width - 30) // 2))
    lines = _requirement_lines(result, statement_limit)
    lines.append(
        Text(
            f"requirements: {labelled_counts(result.summary)}; "
            f"checks: {labelled_counts(check_counts(result))}"
        )
    )
    lines.append(
        Text(
            f"{result.requests_sent} requests to {result.target} in {result.duration_s:.1f} s, "
            f"seed {result.seed}, leftovers {result.leftovers}"
        )
    )
    if report_paths:
        lines.append(Text(_paths_text(report_paths)))
    lines.append(
        Text(f"{verdict.headline} (exit {verdict.exit_code})", TONE_STYLES.get(verdict.tone, ""))
    )
    return lines


def _paths_text(paths: Sequence[Path]) -> str:
    """'reports in DIR: report.html, junit.xml, results.json' (full paths when folders differ)."""
    folders = {p.parent for p in paths}
    if len(folders) == 1:
        return f"reports in {folders.pop()}/: " + ", ".join(p.name for p in paths)
    return "reports: " + ", ".join(str(p) for p in paths)


def print_summary(console: Console, result: RunResult, report_paths: Sequence[Path]) -> None:
    """On a terminal each line is cut to its width; in a log it stays one (long) line."""
    terminal = console.is_terminal
    for line in summary_lines(result, report_paths, console.width if terminal else None):
        if terminal and line.plain.startswith("  "):  # a requirement: one line, cut to fit
            console.print(line, no_wrap=True, overflow="ellipsis", crop=True)
        else:
            console.print(line, soft_wrap=not terminal)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    state = state_of(config)
    if not state.active or state.is_worker or state.run_result is None:
        return
    if state.link is not None:
        return  # the runner prints the summary once it has applied the baseline
    for line in summary_lines(state.run_result, state.report_paths):
        terminalreporter.write_line(line.plain)
