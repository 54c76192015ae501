"""Baselines: known failing requirements a team has accepted, so the gate catches only new ones.

File format (YAML)::

    requirements:
      - id: PAG-009
        reason: "our proxy rewrites per_page; tracked in OPS-123"

`apply_baseline` records what it did in `result.extra["baseline"]` so that the reports show it;
call `write_all` after it (or again) for the reports to include it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from conformance.report.model import RunResult

PLACEHOLDER_REASON = "TODO: say why this failure is accepted (ticket, owner, deadline)"
# A baseline accepts a target's failures only; a suite error is never acceptable.
_ACCEPTABLE = ("failed",)


class BaselineError(ValueError):
    """The baseline file cannot be used; the message is one sentence for the user."""


@dataclass(frozen=True)
class BaselineEntry:
    id: str
    reason: str


def load_baseline(path: Path | str) -> list[BaselineEntry]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise BaselineError(f"baseline {path} is not valid YAML ({exc})") from None
    if data is None:  # an empty file accepts nothing
        return []
    entries = data.get("requirements") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("id"), str) for e in entries
    ):
        raise BaselineError(
            f"baseline {path} must be a mapping with a `requirements` list of {{id, reason}}"
        )
    return [BaselineEntry(id=e["id"], reason=str(e.get("reason", ""))) for e in entries]


def apply_baseline(result: RunResult, baseline_path: Path | str, fail_on_stale: bool) -> int:
    """The run's exit code with the baseline applied (0 pass, 1 fail); raises BaselineError.

    Fails when a requirement outside the baseline failed or erred, or (with fail_on_stale) when
    a baselined requirement now passes. Stale and unknown entries are printed either way.
    """
    entries = {e.id: e for e in load_baseline(baseline_path)}
    statuses = {v.id: v.status for v in result.requirements}
    accepted = [
        {"id": rid, "reason": e.reason}
        for rid, e in entries.items()
        if statuses.get(rid) in _ACCEPTABLE
    ]
    stale = [
        {"id": rid, "reason": e.reason}
        for rid, e in entries.items()
        if statuses.get(rid) == "passed"
    ]
    unknown = sorted(rid for rid in entries if rid not in statuses)
    unaccepted = [
        v.id
        for v in result.requirements
        if v.status == "error" or (v.status == "failed" and v.id not in entries)
    ]
    result.extra["baseline"] = {
        "path": str(baseline_path),
        "accepted": accepted,
        "stale": stale,
        "unknown": unknown,
        "unaccepted": unaccepted,
        "fail_on_stale": fail_on_stale,
    }
    for entry in stale:
        print(f"baseline: {entry['id']} passes now; remove it from {baseline_path}")
    for rid in unknown:
        print(f"baseline: {rid} is not a requirement of this suite", file=sys.stderr)
    if unaccepted or (fail_on_stale and stale):
        return 1
    return 0


def write_baseline(result: RunResult, path: Path | str) -> Path:
    """A baseline accepting every failing MUST requirement of `result`, reasons to be filled in."""
    entries = [
        {"id": v.id, "reason": PLACEHOLDER_REASON}
        for v in result.requirements
        if v.status == "failed" and v.level == "MUST"
    ]
    header = (
        f"# plane-conformance baseline for {result.target} (run of {result.started_at}).\n"
        "# Each entry accepts one failing requirement; replace every TODO with the real reason.\n"
    )
    body = yaml.safe_dump({"requirements": entries}, sort_keys=False, allow_unicode=True)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(header + body, encoding="utf-8")
    return target
