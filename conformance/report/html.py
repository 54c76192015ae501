"""report.html: one self-contained page (inline CSS and JS, nothing fetched) built from a RunResult.

The page answers "did it pass, and if not, what exactly?" in its first screen: the verdict (from
`verdict_of`, never recomputed here), then the failed MUST requirements, the incomplete ones and
the warnings, each with its statement and one-line reason and a link to its evidence. The matrix,
the evidence, the capability table and the rest follow. This module shapes the data (grouping,
one-line reasons, de-duplicated and capped exchanges) so that the Jinja2 template only lays it
out.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shlex
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from conformance.report.evidence import (
    EvidenceExchanges,
    ShownExchange,
    evidence_exchanges,
    exchange_of_finding,
    finding_id,
    stale,
)
from conformance.report.model import (
    STATUSES,
    BaselineOutcome,
    CheckResult,
    Exchange,
    JsonObject,
    RequirementVerdict,
    RunResult,
    ShapeDrift,
    verdict_of,
)
from conformance.report.present import (
    ACCEPTED,
    areas_text,
    attention_groups,
    budget_text,
    checks_run,
    clean_message,
    docs_links,
    one_line,
    partial_note,
    requirement_counts,
    short_reason,
    status_label,
    target_kind,
)

BODY_LIMIT = 3000  # characters of a body shown; the rest is cut with a note
UNITS_SHOWN = 12  # units that were not verified, listed per requirement
PROBLEM_STATUSES = ("failed", "error", "blocked", "not_verified", "warned")
LEVEL_ORDER = ("MUST", "SHOULD", "MAY")


@functools.cache
def report_template() -> Template:
    """The report's template, compiled once per process (the fault matrix's pre-imported
    interpreter compiles it before it forks its runs)."""
    return _environment().get_template("report.html.j2")


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("conformance.report", "templates"),
        autoescape=True,  # the file name ends in .j2, so select_autoescape would not match
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def readable_body(body: str | None, limit: int = BODY_LIMIT) -> str:
    """Pretty-printed when it is JSON, cut to `limit` characters with a note saying how much."""
    if not body:
        return ""
    with contextlib.suppress(ValueError):  # not JSON: shown as sent
        body = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    if len(body) > limit:
        return f"{body[:limit]}\n… ({len(body) - limit} more characters not shown)"
    return body


def _counts(statuses: list[str]) -> dict[str, int]:
    counter = Counter(statuses)
    return {status: counter[status] for status in STATUSES}


# -- evidence ----------------------------------------------------------------------------------


@dataclass
class RunView:
    """What ran, for the page's header: the target's kind, the scope, the command to copy."""

    kind: str  # "embedded reference server", "external", "not recorded"
    server: list[tuple[str, str]]  # the embedded server's faults, behaviours, variations
    command: str
    environment: list[str]
    profile: str
    areas: str
    partial: str
    budget: str
    drift: ShapeDrift | None


def run_view(result: RunResult) -> RunView:
    context = result.extra.run
    server: list[tuple[str, str]] = []
    if context is not None and context.embedded is not None:
        own = context.embedded
        server = [
            ("faults", ", ".join(own.faults) or "none"),
            ("behaviours", ", ".join(own.behaviours) or "Plane's rules (the default)"),
            ("variations", ", ".join(own.variations) or "none"),
        ]
    kind = target_kind(result).split(" (", 1)[0]
    return RunView(
        kind=kind,
        server=server,
        command=context.command if context else "",
        environment=context.environment if context else [],
        profile=result.profile,
        areas=areas_text(result),
        partial=partial_note(result),
        budget=budget_text(result),
        drift=result.extra.shape_drift,
    )


@dataclass
class FindingView:
    """A schema campaign finding as shown: its id and replay command."""

    id: str
    check: str
    message: str
    curl: str
    status: str
    replay: str
    stale: bool


@dataclass
class ExchangeView(Exchange):
    """An exchange as shown: its bodies readable, alike ones shown once with their count, its
    evidence id and replay command, and whether its curl line still answers as recorded."""

    repeats: int = 1
    evidence_id: str = ""
    replay: str = ""  # the `plane-conformance replay` command that sends it again
    stale: bool = False  # the curl line names objects the run deleted at its end


@dataclass
class EvidenceView:
    test: str
    name: str
    run_wide: bool  # the offending responses of the whole run (a run-wide rule's)
    borrowed: bool  # the requirement's probe, recorded with another check (a shared fixture)
    expected: str
    message: str  # "" when it says no more than the reason above it
    exchanges: list[ExchangeView]
    more_exchanges: int


@dataclass
class UnitRow:
    unit: str
    status: str
    reason: str
    count: int = 0


@dataclass
class ProblemView:
    verdict: RequirementVerdict
    why: str
    links: list[tuple[str, str]]
    coverage: str
    units: list[UnitRow]
    more_units: int
    evidence: list[EvidenceView]


@dataclass
class MatrixRow:
    verdict: RequirementVerdict
    label: str
    coverage: str
    coverage_detail: str
    why: str
    links: list[tuple[str, str]]
    linked: bool


def replay_command(report_dir: str, evidence_id: str) -> str:
    return f"plane-conformance replay {shlex.quote(report_dir)} {evidence_id}"


def _exchange_view(shown: ShownExchange, report_dir: str) -> ExchangeView:
    exchange = shown.exchange
    readable = replace(
        exchange,
        request_body=readable_body(exchange.request_body),
        response_body=readable_body(exchange.response_body),
    )
    return ExchangeView(
        **vars(readable),
        repeats=shown.repeats,
        evidence_id=shown.id,
        replay=replay_command(report_dir, shown.id),
        stale=stale(exchange),
    )


def _evidence_view(group: EvidenceExchanges, why: str, report_dir: str) -> EvidenceView:
    item = group.evidence
    message = clean_message(item.message)
    first = one_line(message, 10_000)
    # "Found" only when it says more than the "Why" above it; a run-wide message lists the
    # units, which the table above shows.
    repeats_why = not first or first.rstrip("…") in why or why.rstrip("…") in first
    return EvidenceView(
        test=item.test,
        name=item.test.rsplit("::", 1)[-1],
        run_wide=group.run_wide,
        borrowed=group.borrowed,
        expected=item.expected,
        message="" if group.run_wide or (repeats_why and "\n" not in message) else message,
        exchanges=[_exchange_view(shown, report_dir) for shown in group.shown],
        more_exchanges=group.more,
    )


def _units_view(verdict: RequirementVerdict, checks: set[str]) -> list[UnitRow]:
    """The units that were not verified, alike ones once with their count.

    A check that recorded no units of its own is one unit named after itself; its evidence
    block below says the same, so it is left out here.
    """
    rows: dict[tuple[str, str, str], UnitRow] = {}
    for unit in verdict.units:
        if unit.unit in checks:
            continue
        if unit.status in ("not_applicable", "not_selected") and verdict.status != unit.status:
            continue
        reason = one_line(unit.reason, 300)
        key = (unit.unit, unit.status, reason)
        rows.setdefault(key, UnitRow(unit.unit, unit.status, reason)).count += unit.count
    return list(rows.values())


def _problem_view(
    verdict: RequirementVerdict, checks: list[CheckResult], report_dir: str
) -> ProblemView:
    why = short_reason(verdict, 400)
    groups = evidence_exchanges(verdict, checks)  # the offending responses of the run first
    evidence = [_evidence_view(group, why, report_dir) for group in groups]
    units = _units_view(verdict, {e.name for e in evidence})
    return ProblemView(
        verdict=verdict,
        why=why,
        links=docs_links(verdict.source),
        coverage=verdict.coverage.describe(),
        units=units[:UNITS_SHOWN],
        more_units=max(0, len(units) - UNITS_SHOWN),
        evidence=evidence,
    )


# -- the rest of the page ----------------------------------------------------------------------


def _matrix_row(verdict: RequirementVerdict) -> MatrixRow:
    coverage = verdict.coverage
    by_status = ", ".join(
        f"{n} {status_label(s)}" for s, n in sorted(coverage.by_status.items()) if n
    )
    return MatrixRow(
        verdict=verdict,
        label=status_label(verdict.status),
        coverage=f"{coverage.verified} of {coverage.of}" if coverage.in_scope else "—",
        coverage_detail=by_status or "nothing judged",
        why=short_reason(verdict, 150) if verdict.status != "passed" else "",
        links=docs_links(verdict.source),
        linked=verdict.status in PROBLEM_STATUSES,
    )


def _schemathesis_by_operation(result: RunResult, report_dir: str) -> dict[str, list[FindingView]]:
    grouped: dict[str, list[FindingView]] = {}
    for index, finding in enumerate(result.extra.schemathesis or []):
        found = exchange_of_finding(finding, result.checks) if finding.get("curl") else None
        fid = finding_id(index)
        grouped.setdefault(str(finding.get("operation", "(unknown operation)")), []).append(
            FindingView(
                id=fid,
                check=str(finding.get("check", "")),
                message=str(finding.get("message", "")),
                curl=str(finding.get("curl", "")),
                status=str(finding.get("status", "")),
                replay=replay_command(report_dir, fid) if found is not None else "",
                stale=found is not None and stale(found),
            )
        )
    return dict(sorted(grouped.items()))


def _adaptations(rows: list[JsonObject]) -> list[str]:
    """The target adaptations (the dialect learned during the run) as sentences."""
    lines = ["; ".join(f"{k}: {v}" for k, v in row.items() if v not in ("", None)) for row in rows]
    return [line for line in lines if line]


def report_context(result: RunResult, report_dir: str = "reports") -> dict[str, object]:
    """Everything the template shows, already grouped and counted; `report_dir` is the folder
    the replay commands name (where results.json is written beside the page)."""
    verdicts = result.requirements
    verdict = verdict_of(result)
    areas = sorted({v.area for v in verdicts})
    levels = [lvl for lvl in LEVEL_ORDER if any(v.level == lvl for v in verdicts)]
    problems = [v for s in PROBLEM_STATUSES for v in verdicts if v.status == s]
    capabilities = result.capabilities
    schemathesis = _schemathesis_by_operation(result, report_dir)
    return {
        "result": result,
        "verdict": verdict,
        "attention": attention_groups(result, verdict),
        "summary": result.summary,
        "requirement_counts": requirement_counts(result),
        "checks_ran": checks_run(result),
        "run": run_view(result),
        "statuses": STATUSES,
        "status_labels": {s: status_label(s) for s in (*STATUSES, ACCEPTED)},
        "areas": areas,
        "levels": levels,
        "by_area": {a: _counts([v.status for v in verdicts if v.area == a]) for a in areas},
        "matrix": [_matrix_row(v) for v in verdicts],
        "problems": [_problem_view(v, result.checks, report_dir) for v in problems],
        "baseline": result.baseline or BaselineOutcome(),  # every attribute, for the template
        "contradictions": [v for v in verdicts if v.contradiction],
        "adaptations": _adaptations(result.extra.adaptations or []),
        "schemathesis": schemathesis,
        "schemathesis_count": sum(len(findings) for findings in schemathesis.values()),
        "capabilities": capabilities,
        "capability_counts": Counter(str(row.get("status", "")) for row in capabilities),
    }


def render_html(result: RunResult, report_dir: str = "reports") -> str:
    return report_template().render(**report_context(result, report_dir))


def write_html(result: RunResult, path: Path) -> Path:
    path.write_text(render_html(result, str(path.parent)), encoding="utf-8")
    return path
