"""The results model: what checks record and every reporter reads.

Checks never talk to reporters. The pytest plugin turns each finished test into a `CheckResult`
(with the HTTP exchanges recorded by the target client during that test, and the *units* the test
judged), and `build_verdicts` folds them into per-requirement verdicts using the catalogue. HTML,
JUnit, JSON, baseline, diff and the console all consume a `RunResult`, and every one of them
takes the run's overall verdict (headline and exit code) from `verdict_of`, so they cannot
disagree.

The status ladder (docs/verdicts.md): a requirement is judged on units (a resource kind, an
operation, a response...). It *passed* only when every in-scope unit was verified; a unit that
could not be judged is *blocked* (a prerequisite refused or absent on the target, with the
server's words) or *not verified* (no evidence either way), never quietly counted as a pass. A
requirement whose judged units were all verified while the user's choices (profile, read-only,
--project) left others of its statement unselected is *sampled*: verified k of n, never passed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Literal

from conformance.codec import from_wire
from conformance.exit_codes import (
    EXIT_FAILED,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_UNUSABLE,
)
from conformance.report.sections import BaselineMismatch as BaselineMismatch
from conformance.report.sections import BaselineOutcome as BaselineOutcome
from conformance.report.sections import BaselineRow as BaselineRow
from conformance.report.sections import BaselineUnjudged as BaselineUnjudged
from conformance.report.sections import EmbeddedServer as EmbeddedServer
from conformance.report.sections import OperationDrift as OperationDrift
from conformance.report.sections import RunContext as RunContext
from conformance.report.sections import ShapeDrift as ShapeDrift
from conformance.spec.catalogue import Requirement

# The rungs a unit, a check and a requirement share (each adds its own word for "it held").
_RUNGS = Literal[
    "failed", "error", "blocked", "not_verified", "not_run", "not_applicable", "not_selected"
]
# What one unit (or one whole check) came to.
UnitStatus = Literal["verified", _RUNGS]
# A check's outcome: its units' rungs, with "passed" for a check that verified what it judged.
CheckOutcome = Literal["passed", _RUNGS]
# A requirement's verdict. "warned" is a failed SHOULD/MAY; "error" means the suite itself broke
# while checking it (distinct from a target failure); "sampled" means every unit judged was
# verified but units of its statement were not selected (a profile's sample, read-only...).
RequirementStatus = Literal["passed", "sampled", "warned", _RUNGS]
STATUSES: tuple[RequirementStatus, ...] = (
    "failed",
    "warned",
    "error",
    "blocked",
    "not_verified",
    "not_run",
    "passed",
    "sampled",
    "not_applicable",
    "not_selected",
)
# Requirement statuses a MUST may not end in for the run to conform.
INCOMPLETE_STATUSES = ("error", "blocked", "not_verified", "not_run")
# Rungs that say nothing about the target and are outside a requirement's coverage.
NEUTRAL_UNITS = ("not_applicable", "not_selected")
# Requirement statuses that find nothing wrong: every unit judged was verified.
VERIFIED_STATUSES = ("passed", "sampled")
Completion = Literal["complete", "interrupted", "aborted"]
# A JSON object of a results file below the model's own fields (a row a check contributed):
# its values are any JSON value, which a reader narrows.
JsonObject = dict[str, object]


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
    # What `plane-conformance replay` needs to send it again in a fresh project: the documented
    # path template it stood for ("" when none) and its path parameters as sent, the
    # requirements whose probe judges this answer, and each id the request named with where it
    # came from (created by the suite, deleted before, made up, existing: target/ids.py).
    path_template: str = ""
    path_params: dict[str, str] = field(default_factory=dict)
    owner: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)


@dataclass
class Unit:
    """One thing a requirement was judged on (a resource kind, an operation, a response...)."""

    requirement: str
    unit: str
    status: UnitStatus
    reason: str = ""
    count: int = 1  # a unit may stand for several alike (e.g. "1,032 responses" verified)


@dataclass
class CheckResult:
    """One test of the suite (one pytest item) and what it found."""

    nodeid: str
    name: str
    area: str
    requirements: list[str]
    outcome: CheckOutcome
    message: str = ""  # the assertion or reason, short
    expected: str = ""  # what the check expected, in words
    exchanges: list[Exchange] = field(default_factory=list)
    duration_s: float = 0.0
    units: list[Unit] = field(default_factory=list)  # what the check recorded explicitly

    @classmethod
    def from_dict(cls, data: object) -> CheckResult:
        return from_wire(cls, data)

    def units_for(self, requirement: str) -> list[Unit]:
        """The units this check judged for `requirement`.

        Explicit units first; the check's own outcome adds one more unit when it is not a plain
        pass that the explicit units already account for (an assertion outside the units, a
        suite error, a Blocked raised after some units were recorded). A check that recorded
        nothing is one unit named after itself.
        """
        explicit = [u for u in self.units if u.requirement == requirement]
        status: UnitStatus = "verified" if self.outcome == "passed" else self.outcome
        if explicit and (status == "verified" or any(u.status == status for u in explicit)):
            return explicit
        return [*explicit, Unit(requirement, self.name, status, self.message)]


@dataclass
class Coverage:
    """How much of a requirement was judged: verified k of n units, and the rest.

    `in_scope` counts the units judged or left unjudged on the target (verified, failed, error,
    blocked, not verified); units the user's choices left out (not selected) belong to the
    statement too, so "k of n" counts them (`of`); not-applicable units do not.
    """

    verified: int = 0
    in_scope: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def not_selected(self) -> int:
        return self.by_status.get("not_selected", 0) if self.in_scope else 0

    @property
    def of(self) -> int:
        """n of "verified k of n": the in-scope units and, once anything ran, the unselected."""
        return self.in_scope + self.not_selected

    def describe(self) -> str:
        if not self.in_scope:
            return "nothing judged"
        text = f"verified on {self.verified} of {self.of}"
        outside = {s: n for s, n in self.by_status.items() if s in NEUTRAL_UNITS and n}
        if outside:
            text += " (" + ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in outside.items()) + ")"
        return text


@dataclass
class Evidence:
    """What a check that failed (or could not judge) saw: its message and exchanges."""

    test: str
    message: str
    expected: str
    exchanges: list[Exchange] = field(default_factory=list)


@dataclass
class RequirementVerdict:
    id: str
    level: str
    area: str
    source: str
    statement: str
    status: RequirementStatus
    tests: list[str]
    reason: str = ""  # why not passed: the first failure, block, ... with the server's words
    evidence: list[Evidence] = field(default_factory=list)  # of the failing checks
    coverage: Coverage = field(default_factory=Coverage)
    units: list[Unit] = field(default_factory=list)  # the units that were not verified
    accepted: str | None = None  # the baseline's reason, when a baseline accepts this status
    contradiction: str = ""  # where the docs contradict themselves about this rule

    @classmethod
    def from_dict(cls, data: object) -> RequirementVerdict:
        return from_wire(cls, data)


@dataclass
class RunExtra:
    """results.json's `extra`: what the run was, and the report sections beyond the verdicts.

    A check contributes rows to a section by appending `(name, rows)` to its pytest node's
    `user_properties` (see `CONTRIBUTED`); the plugin gathers them from every worker. What is
    None (nothing contributed, a file of another version) is left out of the file, so a results
    file read and written again says what it said.
    """

    workspace: str | None = None
    run_id: str | None = None
    read_only: bool | None = None
    project_id: str | None = None  # --project (None: the suite's own scratch project)
    areas: list[str] | Literal["all"] | None = None  # "all": no --only
    requests_recorded_per_area: dict[str, int] | None = None
    schemathesis: list[JsonObject] | None = None  # the schema campaign's findings
    schemathesis_notes: list[JsonObject] | None = None  # what the campaign could not judge
    adaptations: list[JsonObject] | None = None  # the target's dialect, learned during the run
    routes: list[JsonObject] | None = None  # which spellings the target routes (information)
    setup_refusals: list[JsonObject] | None = None  # refused setup steps (SIDE-001 judges them)
    pacer_waited_s: float | None = None  # how long the pacer waited, every process included
    paced_429s: int | None = None  # 429 answers to paced requests: the pacer did not prevent
    shape_drift: ShapeDrift | None = None  # --compare-shapes: the drift from a recorded release
    run: RunContext | None = None  # the command line, the target's kind, the budget (the runner's)
    # When each phase of the run began (epoch seconds): "preflight", "checks", "cleanup",
    # "cleaned up", "reports"; "interrupted" when the first stop request came.
    timeline: dict[str, float] | None = None

    def to_dict(self) -> JsonObject:
        data: JsonObject = {}
        for each in fields(self):
            value = getattr(self, each.name)
            if value is not None:
                typed = is_dataclass(value) and not isinstance(value, type)
                data[each.name] = asdict(value) if typed else value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RunExtra:
        """Keys of another suite version that this one does not know are left out."""
        known = {each.name for each in fields(cls)}
        return from_wire(cls, {key: value for key, value in data.items() if key in known})


# The sections checks contribute rows to, by the name they append them under: RunResult's own
# `capabilities`, or a list section of RunExtra.
CONTRIBUTED = (
    "capabilities",
    "schemathesis",
    "schemathesis_notes",
    "adaptations",
    "routes",
    "setup_refusals",
)


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
    capabilities: list[JsonObject] = field(default_factory=list)  # capability matrix rows
    extra: RunExtra = field(default_factory=RunExtra)
    completion: Completion = "complete"
    completion_reason: str = ""  # why a run was interrupted or aborted
    signal: str = ""  # the signal that interrupted the run: "SIGINT" or "SIGTERM"
    baseline: BaselineOutcome | None = None  # what apply_baseline did

    def contribute(self, section: str, rows: list[JsonObject]) -> None:
        """Add a check's rows to the section named `section` (one of CONTRIBUTED)."""
        if section == "capabilities":
            self.capabilities.extend(rows)
        elif section in CONTRIBUTED:
            held: list[JsonObject] | None = getattr(self.extra, section)
            setattr(self.extra, section, [*(held or []), *rows])
        else:
            raise KeyError(f"no report section {section!r}; the sections are {CONTRIBUTED}")

    @property
    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for verdict in self.requirements:
            counts[verdict.status] += 1
        return counts

    @property
    def exit_code(self) -> int:
        return verdict_of(self).exit_code

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["extra"] = self.extra.to_dict()
        data["summary"] = self.summary
        data["verdict"] = {
            k: list(v) if isinstance(v, tuple) else v for k, v in asdict(verdict_of(self)).items()
        }
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RunResult:
        """A results.json's run (its derived `summary` and `verdict` are computed again)."""
        kept = {k: v for k, v in data.items() if k not in ("summary", "verdict", "extra")}
        extra = data.get("extra")
        result = from_wire(cls, kept)
        result.extra = RunExtra.from_dict(extra if isinstance(extra, Mapping) else {})
        return result


