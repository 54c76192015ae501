"""What the hostile-server harness counts as proof, per expectation (conformance/proof.py)."""

from __future__ import annotations

from conformance.proof import FaultOutcome, render_table


def outcome(**fields: object) -> FaultOutcome:
    base: dict[str, object] = {
        "fault": "f",
        "declared": ("STATUS-010",),
        "areas": (),
        "exit_code": 1,
        "leftovers": 0,
    }
    return FaultOutcome(**{**base, **fields})  # type: ignore[arg-type]


def test_a_fault_is_caught_with_its_requirement_and_exit_code_only() -> None:
    assert outcome(flagged={"STATUS-010": "failed"}).caught
    assert not outcome(flagged={}).caught  # missed
    assert not outcome(flagged={"STATUS-010": "failed"}, exit_code=0).caught
    noisy = outcome(flagged={"STATUS-010": "failed", "RT-001": "failed"})
    assert not noisy.caught and noisy.noise == ["RT-001"]
    errored = outcome(flagged={"STATUS-010": "failed", "PAG-004": "error"})
    assert not errored.caught  # a suite error elsewhere is collateral too


def test_consequences_are_listed_never_hidden() -> None:
    found = outcome(flagged={"STATUS-010": "failed"}, unfinished={"SCHEMA-004": "not_verified"})
    assert found.caught and found.consequences == ["SCHEMA-004"]
    assert "SCHEMA-004" in render_table([found])


def test_a_should_fault_with_must_left_unverified_exits_incomplete() -> None:
    should = outcome(declared=("PAG-011",), flagged={"PAG-011": "warned"}, exit_code=0)
    assert should.caught
    left = outcome(
        declared=("PAG-011",),
        flagged={"PAG-011": "warned"},
        unfinished={"RES-001": "blocked"},
        exit_code=0,
    )
    assert not left.caught and left.expected_exit == 3


def test_an_obstacle_must_end_incomplete_with_the_servers_words() -> None:
    words = {"RT-001": "POST .../projects/ answered 403: {...}"}
    blocked = {"RT-001": "blocked"}
    good = outcome(declared=(), expect="incomplete", exit_code=3, unfinished=blocked, reasons=words)
    assert good.caught
    passed = outcome(declared=(), expect="incomplete", exit_code=0)
    assert not passed.caught  # a 403 on a prerequisite may never reach exit 0
    silent = outcome(
        declared=(), expect="incomplete", exit_code=3, unfinished=blocked, reasons={"RT-001": ""}
    )
    assert not silent.caught


def test_a_dying_server_must_abort_the_run() -> None:
    assert outcome(declared=(), expect="aborted", exit_code=2, completion="aborted").caught
    assert not outcome(declared=(), expect="aborted", exit_code=2, completion="complete").caught
    assert not outcome(declared=(), expect="aborted", exit_code=1, completion="aborted").caught


def test_a_variation_passes_clean_or_not_at_all() -> None:
    clean = outcome(fault="variation:v", declared=(), expect="clean", exit_code=0)
    assert clean.caught
    tied = outcome(
        fault="variation:v", declared=(), expect="clean", exit_code=3,
        unfinished={"ORD-001": "not_verified"},
    )  # fmt: skip
    assert not tied.caught and "not clean: ORD-001" in tied.problems
