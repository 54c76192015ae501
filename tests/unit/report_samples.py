"""A synthetic run for the report tests: one of each status, a failure with full evidence, and
exchanges that carry fake API keys in every place a key could leak (headers, curl, body, message).
"""

from __future__ import annotations

from conformance.report.model import CheckResult, Exchange, RunExtra, RunResult, build_verdicts
from conformance.spec.catalogue import Requirement

# Two fake keys: one with Plane's prefix, one that only the header rules can catch.
PLANE_STYLE_KEY = "plane_api_f4k3f4k3f4k3f4k3f4k3f4k3f4k3"
OPAQUE_KEY = "Zx9-opaque-SECRET-7731"
FAKE_KEYS = (PLANE_STYLE_KEY, OPAQUE_KEY)
PROJECTS_URL = "https://plane.example/api/v1/projects/"


def _requirement(rid: str, level: str, area: str, statement: str) -> Requirement:
    return Requirement(
        id=rid,
        level=level,  # type: ignore[arg-type]
        area=area,
        source_page="API introduction",
        source_heading=f"Heading of {rid}",
        statement=statement,
        check="synthetic",
        level_reason="synthetic",
    )


CATALOGUE = {
    r.id: r
    for r in (
        _requirement("AUTH-001", "MUST", "auth", "A valid key authenticates."),
        _requirement("AUTH-002", "MUST", "auth", "A missing key is refused with 401."),
        _requirement("PAG-004", "MUST", "pagination", "per_page above 100 is capped."),
        _requirement("PAG-010", "SHOULD", "pagination", "Cursor pages do not overlap."),
        _requirement("PAG-011", "MAY", "pagination", "The count field is present."),
        _requirement("STAT-001", "MUST", "status", "Unknown routes answer 404."),
    )
}


def leaky_exchange(status: int = 200, body: str = '{"detail": "ok"}') -> Exchange:
    """An exchange whose recorder failed to redact: keys in headers, curl and body."""
    return Exchange(
        method="GET",
        url="https://plane.example/api/v1/users/me/",
        request_headers={"X-API-Key": PLANE_STYLE_KEY, "Accept": "application/json"},
        request_body=f'{{"api_key": "{OPAQUE_KEY}"}}',
        status=status,
        response_headers={"Content-Type": "application/json", "Set-Cookie": f"s={OPAQUE_KEY}"},
        response_body=body,
        elapsed_ms=12.5,
        curl=f"curl -X GET 'https://plane.example/api/v1/users/me/' -H 'X-API-Key: {OPAQUE_KEY}'",
    )


def _check(name: str, area: str, requirements: list[str], outcome: str, **kw) -> CheckResult:
    return CheckResult(
        nodeid=f"conformance/checks/test_{area}.py::{name}",
        name=name,
        area=area,
        requirements=requirements,
        outcome=outcome,  # type: ignore[arg-type]
        duration_s=0.25,
        **kw,
    )


def sample_checks() -> list[CheckResult]:
    return [
        _check("test_valid_key", "auth", ["AUTH-001"], "passed"),
        _check(
            "test_missing_key_is_401",
            "auth",
            ["AUTH-002"],
            "failed",
            message=f"expected 401, got 200 (sent X-API-Key: {OPAQUE_KEY})",
            expected="401 Unauthorized with a JSON error body",
            exchanges=[leaky_exchange(200, '{"id": "u1", "token": "' + PLANE_STYLE_KEY + '"}')],
        ),
        _check("test_per_page_cap", "pagination", ["PAG-004"], "passed"),
        _check(
            "test_cursor_pages_disjoint",
            "pagination",
            ["PAG-010"],
            "failed",
            message="item 7 appears on pages 1 and 2",
            expected="no item on two pages",
            exchanges=[leaky_exchange(200, "x" * 9000)],
        ),
        _check(
            "test_count_field", "pagination", ["PAG-011"], "not_selected", message="not in profile"
        ),
        _check("test_unknown_route", "status", ["STAT-001"], "error", message="fixture broke"),
    ]