# -- from checks to requirement verdicts -------------------------------------------------------


def _status_of(level: str, units: list[Unit]) -> RequirementStatus:
    seen = {u.status for u in units}
    if "failed" in seen:
        return "failed" if level == "MUST" else "warned"
    for rung in ("error", "blocked", "not_verified", "not_run"):
        if rung in seen:
            return rung
    if "verified" in seen:
        # Units of the statement left out by the user's choices: verified on a sample only.
        return "sampled" if "not_selected" in seen else "passed"
    return "not_applicable" if "not_applicable" in seen else "not_selected"


def _reason(status: RequirementStatus, units: list[Unit], coverage: Coverage) -> str:
    """The first words a reader needs: what broke, or what kept the rule from being judged."""
    wanted = {"failed": "failed", "warned": "failed", "sampled": "not_selected"}.get(status, status)
    first = next((u for u in units if u.status == wanted and u.reason), None)
    if status == "passed":
        return ""
    if status == "sampled":
        why = f": {first.reason}" if first is not None else ""
        return f"{coverage.describe()}{why}"
    if first is None:
        return coverage.describe()
    others = sum(u.status == wanted for u in units) - 1
    prefix = f"{first.unit}: " if first.unit and first.unit not in first.reason else ""
    more = f" (and {others} more)" if others > 0 else ""
    return f"{prefix}{first.reason}{more}"


