"""What a fuzz campaign found (`Finding`s) and did (`Campaign`, one `OperationLog` per operation).

The log of an operation is what its units are made of (`Campaign.units`): for each schema
requirement an operation is *verified* only when a response of the kind the requirement speaks of
was judged (a response body's schema needs an accepted valid case), *failed* with the finding,
*not verified* when nothing of that kind was seen (every valid case refused, no answer at all),
*blocked* when a prerequisite the target refused kept the operation from being sent, *not
selected* when the suite leaves it out by design (safety, --project mode), and *error* when the
suite itself broke. Nothing the campaign does is silently a note.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from conformance.target.unrouted import without_path

UnitKind = Literal["verified", "failed", "error", "blocked", "not_verified", "not_selected"]
# The lifecycle step whose answer each lifecycle requirement judges.
LIFECYCLE_REQUIREMENTS = {"STATUS-003": "read", "STATUS-006": "gone"}
REFUSALS_KEPT = 3
# A 403 says the key may not do this (a guest's key, a permission): outside the contract, so the
# operation is *blocked* for what it kept from being judged, never failed (docs/verdicts.md).
FORBIDDEN = 403  # refusals of valid cases quoted per operation
REASON_LIMIT = 300


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

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class OperationUnit:
    """One operation's verdict on one requirement (the checks layer turns it into a Unit)."""

    operation: str
    status: UnitKind
    reason: str = ""


@dataclass
class OperationLog:
    """What the campaign sent to one operation and which checks judged the answers."""

    label: str
    positive: int = 0  # valid cases answered
    accepted: int = 0  # of which 2xx
    negative_sent: int = 0  # invalid bodies sent (answered or not)
    judged: Counter[str] = field(default_factory=Counter)  # check -> responses judged
    judged_accepted: Counter[str] = field(default_factory=Counter)  # check -> 2xx judged
    refusals: list[str] = field(default_factory=list)  # "400 {...}" of refused valid cases
    forbidden: list[str] = field(default_factory=list)  # "403 {...}": the key may not (blocked)
    no_answer: list[str] = field(default_factory=list)  # dropped connections, timeouts
    # A lifecycle (create -> read -> update -> delete -> read, full profile) has a log of its
    # own, "<create label> (lifecycle)": the steps it reached, and what broke STATUS-003/006.
    lifecycle: bool = False
    steps: set[str] = field(default_factory=set)  # created, read, gone
    broken: dict[str, str] = field(default_factory=dict)  # requirement -> what broke it
    waived: dict[str, str] = field(default_factory=dict)  # check -> why not run (docs contradict)
    absent: str = ""  # answered like a surely-unrouted URL: the operation is missing (CAP-001)
    not_selected: str = ""  # left out by design, and why
    blocked: str = ""  # a prerequisite the target refused (its words)
    not_verified: str = ""  # nothing could be sent for a reason of the suite's (no recipe...)
    error: str = ""  # the suite broke while fuzzing it

    def refused(self, status: int, text: str) -> None:
        kept = self.forbidden if status == FORBIDDEN else self.refusals
        if len(kept) < REFUSALS_KEPT:
            kept.append(f"{status} {text[:160]}")

    def why_unsent(self) -> tuple[UnitKind, str] | None:
        """The rung of an operation nothing was judged on, and why (None when it was fuzzed)."""
        for kind, reason in (
            ("error", self.error),
            ("not_selected", self.not_selected),
            ("blocked", self.blocked),
            ("not_verified", self.not_verified),
        ):
            if reason:
                return kind, reason  # type: ignore[return-value]
        return None


