"""`plane-conformance diff OLD NEW`: which requirements changed status between two runs.

Regressions come first (exit 1 when there is any), then improvements, then other changes
(coverage lost or gained without a verdict on the target, suite errors turning into failures...).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.report.json_io import ResultsFileError, load_json

# How bad a verdict is about the target; "skipped" and absence say nothing and are unranked.
_BADNESS = {"passed": 0, "warned": 1, "failed": 2, "error": 2}
ABSENT = "absent"


@dataclass(frozen=True)
class Change:
    id: str
    level: str
    old: str
    new: str
    reason: str  # why the new status, when there is one


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


def _statuses(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in data["requirements"] if isinstance(r, dict) and "id" in r}


def diff_results(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Change]]:
    before, after = _statuses(old), _statuses(new)
    groups: dict[str, list[Change]] = {"regression": [], "improvement": [], "other": []}
    for rid in [*after, *(r for r in before if r not in after)]:
        old_status = before.get(rid, {}).get("status", ABSENT)
        new_entry = after.get(rid, {})
        new_status = new_entry.get("status", ABSENT)
        if old_status == new_status:
            continue
        level = new_entry.get("level") or before[rid].get("level", "")
        change = Change(rid, level, old_status, new_status, new_entry.get("reason", ""))
        groups[classify(old_status, new_status)].append(change)
    return groups


def _print_group(title: str, changes: list[Change]) -> None:
    if not changes:
        return
    print(f"{title} ({len(changes)}):")
    for c in changes:
        line = f"  {c.id:<10} {c.level:<6} {c.old:>7} -> {c.new:<7}"
        print(f"{line}  {c.reason}".rstrip() if c.reason else line.rstrip())


def diff_command(old_path: Path | str, new_path: Path | str) -> int:
    """Print the status changes from OLD to NEW; 1 if anything regressed, 2 if unreadable."""
    try:
        old, new = load_json(old_path), load_json(new_path)
    except ResultsFileError as exc:
        print(f"plane-conformance: {exc}", file=sys.stderr)
        return 2
    groups = diff_results(old, new)
    _print_group("Regressions", groups["regression"])
    _print_group("Improvements", groups["improvement"])
    _print_group("Other changes", groups["other"])
    if not any(groups.values()):
        print("No requirement changed status.")
    return 1 if groups["regression"] else 0