def sample_result(**overrides) -> RunResult:
    checks = sample_checks()
    fields = {
        "target": "https://plane.example/api/v1",
        "started_at": "2026-11-27T10:00:00Z",
        "duration_s": 42.0,
        "seed": 1234,
        "profile": "standard",
        "requests_sent": 87,
        "suite_version": "0.1.0",
        "spec_version": "2026-08-22",
        "leftovers": 0,
        "checks": checks,
        "requirements": build_verdicts(CATALOGUE, checks),
        "capabilities": [
            {
                "operation": "list_work_items",
                "method": "GET",
                "path": "/work-items/",
                "status": "served",
                "detail": "200",
            },
            {
                "operation": "list_epics",
                "method": "GET",
                "path": "/epics/",
                "status": "absent",
                "detail": "404",
            },
        ],
        "extra": RunExtra(
            schemathesis=[
                {
                    "operation": "GET /projects/",
                    "check": "status_code_conformance",
                    "message": "418 is not documented",
                    "status": 418,
                    "curl": f"curl '{PROJECTS_URL}' -H 'X-API-Key: {OPAQUE_KEY}'",
                },
                {
                    "operation": "GET /projects/",
                    "check": "content_type_conformance",
                    "message": "text/plain is not documented",
                    "status": 200,
                    "curl": "",
                },
            ]
        ),
    }
    return RunResult(**{**fields, **overrides})


# -- whole runs for the page and the console: passing, failing, baseline, interrupted ----------

SCENARIOS = ("passing", "failing", "baseline", "interrupted")
_AREAS = {"auth": 8, "pagination": 12, "status": 10, "ratelimit": 5, "fields_expand": 5}
_PREFIX = {"auth": "AUTH", "pagination": "PAG", "status": "STATUS", "ratelimit": "RATE",
           "fields_expand": "FIELD"}  # fmt: skip
# What goes wrong in the failing run (and, accepted in part, in the baseline run).
FAILED_IDS = ("AUTH-002", "AUTH-003", "PAG-004", "STATUS-006")
WARNED_ID = "PAG-010"  # a SHOULD
BLOCKED_ID = "PAG-007"
ACCEPTED_IDS = ("AUTH-002", "AUTH-003")


def scenario_catalogue() -> dict[str, Requirement]:
    entries = {}
    for area, count in _AREAS.items():
        for n in range(1, count + 1):
            rid = f"{_PREFIX[area]}-{n:03d}"
            level = "SHOULD" if n % 5 == 0 else "MUST"
            statement = f"{rid} holds: a sentence of the docs paraphrased, long enough to wrap."
            entries[rid] = _requirement(rid, level, area, statement)
    return entries


def _scenario_check(rid: str, area: str, outcome: str, message: str = "") -> CheckResult:
    exchanges = [leaky_exchange(200, '{"id": "u1"}')] if outcome == "failed" else []
    name = f"test_{rid.lower().replace('-', '_')}"
    expected = f"what {rid} requires"
    return _check(name, area, [rid], outcome, message=message, expected=expected,
                  exchanges=exchanges)  # fmt: skip


def scenario_result(kind: str) -> RunResult:
    """A run of 40 requirements as a person would see it after `plane-conformance run`."""
    catalogue = scenario_catalogue()
    checks = []
    for index, (rid, requirement) in enumerate(catalogue.items()):
        outcome, message = "passed", ""
        if kind != "passing" and rid in FAILED_IDS:
            outcome, message = "failed", f"GET /api/v1/users/me/ answered 200 where {rid} wants 401"
        elif kind != "passing" and rid == WARNED_ID:
            outcome, message = "failed", "item 7 appears on pages 1 and 2"
        elif kind in ("failing", "baseline") and rid == BLOCKED_ID:
            outcome = "blocked"
            message = 'POST .../cycles/ answered 400: {"error": "Cycles are not enabled"}'
        if kind == "interrupted" and index >= len(catalogue) // 2:
            continue  # the run stopped half-way
        checks.append(_scenario_check(rid, requirement.area, outcome, message))
    fields = sample_result().__dict__ | {
        "checks": checks,
        "requirements": build_verdicts(catalogue, checks),
        "extra": RunExtra(),
    }
    result = RunResult(**fields)
    if kind == "interrupted":
        result.completion = "interrupted"
        result.completion_reason = "the run was interrupted before every check ran"
    if kind == "baseline":
        from conformance.report.baseline import BaselineEntry, apply_baseline

        entries = [
            BaselineEntry(rid, "failed", f"tracked in OPS-{n}")
            for n, rid in enumerate(ACCEPTED_IDS, 1)
        ] + [BaselineEntry("AUTH-001", "failed", "old")]
        apply_baseline(result, "baseline.yaml", fail_on_stale=False, entries=entries)
    return result
