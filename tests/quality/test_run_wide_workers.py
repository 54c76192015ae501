"""Run-wide requirements give one verdict whatever the number of xdist workers.

Before: STATUS-010 and HTTP-001 were judged on "earlier observations" of the worker that ran a
check, so the same faulty server passed with `--workers 2` and failed with `--workers 1`. Now
they are judged on the response ledger of every worker, at the controller.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.proof import run_suite

RUN_WIDE = ("STATUS-010", "HTTP-001", "STATUS-009", "RATE-001", "RATE-002")
# Faults whose evidence lies in answers to checks of several areas (so, under xdist, of several
# workers): 5xx on unknown ids, rate-limit headers missing inside projects.
FAULTS = ("not-found-500", "ratelimit-headers-partial")
AREAS = ("status", "pagination", "ratelimit", "resources")


@pytest.mark.parametrize("fault", FAULTS)
def test_one_verdict_with_one_or_two_workers(tmp_path: Path, fault: str) -> None:
    verdicts = []
    for workers in ("1", "2"):
        outcome = run_suite(
            tmp_path / workers,
            fault=fault,
            areas=AREAS,
            extra=("--workers", workers),
        )
        statuses = {rid: outcome.flagged.get(rid, "not flagged") for rid in RUN_WIDE}
        verdicts.append((outcome.exit_code, statuses))
    assert verdicts[0] == verdicts[1]
    assert any(status == "failed" for status in verdicts[0][1].values())