@dataclass(frozen=True)
class CutShort:
    """A run that ended before every check ran (interrupted, aborted): the areas it had in
    scope (None: all) and why, for the requirements none of whose checks ran."""

    areas: tuple[str, ...] | None
    reason: str

    def covers(self, requirement: Requirement) -> bool:
        in_scope = self.areas is None or requirement.area in self.areas
        return in_scope and not requirement.untestable


def _verdict(
    requirement: Requirement, checks: list[CheckResult], cut_short: CutShort | None = None
) -> RequirementVerdict:
    mine = [c for c in checks if requirement.id in c.requirements]
    units = [u for c in mine for u in c.units_for(requirement.id)]
    if not mine and cut_short is not None and cut_short.covers(requirement):
        units = [Unit(requirement.id, "", "not_run", cut_short.reason)]
    elif not mine:
        why = requirement.untestable or "not checked in this run (area or profile not selected)"
        units = [Unit(requirement.id, "", "not_selected", why)]
    counts: Counter[str] = Counter()
    for u in units:
        counts[u.status] += u.count
    in_scope = sum(n for s, n in counts.items() if s not in NEUTRAL_UNITS)
    coverage = Coverage(counts["verified"], in_scope, dict(counts))
    status = _status_of(requirement.level, units)
    telling = [c for c in mine if c.outcome in ("failed", "error")] or [
        c for c in mine if c.outcome in ("blocked", "not_verified") and c.exchanges
    ]
    evidence = [
        Evidence(c.nodeid, c.message, c.expected, list(c.exchanges))
        for c in (telling if status not in VERIFIED_STATUSES else [])
    ]
    return RequirementVerdict(
        id=requirement.id,
        level=requirement.level,
        area=requirement.area,
        source=requirement.source,
        statement=requirement.statement,
        status=status,
        tests=[c.nodeid for c in mine],
        reason=_reason(status, units, coverage),
        evidence=evidence,
        coverage=coverage,
        units=[u for u in units if u.status != "verified"][:200],
        contradiction=requirement.contradiction or "",
    )


