"""report.html: one self-contained page (inline CSS and JS, nothing fetched) built from a RunResult.

This module shapes the data (counts, grouped findings, truncated bodies) so that the Jinja2
template only lays it out.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from conformance.report.model import STATUSES, RunResult, verdict_of

BODY_LIMIT = 3000  # characters of a body shown; the rest is cut with a note
PROBLEM_STATUSES = ("failed", "error", "blocked", "not_verified", "warned")
LEVEL_ORDER = ("MUST", "SHOULD", "MAY")


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


def _exchange_view(exchange: dict[str, Any]) -> dict[str, Any]:
    return {
        **exchange,
        "request_body": readable_body(exchange.get("request_body")),
        "response_body": readable_body(exchange.get("response_body")),
    }


def _problem_view(verdict: Any) -> dict[str, Any]:
    evidence = [
        {
            "test": item.get("test", ""),
            "message": item.get("message", ""),
            "expected": item.get("expected", ""),
            "exchanges": [_exchange_view(e) for e in item.get("exchanges", [])],
        }
        for item in verdict.evidence
    ]
    return {"verdict": verdict, "evidence": evidence}


def _schemathesis_by_operation(findings: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list[Any])
    for finding in findings:
        grouped[str(finding.get("operation", "(unknown operation)"))].append(
            {key: finding.get(key, "") for key in ("check", "message", "curl", "status")}
        )
    return dict(sorted(grouped.items()))


def report_context(result: RunResult) -> dict[str, Any]:
    """Everything the template shows, already grouped and counted."""
    verdicts = result.requirements
    # Every key present, so the strict template can test them.
    baseline = {
        "path": "",
        "accepted": [],
        "stale": [],
        "unknown": [],
        **(result.baseline or {}),
    }
    accepted_ids = {entry["id"] for entry in baseline.get("accepted", [])}
    areas = sorted({v.area for v in verdicts})
    levels = [lvl for lvl in LEVEL_ORDER if any(v.level == lvl for v in verdicts)]
    problems = [v for s in PROBLEM_STATUSES for v in verdicts if v.status == s]
    return {
        "result": result,
        "verdict": verdict_of(result),
        "summary": result.summary,
        "statuses": STATUSES,
        "by_area": {a: _counts([v.status for v in verdicts if v.area == a]) for a in areas},
        "by_level": {
            lvl: _counts([v.status for v in verdicts if v.level == lvl]) for lvl in levels
        },
        "problems": [_problem_view(v) for v in problems],
        "must_failures": sum(v.status == "failed" and v.id not in accepted_ids for v in verdicts),
        "errors": sum(v.status == "error" for v in verdicts),
        "warnings": sum(v.status == "warned" for v in verdicts),
        "accepted_ids": accepted_ids,
        "baseline": baseline,
        "schemathesis": _schemathesis_by_operation(result.extra.get("schemathesis") or []),
        "capabilities": result.capabilities,
        "check_names": {c.nodeid: c.name for c in result.checks},
    }


def render_html(result: RunResult) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(**report_context(result))


def write_html(result: RunResult, path: Path) -> Path:
    path.write_text(render_html(result), encoding="utf-8")
    return path
