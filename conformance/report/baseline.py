"""Baselines: known departures a team has accepted, so the gate catches only new ones.

File format (YAML)::

    requirements:
      - id: PAG-009
        status: failed          # optional, default "failed"
        reason: "our proxy rewrites per_page; tracked in OPS-123"
      - id: FIELD-004
        status: not_verified    # nothing to inspect while FIELD-003 fails
        reason: "follows from FIELD-003"
        units: ["GET .../work-items/"]   # optional: the units that departed (written for you)

An entry accepts its requirement only in the status it names: a requirement that fails in
another way (a not-verified entry that now fails outright) is not accepted. An entry is *stale*
only when what it accepted is verified now, not merely no longer failing: the requirement
*passed* (every unit of its statement verified), or it was verified on a sample holding every
unit the entry names. A requirement verified on a sample that left those units out (the quick
profile), or left out of the run, does not make its entry stale: the entry is *unjudged* (listed,
never a failure).
`apply_baseline` marks the accepted verdicts and records what it did in `result.baseline`; the
run's verdict (`verdict_of`) and every reporter read both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from conformance.report.model import (
    BaselineMismatch,
    BaselineOutcome,
    BaselineRow,
    BaselineUnjudged,
    RequirementVerdict,
    RunResult,
    unit_statuses,
    verdict_of,
)
from conformance.spec.paths import specs_dir

PLACEHOLDER_REASON = "TODO: say why this is accepted (ticket, owner, deadline)"
# A baseline accepts what the target does (or what it keeps the suite from judging); a suite
# error is never acceptable.
ACCEPTABLE = ("failed", "warned", "blocked", "not_verified")
SHAPE = "of {id, status, reason}"


class BaselineError(ValueError):
    """The baseline file cannot be used; the message is one sentence for the user."""


@dataclass(frozen=True)
class BaselineEntry:
    id: str
    status: str
    reason: str
    units: tuple[str, ...] = ()  # the units that departed when the entry was written


def _entry(raw: object, path: Path | str) -> BaselineEntry:
    if not (isinstance(raw, dict) and isinstance(raw.get("id"), str)):
        raise BaselineError(f"baseline {path} must be a mapping with a `requirements` list {SHAPE}")
    status = str(raw.get("status", "failed"))
    if status not in ACCEPTABLE:
        raise BaselineError(
            f"baseline {path}: {raw['id']} has status {status!r}; a baseline accepts only "
            f"{', '.join(ACCEPTABLE)}"
        )
    units = raw.get("units", [])
    if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
        raise BaselineError(f"baseline {path}: {raw['id']} has `units` that are not unit names")
    return BaselineEntry(
        id=raw["id"], status=status, reason=str(raw.get("reason", "")), units=tuple(units)
    )


def shipped_baselines() -> dict[str, Path]:
    """The baselines that come with the suite (known departures of a release), by name."""
    folder = specs_dir() / "baselines"
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def resolve_baseline(name_or_path: Path | str) -> Path:
    """A file path as given, or the shipped baseline of that name (`--baseline plane-v1.3.1`)."""
    path = Path(name_or_path)
    if path.exists():
        return path
    return shipped_baselines().get(str(name_or_path), path)


def _yaml_problem(error: yaml.YAMLError) -> str:
    """One line: where and what (PyYAML's own message spans several lines)."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"line {mark.line + 1}: {problem}" if mark is not None else str(problem)


def load_baseline(path: Path | str) -> list[BaselineEntry]:
    path = resolve_baseline(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise BaselineError(f"baseline {path} is not valid YAML ({_yaml_problem(exc)})") from None
    if data is None:  # an empty file accepts nothing
        return []
    entries = data.get("requirements") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise BaselineError(f"baseline {path} must be a mapping with a `requirements` list {SHAPE}")
    return [_entry(raw, path) for raw in entries]


# Requirement statuses that may not have judged what an entry accepts (unless its units say so).
UNJUDGED = ("sampled", "not_selected", "not_applicable")


def _stale(entry: BaselineEntry, verdict: RequirementVerdict, result: RunResult) -> bool:
    """Whether what `entry` accepted is verified now: the requirement passed (every unit of its
    statement verified), or it was verified on a sample that holds every unit the entry names
    (an entry naming none cannot be told fixed by a sample)."""
    if verdict.status == "passed":
        return True
    if verdict.status != "sampled" or not entry.units:
        return False
    now = unit_statuses(result.checks, entry.id)
    return all(now.get(unit) == "verified" for unit in entry.units)


def apply_baseline(
    result: RunResult,
    baseline_path: Path | str,
    fail_on_stale: bool,
    entries: list[BaselineEntry] | None = None,
) -> int:
    """Mark what the baseline accepts, record it in `result.baseline`; return the exit code.

    `entries` are the baseline as loaded before the run (the runner checks the file before it
    sends a request); without them the file is read now. Stale, unjudged, mismatched and unknown
    entries are recorded for the reporters (the console summary and report.html show them).
    """
    by_id = {e.id: e for e in (entries if entries is not None else load_baseline(baseline_path))}
    outcome = BaselineOutcome(str(baseline_path), fail_on_stale=fail_on_stale)
    for verdict in result.requirements:
        entry = by_id.get(verdict.id)
        if entry is None:
            continue
        if verdict.status == entry.status:
            verdict.accepted = entry.reason or "accepted by the baseline"
            outcome.accepted.append(BaselineRow(verdict.id, entry.status, entry.reason))
        elif _stale(entry, verdict, result):
            outcome.stale.append(BaselineRow(verdict.id, entry.status, entry.reason))
        elif verdict.status in UNJUDGED:
            why = verdict.reason or "not checked in this run"
            outcome.unjudged.append(BaselineUnjudged(verdict.id, entry.status, verdict.status, why))
        else:
            outcome.mismatched.append(BaselineMismatch(verdict.id, entry.status, verdict.status))
    known = {v.id for v in result.requirements}
    outcome.unknown = sorted(rid for rid in by_id if rid not in known)
    result.baseline = outcome
    return verdict_of(result).exit_code


def _departed_units(verdict: RequirementVerdict) -> list[str]:
    """The units behind a verdict that did not pass: those in its own status."""
    rung = "failed" if verdict.status in ("failed", "warned") else verdict.status
    return sorted({u.unit for u in verdict.units if u.status == rung and u.unit})


def write_baseline(result: RunResult, path: Path | str) -> Path:
    """A baseline accepting every MUST requirement of `result` that did not pass, as it stands,
    with the units that departed (so that a later run calls an entry stale only when those very
    units are verified)."""
    entries = []
    for v in result.requirements:
        if v.level != "MUST" or v.status not in ACCEPTABLE:
            continue
        entry: dict[str, object] = {"id": v.id, "status": v.status, "reason": PLACEHOLDER_REASON}
        units = _departed_units(v)
        if units:
            entry["units"] = units
        entries.append(entry)
    header = (
        f"# plane-conformance baseline for {result.target} (run of {result.started_at}).\n"
        "# Each entry accepts one requirement in the status it names; replace every TODO with "
        "the real reason.\n"
    )
    body = yaml.safe_dump({"requirements": entries}, sort_keys=False, allow_unicode=True)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(header + body, encoding="utf-8")
    return target