# Worst first: the status a unit judged by several checks comes to.
_UNIT_ORDER: tuple[UnitStatus, ...] = (
    "failed",
    "error",
    "blocked",
    "not_verified",
    "verified",
    "not_applicable",
    "not_selected",
)


def unit_statuses(checks: list[CheckResult], requirement: str) -> dict[str, UnitStatus]:
    """Unit name -> what it came to in this run for `requirement`, across every check (the worst
    status wins where several checks judged the same unit). For a baseline's stale entries and
    `diff`'s improvements, which need the very units that failed before verified now."""
    found: dict[str, UnitStatus] = {}
    for check in checks:
        if requirement not in check.requirements:
            continue
        for unit in check.units_for(requirement):
            known = found.get(unit.unit)
            if known is None or _UNIT_ORDER.index(unit.status) < _UNIT_ORDER.index(known):
                found[unit.unit] = unit.status
    return found


def build_verdicts(
    catalogue: dict[str, Requirement],
    checks: list[CheckResult],
    cut_short: CutShort | None = None,
) -> list[RequirementVerdict]:
    """One verdict per catalogue entry, in catalogue order (the status ladder lives here).
    In a run cut short, a requirement in scope none of whose checks ran is *not run*."""
    return [_verdict(requirement, checks, cut_short) for requirement in catalogue.values()]


