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
import json
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined

from conformance.report.model import (
    STATUSES,
    BaselineOutcome,
    Evidence,
    Exchange,
    JsonObject,
    RequirementVerdict,
    RunResult,
    verdict_of,
)
from conformance.report.present import (
    attention_groups,
    check_counts,
    clean_message,
    docs_links,
    one_line,
    short_reason,
    status_label,
)

BODY_LIMIT = 3000  # characters of a body shown; the rest is cut with a note
EXCHANGES_SHOWN = 4  # distinct exchanges shown per piece of evidence; the rest are counted
UNITS_SHOWN = 12  # units that were not verified, listed per requirement
PROBLEM_STATUSES = ("failed", "error", "blocked", "not_verified", "warned")
LEVEL_ORDER = ("MUST", "SHOULD", "MAY")
RUN_WIDE_PREFIX = "run-wide::"


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
class ExchangeView(Exchange):
    """An exchange as shown: its bodies readable, alike ones shown once with their count."""

    repeats: int = 1


@dataclass
class EvidenceView:
    test: str
    name: str
    run_wide: bool  # the offending responses of the whole run (a run-wide rule's)
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


def _exchange_view(exchange: Exchange, repeats: int) -> ExchangeView:
    shown = replace(
        exchange,
        request_body=readable_body(exchange.request_body),
        response_body=readable_body(exchange.response_body),
    )
    return ExchangeView(**vars(shown), repeats=repeats)


def telling_exchanges(exchanges: list[Exchange], message: str) -> list[ExchangeView]:
    """The exchanges that show the departure: those the message names first, alike ones once.

    A check records every exchange of its test; the ones its message names (by path) are the
    ones that broke the rule. Identical exchanges (same method, URL and status) are shown once,
    with how often they occurred.
    """
    groups: dict[tuple[str, str, int | None], list[Exchange]] = {}
    for exchange in exchanges:
        groups.setdefault((exchange.method, exchange.url, exchange.status), []).append(exchange)

    def named(key: tuple[str, str, int | None]) -> bool:
        path = urlsplit(key[1]).path
        return bool(path) and path in message

    ordered = sorted(groups, key=lambda k: not named(k))  # stable: recorded order otherwise
    return [_exchange_view(groups[key][0], len(groups[key])) for key in ordered]


def _evidence_view(item: Evidence, why: str) -> EvidenceView:
    message = clean_message(item.message)
    exchanges = telling_exchanges(item.exchanges, message)
    run_wide = item.test.startswith(RUN_WIDE_PREFIX)
    first = one_line(message, 10_000)
    # "Found" only when it says more than the "Why" above it; a run-wide message lists the
    # units, which the table above shows.
    repeats_why = not first or first.rstrip("…") in why or why.rstrip("…") in first
    return EvidenceView(
        test=item.test,
        name=item.test.rsplit("::", 1)[-1],
        run_wide=run_wide,
        expected=item.expected,
        message="" if run_wide or (repeats_why and "\n" not in message) else message,
        exchanges=exchanges[:EXCHANGES_SHOWN],
        more_exchanges=sum(x.repeats for x in exchanges[EXCHANGES_SHOWN:]),
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


def _problem_view(verdict: RequirementVerdict) -> ProblemView:
    why = short_reason(verdict, 400)
    evidence = [_evidence_view(item, why) for item in verdict.evidence]
    evidence.sort(key=lambda e: not e.run_wide)  # the offending responses of the whole run
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


def _schemathesis_by_operation(findings: list[JsonObject]) -> dict[str, list[JsonObject]]:
    grouped: dict[str, list[JsonObject]] = {}
    for finding in findings:
        grouped.setdefault(str(finding.get("operation", "(unknown operation)")), []).append(
            {key: finding.get(key, "") for key in ("check", "message", "curl", "status")}
        )
    return dict(sorted(grouped.items()))


def _adaptations(rows: list[JsonObject]) -> list[str]:
    """The target adaptations (the dialect learned during the run) as sentences."""
    lines = ["; ".join(f"{k}: {v}" for k, v in row.items() if v not in ("", None)) for row in rows]
    return [line for line in lines if line]


def report_context(result: RunResult) -> dict[str, object]:
    """Everything the template shows, already grouped and counted."""
    verdicts = result.requirements
    verdict = verdict_of(result)
    areas = sorted({v.area for v in verdicts})
    levels = [lvl for lvl in LEVEL_ORDER if any(v.level == lvl for v in verdicts)]
    problems = [v for s in PROBLEM_STATUSES for v in verdicts if v.status == s]
    capabilities = result.capabilities
    schemathesis = _schemathesis_by_operation(result.extra.schemathesis or [])
    return {
        "result": result,
        "verdict": verdict,
        "attention": attention_groups(result, verdict),
        "summary": result.summary,
        "check_counts": check_counts(result),
        "statuses": STATUSES,
        "status_labels": {s: status_label(s) for s in STATUSES},
        "areas": areas,
        "levels": levels,
        "by_area": {a: _counts([v.status for v in verdicts if v.area == a]) for a in areas},
        "matrix": [_matrix_row(v) for v in verdicts],
        "problems": [_problem_view(v) for v in problems],
        "baseline": result.baseline or BaselineOutcome(),  # every attribute, for the template
        "contradictions": [v for v in verdicts if v.contradiction],
        "adaptations": _adaptations(result.extra.adaptations or []),
        "schemathesis": schemathesis,
        "schemathesis_count": sum(len(findings) for findings in schemathesis.values()),
        "capabilities": capabilities,
        "capability_counts": Counter(str(row.get("status", "")) for row in capabilities),
    }


def render_html(result: RunResult) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(**report_context(result))


def write_html(result: RunResult, path: Path) -> Path:
    path.write_text(render_html(result), encoding="utf-8")
    return path
