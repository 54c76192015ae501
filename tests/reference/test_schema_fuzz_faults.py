"""The schema area (schemathesis) against the reference server: clean passes, schema faults fail.

Each case is one `python -m conformance run --profile quick` subprocess against a fresh embedded
server (conformance.proof.run_suite), with the areas the fault matrix would run for that fault,
so the test also proves the absence of collateral noise: exactly the declared ids are flagged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.prewarmed import PrewarmedInterpreter
from conformance.proof import FaultOutcome, default_jobs, map_prewarmed, run_suite
from conformance.reference.faults import all_faults

FAULTS = all_faults()
# fault -> the requirement the schema area must flag because of it
SCHEMA_FAULTS = {
    "wrong-field-type": "SCHEMA-002",
    "enum-accepts-anything": "SCHEMA-004",
    "not-found-500": "STATUS-010",
    "wrong-content-type": "HTTP-001",
    "create-returns-200": "SCHEMA-001",
    "delete-returns-body": "SCHEMA-001",
    "ratelimit-headers-missing": "SCHEMA-003",
}


def _run(workdir: Path, fault: str, interpreter: PrewarmedInterpreter | None) -> FaultOutcome:
    # Only the schema area: what other areas flag is theirs to prove (the fault matrix does).
    return run_suite(workdir, fault=fault, areas=("schema",), interpreter=interpreter)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FaultOutcome]:
    workdir = tmp_path_factory.mktemp("schema-faults")
    names = ["", *SCHEMA_FAULTS]
    runs = map_prewarmed(workdir, default_jobs(), lambda name, i: _run(workdir, name, i), names)
    return dict(zip(names, runs, strict=True))


def test_clean_reference_server_passes_the_schema_area(outcomes: dict[str, FaultOutcome]) -> None:
    clean = outcomes[""]
    assert clean.exit_code == 0, clean.stderr
    assert clean.flagged == {}, clean.flagged
    assert clean.leftovers == 0


@pytest.mark.parametrize(("fault", "requirement"), sorted(SCHEMA_FAULTS.items()))
def test_schema_fault_is_caught_without_noise(
    outcomes: dict[str, FaultOutcome], fault: str, requirement: str
) -> None:
    outcome = outcomes[fault]
    assert requirement in FAULTS[fault].requirements, "the fault must declare what we expect"
    expected = "warned" if requirement == "SCHEMA-003" else "failed"
    assert outcome.flagged.get(requirement) == expected, (outcome.flagged, outcome.stderr)
    schema_ids = {rid for rid in outcome.flagged if rid.startswith("SCHEMA-")}
    noise = sorted(schema_ids - set(FAULTS[fault].requirements))
    assert not noise, f"{fault} also flagged {noise}"
    # Everything the run flagged was declared by the fault.
    assert set(outcome.flagged) <= set(FAULTS[fault].requirements), outcome.flagged
    if fault != "not-found-500":
        # Under not-found-500 the final cleanup meets 500s for objects the campaign already
        # deleted (the fuzz project), and counts them as left over.
        assert outcome.leftovers == 0