# -- the run's verdict: one function for every reporter and the exit code -----------------------


@dataclass(frozen=True)
class Verdict:
    exit_code: int
    tone: Literal["pass", "fail", "incomplete", "interrupted", "aborted"]
    headline: str
    failed: tuple[str, ...] = ()  # MUST requirements that failed and are not accepted
    incomplete: tuple[str, ...] = ()  # MUST requirements blocked / not verified / errored
    accepted: tuple[str, ...] = ()  # requirements whose status the baseline accepts
    stale: tuple[str, ...] = ()  # baseline entries that pass now
    warned: tuple[str, ...] = ()  # SHOULD/MAY requirements not met


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def verdict_of(result: RunResult) -> Verdict:
    """The run's verdict: what the banner says, what JUnit and the console say, the exit code."""
    musts = [v for v in result.requirements if v.level == "MUST"]
    failed = tuple(v.id for v in musts if v.status == "failed" and v.accepted is None)
    incomplete = tuple(
        v.id for v in musts if v.status in INCOMPLETE_STATUSES and v.accepted is None
    )
    accepted = tuple(v.id for v in result.requirements if v.accepted is not None)
    warned = tuple(v.id for v in result.requirements if v.status == "warned")
    baseline = result.baseline or BaselineOutcome()
    stale = tuple(entry.id for entry in baseline.stale)
    common = {
        "failed": failed,
        "incomplete": incomplete,
        "accepted": accepted,
        "stale": stale,
        "warned": warned,
    }
    if result.completion == "interrupted":
        why = result.completion_reason or "the run was interrupted"
        code = EXIT_TERMINATED if result.signal == "SIGTERM" else EXIT_INTERRUPTED
        return Verdict(code, "interrupted", f"No verdict: {why}.", **common)
    if result.completion == "aborted":
        why = result.completion_reason or "the run was aborted"
        return Verdict(EXIT_UNUSABLE, "aborted", f"No verdict: {why}.", **common)
    note = ""
    if accepted:
        note = f" ({_plural(len(accepted), 'requirement')} accepted by the baseline)"
    if failed:
        headline = f"Does not conform: {_plural(len(failed), 'MUST requirement')} failed{note}."
        return Verdict(EXIT_FAILED, "fail", headline, **common)
    if stale and baseline.fail_on_stale:
        headline = f"Stale baseline: {_plural(len(stale), 'accepted requirement')} pass now."
        return Verdict(EXIT_FAILED, "fail", headline, **common)
    if incomplete:
        headline = (
            f"Incomplete: no MUST requirement failed{note}, but "
            f"{_plural(len(incomplete), 'MUST requirement')} could not be verified."
        )
        return Verdict(EXIT_INCOMPLETE, "incomplete", headline, **common)
    checked = sum(v.status == "passed" for v in musts)
    sampled = sum(v.status == "sampled" for v in musts)
    if sampled:  # not a pass: verified on the units the run selected, the rest not selected
        so_far = (
            f"{checked} of {len(musts)} MUST requirements passed, "
            f"{sampled} verified on a sample of their units only"
        )
        if accepted:
            headline = (
                f"Nothing beyond the baseline as far as selected: {so_far}, "
                f"{len(accepted)} accepted by the baseline."
            )
        else:
            headline = f"Conforms as far as selected: {so_far}."
    elif accepted:
        headline = (
            f"Nothing beyond the baseline: every checked MUST requirement passed ({checked} of "
            f"{len(musts)}) or is accepted by the baseline ({len(accepted)})."
        )
    else:
        headline = f"Conforms: every checked MUST requirement passed ({checked} of {len(musts)})."
    return Verdict(EXIT_OK, "pass", headline, **common)
