"""A synthetic run for the report tests: one of each status, a failure with full evidence, and
exchanges that carry fake API keys in every place a key could leak (headers, curl, body, message).
"""

from __future__ import annotations

from conformance.report.model import CheckResult, Exchange, RunResult, build_verdicts
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
        "extra": {
            "schemathesis": [
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
        },
    }
    return RunResult(**{**fields, **overrides})
