"""What a run prints at its end: a summary, not a log.

One entry per failed or incomplete MUST requirement (id, level, statement, the one-line why), the
warnings, baseline notes, a partial run's note, the counts (`present.counts_line`: requirements,
the numbers of the verdict's headline), the report paths and last the verdict headline from
`verdict_of` (never recomputed here). On a terminal an entry wraps under its label instead of
being cut, so the reason stays readable on 80 columns; the statement is shortened to leave it
room. In a log each entry stays one line. Tracebacks are pytest's business, shown only with -v.

The runner prints the summary itself (after applying a baseline); used as a plain pytest plugin,
the plugin prints it at the end of pytest's terminal summary.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text

from conformance.plugin.state import state_of
from conformance.report.model import BaselineOutcome, RunResult, verdict_of
from conformance.report.present import Entry, attention_groups, counts_line, partial_note
from conformance.target.config import ConfigError

MAX_REQUIREMENT_LINES = 30  # beyond this, the report lists the rest
STATEMENT_LIMIT = 90
NARROW_STATEMENT = 40  # on a narrow terminal the statement gives the reason room
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
    """The entries, each a Text whose first `label_width` characters are its label (see
    `split_label`), then the group lines (warnings, accepted, stale) and baseline notes."""
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
                lines.append(
                    Text.assemble(
                        (label, style),
                        (f"{entry.id} ", "bold"),
                        f"{entry.level}  {statement}" + (f" — {entry.why}" if entry.why else ""),
                    )
                )
    if hidden:
        lines.append(Text(f"  … and {hidden} more: see report.html"))
    return lines + _baseline_notes(result)


def split_label(line: Text) -> tuple[Text, Text] | None:
    """An entry's label ("  NOT VERIFIED  ") and the rest; None for any other line. A label may
    hold two words; it ends with its padding (two spaces or more), before the requirement id."""
    plain = line.plain
    padding = plain.find("  ", 2)
    if not plain.startswith("  ") or plain.startswith("  …") or padding == -1:
        return None
    end = len(plain) - len(plain[padding:].lstrip(" "))
    return line[:end], line[end:]


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
        statement_limit = min(STATEMENT_LIMIT, max(NARROW_STATEMENT, (width - 30) // 2))
    lines = _requirement_lines(result, statement_limit)
    partial = partial_note(result)
    if partial:
        lines.append(Text(partial, "yellow"))
    lines.append(Text(counts_line(result)))
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
    """On a terminal an entry wraps under its label (the reason is never cut) and other lines
    wrap at the width; in a log each stays one (long) line."""
    terminal = console.is_terminal
    for line in summary_lines(result, report_paths, console.width if terminal else None):
        parts = split_label(line) if terminal else None
        if parts is None:
            console.print(line, soft_wrap=not terminal)
            continue
        grid = Table.grid()
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        grid.add_row(*parts)
        console.print(grid)


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
