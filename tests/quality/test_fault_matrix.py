"""The hostile-server harness: every switch of the reference server against all areas.

One matrix run (each fault and each variation in its own `plane-conformance run` subprocess, see
conformance/proof.py) feeds every test here, so the tests share one xdist worker
(`--dist loadfile`) and the matrix runs once. A fault must flag exactly what it declares, with its
exit code; an obstacle must end the run incomplete; the dying server must abort the run; a
legitimate variation and the clean server must pass clean.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.proof import FaultOutcome, render_table, run_matrix, run_suite, suite_options
from conformance.reference.faults import all_faults
from conformance.reference.variations import all_variations
from conformance.spec.catalogue import catalogue

FAULTS = all_faults()
VARIATIONS = all_variations()
TABLE = Path(__file__).resolve().parents[2] / "docs" / "fault-matrix.md"


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FaultOutcome]:
    outcomes = run_matrix(tmp_path_factory.mktemp("matrix"))
    return {o.fault: o for o in outcomes}


def test_clean_reference_server_passes_every_check(tmp_path: Path) -> None:
    outcome = run_suite(tmp_path)
    assert outcome.caught, f"{outcome.problems}; {outcome.reasons}; {outcome.stderr}"
    assert outcome.flagged == {} and outcome.unfinished == {}
    assert outcome.leftovers == 0


def test_clean_reference_server_passes_the_rate_limit_exhaustion(tmp_path: Path) -> None:
    profile, extra = suite_options(["ratelimit"])
    outcome = run_suite(tmp_path, areas=["ratelimit"], profile=profile, extra=extra)
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.flagged == {}, f"clean server flagged: {outcome.flagged}"


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_is_caught_without_collateral(matrix: dict[str, FaultOutcome], fault: str) -> None:
    outcome = matrix[fault]
    assert outcome.caught, f"{fault}: {'; '.join(outcome.problems)}; {outcome.stderr[-600:]}"


@pytest.mark.parametrize("variation", sorted(VARIATIONS))
def test_legitimate_variation_passes_clean(matrix: dict[str, FaultOutcome], variation: str) -> None:
    outcome = matrix[f"variation:{variation}"]
    detail = {rid: outcome.reasons.get(rid, "")[:200] for rid in outcome.reasons}
    assert outcome.caught, f"{variation}: {'; '.join(outcome.problems)}; {detail}"


def test_a_dying_server_aborts_the_run_in_one_sentence(matrix: dict[str, FaultOutcome]) -> None:
    """Before: the embedded server dying mid-run was reported as 210 failed checks."""
    outcome = matrix["server-exits-mid-run"]
    assert outcome.exit_code == 2 and outcome.completion == "aborted"
    assert not [rid for rid, status in outcome.flagged.items() if status == "failed"]
    last = outcome.stderr.strip().splitlines()[-1]
    assert last.startswith("plane-conformance: No verdict:") and "stopped answering" in last


def test_committed_fault_table_is_current(matrix: dict[str, FaultOutcome]) -> None:
    expected = render_table(list(matrix.values()))
    committed = TABLE.read_text(encoding="utf-8") if TABLE.exists() else ""
    assert committed == expected, (
        "docs/fault-matrix.md is out of date: run `python -m conformance.proof --write "
        "docs/fault-matrix.md`"
    )


def test_faults_declare_known_requirements() -> None:
    for fault in FAULTS.values():
        if fault.expect == "flagged":
            assert fault.requirements, f"{fault.name} declares no requirement"
        else:  # an obstacle or a dying server breaks no rule: the run must not pass
            assert not fault.requirements, f"{fault.name} expects {fault.expect}, flags nothing"
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


def test_variations_and_faults_do_not_share_names() -> None:
    assert not set(FAULTS) & set(VARIATIONS)
