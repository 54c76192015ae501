"""Every skip in the suite's checks says which rung of the ladder it is (docs/verdicts.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.outcomes import (
    Blocked,
    NotApplicable,
    NotSelected,
    NotVerified,
    SetupRefused,
    Units,
    outcome_kind,
)

PACKAGE = Path(__file__).resolve().parents[2] / "conformance"
BARE_SKIP = re.compile(r"\bpytest\.skip\(")


def test_no_bare_pytest_skip_in_the_suite() -> None:
    """A bare pytest.skip verifies nothing and says nothing about why: use a rung instead."""
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{number}"
        for path in PACKAGE.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BARE_SKIP.search(line) and not line.lstrip().startswith("#")
    ]
    assert not offenders, "use Blocked/NotVerified/NotApplicable/NotSelected: " + ", ".join(
        offenders
    )


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (Blocked("403"), "blocked"),
        (NotVerified("x"), "not_verified"),
        (NotApplicable("x"), "not_applicable"),
        (NotSelected("x"), "not_selected"),
        (SetupRefused("400"), "blocked"),
        (ValueError("x"), None),
    ],
)
def test_each_rung_is_recognised(error: BaseException, kind: str | None) -> None:
    assert outcome_kind(error) == kind


def test_rungs_are_pytest_skips() -> None:
    """pytest counts them as skips wherever they are raised, fixtures included."""
    assert isinstance(Blocked("x"), pytest.skip.Exception)
    assert not isinstance(SetupRefused("x"), AssertionError)  # a step, never a failed check


def test_units_conclude_fails_on_a_failed_unit_only() -> None:
    units = Units()
    units.verified("A-1", "GET /a")
    units.blocked("A-1", "GET /b", "402")
    units.conclude()  # nothing failed: no error
    units.judge("A-1", "GET /c", ["answered 500"])
    with pytest.raises(AssertionError, match="GET /c: answered 500"):
        units.conclude()
    assert [u.status for u in units.recorded] == ["verified", "blocked", "failed"]
