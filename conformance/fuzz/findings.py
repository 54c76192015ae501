"""What a fuzz campaign found (`Finding`s) and what it did (`Campaign`), as the report shows it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Finding:
    """One failed check on one response, as it goes into the report (made by `judging`)."""

    operation: str
    check: str
    requirement: str
    message: str
    curl: str
    status: int | None
    mode: str = "positive"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Campaign:
    """What one fuzzing run did: findings plus the figures the report shows."""

    findings: list[Finding] = field(default_factory=list)
    cases: int = 0
    operations: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # operation label -> reason
    errors: dict[str, str] = field(default_factory=dict)  # suite-side problems per operation
    waived: dict[str, str] = field(default_factory=dict)  # "operation check" -> why not judged
    seconds: float = 0.0

    notes_reported: bool = False

    def notes(self) -> list[dict[str, Any]]:
        """Report rows for what was not fuzzed or not judged, and suite-side errors."""
        return [
            {"operation": label, "kind": kind, "message": text}
            for kind, entries in (
                ("skipped", self.skipped),
                ("waived", self.waived),
                ("suite error", self.errors),
            )
            for label, text in sorted(entries.items())
        ]

    def for_requirement(self, requirement: str) -> list[Finding]:
        return [f for f in self.findings if f.requirement == requirement]

    def add(self, finding: Finding) -> None:
        # One finding per (operation, check, mode) is enough to act on; more only add noise.
        key = (finding.operation, finding.check, finding.mode)
        if all((f.operation, f.check, f.mode) != key for f in self.findings):
            self.findings.append(finding)
