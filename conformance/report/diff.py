"""`plane-conformance diff OLD NEW`: which requirements changed status between two runs.

Regressions come first (exit 1 when there is any), then improvements, then other changes
(coverage lost or gained without a verdict on the target, suite errors turning into failures...).
Each change is one line: id, level, old → new status, the statement and the new reason. With
`--html FILE` the same comparison is also written as a self-contained page.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from conformance.report.json_io import ResultsFileError, load_json
from conformance.report.present import reason_line, status_label

# How bad a verdict is about the target; the other rungs say nothing about it and are unranked.
_BADNESS = {"passed": 0, "warned": 1, "failed": 2, "error": 2}
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
    """'regression', 'improvement' or 'other' for one status change."""
    old_rank, new_rank = _BADNESS.get(old), _BADNESS.get(new)
    if old_rank is not None and new_rank is not None:
        if new_rank > old_rank:
            return "regression"
        return "improvement" if new_rank < old_rank else "other"
    if old_rank is None and new_rank is not None:
        # Newly checked: a finding is a regression, a pass is an improvement.
        return "regression" if new_rank > 0 else "improvement"
    return "other"  # now skipped or gone: coverage changed, not the target


def _statuses(data: Mapping[str, object]) -> dict[str, dict[str, object]]:
    rows = data.get("requirements")
    return {
        str(row["id"]): row
        for row in (rows if isinstance(rows, list) else [])
        if isinstance(row, dict) and "id" in row
    }


def diff_results(old: Mapping[str, object], new: Mapping[str, object]) -> dict[str, list[Change]]:
    before, after = _statuses(old), _statuses(new)
    groups: dict[str, list[Change]] = {group: [] for group in GROUPS}
    for rid in [*after, *(r for r in before if r not in after)]:
        old_status = str(before.get(rid, {}).get("status", ABSENT))
        new_entry = after.get(rid, {})
        new_status = str(new_entry.get("status", ABSENT))
        if old_status == new_status:
            continue
        either = new_entry or before[rid]
        change = Change(
            id=rid,
            level=str(either.get("level", "")),
            old=old_status,
            new=new_status,
            reason=reason_line(str(new_entry.get("reason", "")), REASON_LIMIT),
            statement=str(either.get("statement", "")),
        )
        groups[classify(old_status, new_status)].append(change)
    for changes in groups.values():
        changes.sort(key=lambda c: c.id)
    return groups


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def change_line(change: Change) -> str:
    words = _cut(change.statement, STATEMENT_LIMIT)
    if change.reason:
        words = f"{words} — {change.reason}" if words else change.reason
    return f"  {change.id:<11}{change.level:<7}{change.arrow:<20}{words}".rstrip()


def diff_lines(groups: dict[str, list[Change]], old_target: str, new_target: str) -> list[str]:
    lines = []
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
    for line in diff_lines(groups, str(old.get("target", "")), str(new.get("target", ""))):
        print(line)
    if html:
        print(f"page: {html}")
    return 1 if groups["regression"] else 0
