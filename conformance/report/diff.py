"""`plane-conformance diff OLD NEW`: which requirements changed status between two runs.

Regressions come first (exit 1 when there is any), then improvements, then other changes
(coverage lost or gained without a verdict on the target, suite errors turning into failures...).
Each change is one line: id, level, old → new status, the statement and the new reason. With
`--html FILE` the same comparison is also written as a self-contained page.

An improvement needs the units judged in both runs: every unit that failed in the old run is
verified in the new one (a requirement that now *passed* has every unit verified). A requirement
verified on a sample (the quick profile) that left the failed units out, or one that was not
judged before, is an other change, not an improvement. When the runs' profiles, areas or modes
differ, the first line says so: their selections differ, so statuses may too.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from conformance.report.json_io import ResultsFileError, load_json
from conformance.report.model import CheckResult, UnitStatus, unit_statuses
from conformance.report.present import reason_line, status_label

# How bad a verdict is about the target; the other rungs say nothing about it and are unranked.
# "sampled" found nothing wrong on what it judged: as good as a pass, never an improvement alone.
_BADNESS = {"passed": 0, "sampled": 0, "warned": 1, "failed": 2, "error": 2}
# Unit statuses that say something was wrong with the target.
_BAD_UNITS = ("failed", "error")
ABSENT = "absent"
GROUPS = ("regression", "improvement", "other")
TITLES = {"regression": "Regressions", "improvement": "Improvements", "other": "Other changes"}
STATEMENT_LIMIT = 90
REASON_LIMIT = 140


@dataclass(frozen=True)
class Change:
    id: str
    level: str
    old: str
    new: str
    reason: str  # why the new status, when there is one
    statement: str = ""

    @property
    def arrow(self) -> str:
        return f"{status_label(self.old)} → {status_label(self.new)}"


def classify(old: str, new: str) -> str:
    """'regression', 'improvement' or 'other' for one status change (by status alone)."""
    old_rank, new_rank = _BADNESS.get(old), _BADNESS.get(new)
    if old_rank is not None and new_rank is not None:
        if new_rank > old_rank:
            return "regression"
        return "improvement" if new_rank < old_rank else "other"
    if old_rank is None and new_rank is not None:
        # Newly checked: a finding is a regression; a pass is news, not an improvement (nothing
        # was judged before to improve on).
        return "regression" if new_rank > 0 else "other"
    return "other"  # now skipped or gone: coverage changed, not the target


def _statuses(data: Mapping[str, object]) -> dict[str, dict[str, object]]:
    rows = data.get("requirements")
    return {
        str(row["id"]): row
        for row in (rows if isinstance(rows, list) else [])
        if isinstance(row, dict) and "id" in row
    }


def _checks(data: Mapping[str, object]) -> list[CheckResult]:
    """The checks of a results file (their units), or none when it carries none."""
    raw = data.get("checks")
    if not isinstance(raw, list):
        return []
    try:
        return [CheckResult.from_dict(c) for c in raw if isinstance(c, dict)]
    except TypeError:  # a results file of another suite version: no units to compare
        return []


def _unverified_before(entry: Mapping[str, object], checks: list[CheckResult]) -> list[str]:
    """The units that failed in a run that needed them verified since, for one requirement."""
    rows = entry.get("units")
    names = {
        str(u.get("unit", ""))
        for u in (rows if isinstance(rows, list) else [])
        if isinstance(u, dict) and u.get("status") in _BAD_UNITS
    }
    if not names and checks:
        found = unit_statuses(checks, str(entry.get("id", "")))
        names = {name for name, status in found.items() if status in _BAD_UNITS}
    return sorted(names)


def _still_unjudged(
    old_entry: Mapping[str, object],
    new_entry: Mapping[str, object],
    old_checks: list[CheckResult],
    new_checks: list[CheckResult],
) -> list[str]:
    """The units that failed in the old run and are not verified in the new one (an
    improvement needs none). A requirement that passed now has every unit verified."""
    if new_entry.get("status") == "passed":
        return []
    now: dict[str, UnitStatus] = unit_statuses(new_checks, str(new_entry.get("id", "")))
    failed = _unverified_before(old_entry, old_checks)
    if not failed:  # the old run names no failed unit: only a pass shows the fix
        return ["(the units that failed before)"]
    return [name for name in failed if now.get(name) != "verified"]


def diff_results(old: Mapping[str, object], new: Mapping[str, object]) -> dict[str, list[Change]]:
    before, after = _statuses(old), _statuses(new)
    old_checks, new_checks = _checks(old), _checks(new)
    groups: dict[str, list[Change]] = {group: [] for group in GROUPS}
    for rid in [*after, *(r for r in before if r not in after)]:
        old_status = str(before.get(rid, {}).get("status", ABSENT))
        new_entry = after.get(rid, {})
        new_status = str(new_entry.get("status", ABSENT))
        if old_status == new_status:
            continue
        either = new_entry or before[rid]
        reason = reason_line(str(new_entry.get("reason", "")), REASON_LIMIT)
        group = classify(old_status, new_status)
        if group == "improvement":
            unjudged = _still_unjudged(before[rid], new_entry, old_checks, new_checks)
            if unjudged:  # the new run did not verify what failed: not an improvement
                group = "other"
                reason = reason_line(
                    f"not an improvement: what failed before was not verified in the new run "
                    f"({', '.join(unjudged[:3])}{'…' if len(unjudged) > 3 else ''}); {reason}",
                    REASON_LIMIT,
                )
        change = Change(
            id=rid,
            level=str(either.get("level", "")),
            old=old_status,
            new=new_status,
            reason=reason,
            statement=str(either.get("statement", "")),
        )
        groups[group].append(change)
    for changes in groups.values():
        changes.sort(key=lambda c: c.id)
    return groups


def _selection(data: Mapping[str, object]) -> dict[str, str]:
    """What a run selected: its profile, areas and modes (read-only, --project)."""
    raw = data.get("extra")
    extra: Mapping[str, object] = raw if isinstance(raw, dict) else {}
    areas = extra.get("areas", "all")
    return {
        "profile": str(data.get("profile", "?")),
        "areas": ", ".join(areas) if isinstance(areas, list) else str(areas),
        "read-only": "yes" if extra.get("read_only") else "no",
        "project": str(extra.get("project_id") or "own scratch project"),
    }


def selection_differences(old: Mapping[str, object], new: Mapping[str, object]) -> list[str]:
    """'profile standard → quick', ...: how the two runs' selections differ (empty: alike)."""
    a, b = _selection(old), _selection(new)
    return [f"{key} {a[key]} → {b[key]}" for key in a if a[key] != b[key]]


