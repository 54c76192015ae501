"""The fault matrix: every fault switch is caught by its check, and the clean server passes.

One matrix run (each fault in its own `plane-conformance run` subprocess) feeds every test here,
so the tests share one xdist worker (`--dist loadfile`) and the matrix runs once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.proof import FaultOutcome, render_table, run_matrix, run_suite, suite_options
from conformance.reference.faults import all_faults
from conformance.spec.catalogue import catalogue

FAULTS = all_faults()
TABLE = Path(__file__).resolve().parents[2] / "docs" / "fault-matrix.md"


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FaultOutcome]:
    outcomes = run_matrix(tmp_path_factory.mktemp("matrix"))
    return {o.fault: o for o in outcomes}


def test_clean_reference_server_passes_every_check(tmp_path: Path) -> None:
    outcome = run_suite(tmp_path)
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.flagged == {}, f"clean server flagged: {outcome.flagged}"
    assert outcome.leftovers == 0


def test_clean_reference_server_passes_the_rate_limit_exhaustion(tmp_path: Path) -> None:
    profile, extra = suite_options(["ratelimit"])
    outcome = run_suite(tmp_path, areas=["ratelimit"], profile=profile, extra=extra)
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.flagged == {}, f"clean server flagged: {outcome.flagged}"


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_is_caught_without_noise(matrix: dict[str, FaultOutcome], fault: str) -> None:
    outcome = matrix[fault]
    assert not outcome.missed, (
        f"{fault}: declared but not flagged {outcome.missed}; {outcome.stderr}"
    )
    assert not outcome.noise, f"{fault}: unrelated requirements flagged {outcome.noise}"
    assert outcome.caught, f"{fault}: exit code {outcome.exit_code}; {outcome.stderr}"


def test_committed_fault_table_is_current(matrix: dict[str, FaultOutcome]) -> None:
    expected = render_table(list(matrix.values()))
    committed = TABLE.read_text(encoding="utf-8") if TABLE.exists() else ""
    assert committed == expected, (
        "docs/fault-matrix.md is out of date: run `python -m conformance.proof --write "
        "docs/fault-matrix.md`"
    )


def test_faults_declare_known_requirements() -> None:
    for fault in FAULTS.values():
        assert fault.requirements, f"{fault.name} declares no requirement"
        unknown = [rid for rid in fault.requirements if rid not in catalogue()]
        assert not unknown, f"{fault.name} declares unknown ids {unknown}"


def test_every_must_is_covered_by_a_fault_or_says_why() -> None:
    declared = {rid for fault in FAULTS.values() for rid in fault.requirements}
    uncovered = [
        r.id
        for r in catalogue().values()
        if r.level == "MUST" and r.id not in declared and not (r.untestable or r.no_fault)
    ]
    assert not uncovered, f"MUST requirements with no fault switch and no reason: {uncovered}"