@dataclass
class Campaign:
    """What one fuzzing run did: findings, one log per operation, and the report's figures."""

    findings: list[Finding] = field(default_factory=list)
    cases: int = 0
    logs: dict[str, OperationLog] = field(default_factory=dict)
    waived: dict[str, str] = field(default_factory=dict)  # "operation [check]" -> why not judged
    seconds: float = 0.0

    notes_reported: bool = False

    unrouted: str | None = None  # the 404 body of a surely-unrouted URL, path taken out

    def looks_unrouted(self, status: int, text: str, url: str) -> bool:
        """Whether an answer is the target's answer for a URL it does not route."""
        if status != 404 or self.unrouted is None:
            return False
        return without_path(text, urlsplit(str(url)).path) == self.unrouted

    def log(self, label: str) -> OperationLog:
        if label not in self.logs:
            self.logs[label] = OperationLog(label)
        return self.logs[label]

    @property
    def operations(self) -> list[str]:
        """The operations that were fuzzed (something was sent)."""
        return [label for label, log in self.logs.items() if log.why_unsent() is None]

    def notes(self) -> list[dict[str, str]]:
        """Report rows for what was not fuzzed or not judged, and why."""
        rows = [
            {"operation": label, "kind": kind.replace("_", " "), "message": reason}
            for label, log in sorted(self.logs.items())
            if (unsent := log.why_unsent()) is not None
            for kind, reason in [unsent]
        ]
        rows += [
            {"operation": label, "kind": "waived", "message": text}
            for label, text in sorted(self.waived.items())
        ]
        return rows

    def for_requirement(self, requirement: str) -> list[Finding]:
        return [f for f in self.findings if f.requirement == requirement]

    def add(self, finding: Finding) -> None:
        # One finding per (operation, check, mode) is enough to act on; more only add noise.
        key = (finding.operation, finding.check, finding.mode)
        if all((f.operation, f.check, f.mode) != key for f in self.findings):
            self.findings.append(finding)

    def units(self, requirement: str, checks: tuple[str, ...]) -> list[OperationUnit]:
        """One unit per operation for `requirement`, judged by the schemathesis `checks` (see
        the module docstring); operations the requirement says nothing about get none."""
        found: dict[str, Finding] = {}
        for finding in self.for_requirement(requirement):
            found.setdefault(finding.operation, finding)
        units = []
        for label, log in self.logs.items():
            unit = _unit(requirement, checks, log, found.pop(label, None))
            if unit is not None:
                units.append(unit)
        for label, finding in found.items():  # made by a lifecycle step on another part's op
            units.append(
                OperationUnit(label, "failed", _short(f"HTTP {finding.status}: {finding.message}"))
            )
        return units


def _short(text: str) -> str:
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 3] + "..."


def _unit(
    requirement: str, checks: tuple[str, ...], log: OperationLog, finding: Finding | None
) -> OperationUnit | None:
    label = log.label
    if log.lifecycle != (requirement in LIFECYCLE_REQUIREMENTS):
        return None  # lifecycles judge STATUS-003/006 only, and only lifecycles judge them
    if finding is not None and not log.lifecycle:
        return OperationUnit(label, "failed", _short(f"HTTP {finding.status}: {finding.message}"))
    if requirement == "STATUS-010" and log.no_answer:
        return OperationUnit(label, "failed", _short(f"no answer: {log.no_answer[0]}"))
    if log.absent and requirement != "STATUS-010" and not log.accepted:
        return OperationUnit(label, "not_verified", _short(log.absent))
    unsent = log.why_unsent()
    if unsent is not None:
        return OperationUnit(label, unsent[0], _short(unsent[1]))
    waived = [reason for check, reason in log.waived.items() if check in checks]
    if waived:
        return OperationUnit(label, "not_selected", _short(f"not judged here: {waived[0]}"))
    if log.lifecycle:
        return _lifecycle_unit(requirement, log)
    if requirement == "SCHEMA-004":
        return _negative_unit(checks, log)
    needs_accepted = requirement in ("SCHEMA-002", "SCHEMA-003", "AUTH-007")
    judged = log.judged_accepted if needs_accepted else log.judged
    if any(judged[check] for check in checks):
        return OperationUnit(label, "verified")
    kind, reason = _nothing_judged(log, needs_accepted)
    return OperationUnit(label, kind, _short(reason))


def _nothing_judged(log: OperationLog, needs_accepted: bool) -> tuple[UnitKind, str]:
    if log.forbidden and not log.accepted:
        return "blocked", f"the key may not use this operation: {log.forbidden[0]}"
    if log.no_answer and not log.positive:
        return (
            "not_verified",
            f"the target gave no answer ({log.no_answer[0]}); STATUS-010 judges it",
        )
    if needs_accepted and log.positive:
        refusals = "; ".join(log.refusals) or "no 2xx"
        why = f"no valid case was accepted ({log.positive} sent), so no answer to judge: {refusals}"
        return "not_verified", why
    return "not_verified", "no answer of this kind was judged"


def _negative_unit(checks: tuple[str, ...], log: OperationLog) -> OperationUnit | None:
    if any(log.judged[check] for check in checks):
        return OperationUnit(log.label, "verified")
    if not log.negative_sent:
        return None  # no invalid body of this operation could be generated: nothing to refuse
    if log.forbidden:
        why = f"the key may not use this operation: {log.forbidden[0]}"
        return OperationUnit(log.label, "blocked", _short(why))
    why = log.no_answer[0] if log.no_answer else "no judged answer"
    return OperationUnit(
        log.label,
        "not_verified",
        _short(
            f"{log.negative_sent} invalid bodies sent, none answered ({why}); STATUS-010 "
            "judges a dropped connection"
        ),
    )


def _lifecycle_unit(requirement: str, log: OperationLog) -> OperationUnit:
    if requirement in log.broken:
        return OperationUnit(log.label, "failed", _short(log.broken[requirement]))
    if LIFECYCLE_REQUIREMENTS[requirement] in log.steps:
        return OperationUnit(log.label, "verified")
    why = "; ".join(log.refusals + log.no_answer) or "the lifecycle stopped before this step"
    return OperationUnit(log.label, "not_verified", _short(why))