def selection_note(old: Mapping[str, object], new: Mapping[str, object]) -> str:
    """The first line of a comparison of runs that selected differently, else ''."""
    differences = selection_differences(old, new)
    if not differences:
        return ""
    return (
        f"the runs selected differently ({'; '.join(differences)}): a status that changed with "
        "the selection is not a change of the target"
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def change_line(change: Change) -> str:
    words = _cut(change.statement, STATEMENT_LIMIT)
    if change.reason:
        words = f"{words} — {change.reason}" if words else change.reason
    return f"  {change.id:<11}{change.level:<7}{change.arrow:<20} {words}".rstrip()


def diff_lines(
    groups: dict[str, list[Change]], old_target: str, new_target: str, note: str = ""
) -> list[str]:
    lines = [f"note: {note}"] if note else []
    if old_target != new_target:
        lines.append(f"comparing {old_target} (old) with {new_target} (new)")
    for group in GROUPS:
        if groups[group]:
            lines.append(f"{TITLES[group]} ({len(groups[group])}):")
            lines += [change_line(c) for c in groups[group]]
    if not any(groups.values()):
        lines.append("No requirement changed status.")
    return lines


def render_diff_html(
    groups: dict[str, list[Change]],
    old: Mapping[str, object],
    new: Mapping[str, object],
    paths: list[str],
) -> str:
    environment = Environment(
        loader=PackageLoader("conformance.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("diff.html.j2").render(
        groups=[(group, TITLES[group], groups[group]) for group in GROUPS],
        regressions=len(groups["regression"]),
        note=selection_note(old, new),
        old=old,
        new=new,
        paths=paths,
    )


def diff_command(old_path: Path | str, new_path: Path | str, html: Path | str | None = None) -> int:
    """Print the status changes from OLD to NEW; 1 if anything regressed, 2 if unreadable."""
    try:
        old, new = load_json(old_path), load_json(new_path)
    except ResultsFileError as exc:
        print(f"plane-conformance: {exc}", file=sys.stderr)
        return 2
    groups = diff_results(old, new)
    if html:
        page = render_diff_html(groups, old, new, [str(old_path), str(new_path)])
        try:
            Path(html).write_text(page, encoding="utf-8")
        except OSError as exc:
            print(f"plane-conformance: cannot write {html}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    note = selection_note(old, new)
    for line in diff_lines(groups, str(old.get("target", "")), str(new.get("target", "")), note):
        print(line)
    if html:
        print(f"page: {html}")
    return 1 if groups["regression"] else 0
