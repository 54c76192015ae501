"""How a check says what it came to, beyond pass and fail (the status ladder, docs/verdicts.md).

A check raises one of these instead of a bare `pytest.skip`, so that every requirement that was
not verified says *why* on the right rung:

* `Blocked` — a prerequisite was refused or is absent on this target (say the server's words);
* `NotVerified` — in scope, but no evidence either way (e.g. "judged by AUTH-002");
* `NotApplicable` — an optional feature the target does not offer;
* `NotSelected` — left out by the user's choice (profile, read-only, --project safety).

They subclass pytest's skip exception, so pytest counts them as skips wherever they are raised
(a test or a fixture), and the plugin reads their `kind`. `SetupRefused` is what a setup step
raises when the target refuses it: the plugin makes the checks that needed it *blocked*, never
failed — the step is judged by its own requirement.

`Units` collects, inside one test, a verdict per thing judged (see `units` in the plugin).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from _pytest.outcomes import Skipped

from conformance.report.model import Unit, UnitStatus


class Outcome(Skipped):
    """A skip that knows its rung of the ladder."""

    kind: ClassVar[UnitStatus] = "not_selected"

    def __init__(self, reason: str) -> None:
        super().__init__(reason, allow_module_level=True)
        self.reason = reason


class Blocked(Outcome):
    kind = "blocked"


class NotVerified(Outcome):
    kind = "not_verified"


class NotApplicable(Outcome):
    kind = "not_applicable"


class NotSelected(Outcome):
    kind = "not_selected"


class SetupRefused(Exception):
    """The target refused a step the check only uses (a create of a scratch object...).

    Not an AssertionError: the step is judged by its own requirement (STATUS-001, SCHEMA-005...),
    and the checks that needed it are blocked with the server's words. When the step did not
    refuse but broke (`status` 5xx), that is STATUS-010's departure, and the checks that needed
    it are not verified instead.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def outcome_kind(error: BaseException) -> UnitStatus | None:
    """The rung an exception stands for, or None when it is not one of ours."""
    if isinstance(error, Outcome):
        return error.kind
    if isinstance(error, SetupRefused):
        return "not_verified" if error.status is not None and error.status >= 500 else "blocked"
    return None


@dataclass
class Units:
    """The units one test judged, in order; `conclude` fails the test on any failed unit."""

    recorded: list[Unit] = field(default_factory=list)

    def _add(self, requirement: str, unit: str, status: UnitStatus, reason: str) -> None:
        self.recorded.append(Unit(requirement, unit, status, reason))

    def verified(self, requirement: str, unit: str) -> None:
        self._add(requirement, unit, "verified", "")

    def failed(self, requirement: str, unit: str, reason: str) -> None:
        self._add(requirement, unit, "failed", reason)

    def blocked(self, requirement: str, unit: str, reason: str) -> None:
        self._add(requirement, unit, "blocked", reason)

    def not_verified(self, requirement: str, unit: str, reason: str) -> None:
        self._add(requirement, unit, "not_verified", reason)

    def not_applicable(self, requirement: str, unit: str, reason: str) -> None:
        self._add(requirement, unit, "not_applicable", reason)

    def not_selected(self, requirement: str, unit: str, reason: str) -> None:
        self._add(requirement, unit, "not_selected", reason)

    def left(self, requirement: str, unit: str, outcome: Outcome) -> None:
        """A unit left unjudged, on the rung `outcome` says (blocked, not verified...)."""
        self._add(requirement, unit, outcome.kind, outcome.reason)

    def record(self, requirement: str, unit: str, status: UnitStatus, reason: str = "") -> None:
        """A unit whose rung was decided elsewhere (a verdict function's)."""
        self._add(requirement, unit, status, reason)

    def judge(self, requirement: str, unit: str, problems: list[str]) -> None:
        """Verified when `problems` is empty, else failed with them."""
        if problems:
            self.failed(requirement, unit, "; ".join(problems))
        else:
            self.verified(requirement, unit)

    def conclude(self, limit: int = 10) -> None:
        """Raise an AssertionError naming every failed unit (the check's verdict is theirs)."""
        failed = [u for u in self.recorded if u.status == "failed"]
        if failed:
            lines = [f"{u.unit}: {u.reason}" for u in failed[:limit]]
            more = f"\n... and {len(failed) - limit} more" if len(failed) > limit else ""
            raise AssertionError(
                f"{len(failed)} of {len(self.recorded)} judged failed:\n" + "\n".join(lines) + more
            )
