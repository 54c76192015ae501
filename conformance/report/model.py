"""The results model: what checks record and every reporter reads.

Checks never talk to reporters. The pytest plugin turns each finished test into a `CheckResult`
(with the HTTP exchanges recorded by the target client during that test), and `build_run_result`
folds them into per-requirement verdicts using the catalogue. HTML, JUnit, JSON, baseline and
diff all consume a `RunResult` and nothing else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from conformance.spec.catalogue import Requirement

CheckOutcome = Literal["passed", "failed", "skipped", "error"]
# A requirement's verdict. "warned" is a failed SHOULD/MAY; "error" means the suite itself broke
# while checking it (distinct from a target failure); "skipped" carries a reason.
RequirementStatus = Literal["passed", "failed", "warned", "skipped", "error"]
STATUSES: tuple[RequirementStatus, ...] = ("passed", "failed", "warned", "skipped", "error")


@dataclass
class Exchange:
    """One HTTP request/response pair, already redacted (never holds an API key in clear)."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int | None
    response_headers: dict[str, str]
    response_body: str | None  # truncated by the recorder
    elapsed_ms: float
    curl: str  # a command line that reproduces the request, key as $PLANE_API_KEY


@dataclass
class CheckResult:
    """One test of the suite (one pytest item) and what it found."""

    nodeid: str
    name: str
    area: str
    requirements: list[str]
    outcome: CheckOutcome
    message: str = ""  # the assertion or skip reason, short
    expected: str = ""  # what the check expected, in words
    exchanges: list[Exchange] = field(default_factory=list)
    duration_s: float = 0.0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        exchanges = [Exchange(**e) for e in data.get("exchanges", [])]
        return cls(**{**data, "exchanges": exchanges})


@dataclass
class RequirementVerdict:
    id: str
    level: str
    area: str
    source: str
    statement: str
    status: RequirementStatus
    tests: list[str]
    reason: str = ""  # why skipped / first failure message
    evidence: list[dict[str, Any]] = field(default_factory=list)  # exchanges of failing checks


@dataclass
class RunResult:
    target: str
    started_at: str  # ISO 8601, UTC
    duration_s: float
    seed: int | None
    profile: str
    requests_sent: int
    suite_version: str
    spec_version: str
    leftovers: int | None  # scratch resources left behind after cleanup; None when unknown
    checks: list[CheckResult]
    requirements: list[RequirementVerdict]
    capabilities: list[dict[str, Any]] = field(default_factory=list)  # capability matrix rows
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. requests per area, schemathesis

    @property
    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for verdict in self.requirements:
            counts[verdict.status] += 1
        return counts

    @property
    def exit_code(self) -> int:
        """0 when every MUST passed (or was skipped), 1 when a MUST failed or the suite erred."""
        bad = any(v.status in ("failed", "error") for v in self.requirements)
        return 1 if bad else 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["summary"] = self.summary
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        data = {k: v for k, v in data.items() if k != "summary"}
        data["checks"] = [CheckResult.from_dict(c) for c in data.get("checks", [])]
        data["requirements"] = [RequirementVerdict(**r) for r in data.get("requirements", [])]
        return cls(**data)


def _verdict(requirement: Requirement, checks: list[CheckResult]) -> RequirementVerdict:
    mine = [c for c in checks if requirement.id in c.requirements]
    outcomes = {c.outcome for c in mine}
    failing = [c for c in mine if c.outcome == "failed"]
    status: RequirementStatus
    if "error" in outcomes:
        status, reason = "error", next(c.message for c in mine if c.outcome == "error")
    elif failing:
        status = "failed" if requirement.level == "MUST" else "warned"
        reason = failing[0].message
    elif "passed" in outcomes:
        status, reason = "passed", ""
    elif mine:
        status, reason = "skipped", mine[0].message
    else:
        status = "skipped"
        reason = requirement.untestable or "not checked in this run (area or profile not selected)"
    evidence = [
        {
            "test": c.nodeid,
            "message": c.message,
            "expected": c.expected,
            "exchanges": [asdict(e) for e in c.exchanges],
        }
        for c in (failing or [c for c in mine if c.outcome == "error"])
    ]
    return RequirementVerdict(
        id=requirement.id,
        level=requirement.level,
        area=requirement.area,
        source=requirement.source,
        statement=requirement.statement,
        status=status,
        tests=[c.nodeid for c in mine],
        reason=reason,
        evidence=evidence,
    )


def build_verdicts(
    catalogue: dict[str, Requirement], checks: list[CheckResult]
) -> list[RequirementVerdict]:
    """One verdict per catalogue entry, in catalogue order (the status ladder lives here)."""
    return [_verdict(requirement, checks) for requirement in catalogue.values()]
