"""The benchmark's arithmetic: figures from results files and JUnit reports, goals, verdicts.

Pure functions (no process, no network), unit-tested in tests/unit/test_benchmark_suite.py.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any

# Goals of issue 8, tightened by issue 22 (request economy).
GOAL_STANDARD_WALL_S = 5.0
GOAL_WORKER_SPEEDUP = 1.5
GOAL_FLOOR_RATIO = 1.1
GOAL_FAULT_EFFICIENCY_RATIO = 3.0
GOAL_AT_60_PER_MINUTE_S = {"quick": 300.0, "standard": 600.0}  # wall time of each profile
RATE_LIMITED_PROFILES = tuple(GOAL_AT_60_PER_MINUTE_S)
VERIFIED_STATUSES = (
    "passed",
    "sampled",
)  # a requirement verified on all, or a sample, of its units


def floor_seconds(requests: int, per_minute: int) -> float:
    """The shortest wall time a client can need for `requests` at `per_minute` requests/min."""
    return requests * 60.0 / per_minute


def floor_after_burst_seconds(requests: int, per_minute: int) -> float:
    """The floor when the first window's allowance can be spent at once (a fresh key)."""
    return max(0, requests - per_minute) * 60.0 / per_minute


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def per_100_requests(caught: int, requests: Sequence[int]) -> float | None:
    """Faults caught per 100 requests, with the budget = mean requests of one run."""
    if not requests:
        return None
    mean = sum(requests) / len(requests)
    return 100.0 * caught / mean if mean else None


def must_coverage(results: dict[str, Any]) -> tuple[int, int]:
    """(MUST requirements verified, MUST units verified) of a results.json: what the run's
    requests bought. A unit is what the catalogue judges a requirement on (an operation...)."""
    musts = [r for r in results.get("requirements", []) if r.get("level") == "MUST"]
    verified = sum(1 for r in musts if r.get("status") in VERIFIED_STATUSES)
    units = sum(int((r.get("coverage") or {}).get("verified", 0)) for r in musts)
    return verified, units


def efficiency_ratio(ours: float | None, theirs: float | None) -> float | None:
    """ours / theirs; infinite when only ours catches anything."""
    if ours is None or theirs is None:
        return None
    if theirs == 0:
        return math.inf if ours > 0 else None
    return ours / theirs


def verdict(value: float | None, goal: float, *, at_most: bool) -> str:
    if value is None:
        return "n/a"
    ok = value <= goal if at_most else value >= goal
    return "PASS" if ok else "MISS"


def statuses_in_results(results: dict[str, Any]) -> Counter[int]:
    """HTTP status counts over every exchange recorded in results.json `checks`."""
    counts: Counter[int] = Counter()
    for check in results.get("checks", []):
        for exchange in check.get("exchanges", []):
            if exchange.get("status") is not None:
                counts[int(exchange["status"])] += 1
    return counts


def checks_hit_by_429(results: dict[str, Any]) -> list[str]:
    """Failed or erred checks that received a 429: failures the rate limit may have caused."""
    hit = []
    for check in results.get("checks", []):
        if check.get("outcome") not in ("failed", "error"):
            continue
        if any(e.get("status") == 429 for e in check.get("exchanges", [])):
            hit.append(check.get("nodeid", "?"))
    return hit


def requests_per_area(results: dict[str, Any]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for check in results.get("checks", []):
        counts[check.get("area", "?")] += len(check.get("exchanges", []))
    return dict(counts.most_common())


def slowest_checks(results: dict[str, Any], n: int = 5) -> list[tuple[str, float, int]]:
    """(nodeid, seconds, exchanges) of the n slowest checks."""
    rows = [
        (c.get("nodeid", "?"), float(c.get("duration_s", 0.0)), len(c.get("exchanges", [])))
        for c in results.get("checks", [])
    ]
    return sorted(rows, key=lambda row: row[1], reverse=True)[:n]


_FAILURE_TITLE = re.compile(r"^- (.+?)\s*$", re.MULTILINE)


def junit_failure_signatures(xml_text: str) -> set[str]:
    """One signature per (operation, failure title) in a schemathesis JUnit report.

    A test case may hold several numbered failures; each names its kind on a "- TITLE" line.
    Errors count as findings too (the CLI reports them as failures of the run).
    """
    signatures: set[str] = set()
    root = ET.fromstring(xml_text)
    for case in root.iter("testcase"):
        name = case.get("name", "?")
        for node in [*case.findall("failure"), *case.findall("error")]:
            titles = _FAILURE_TITLE.findall(node.text or "") or [node.get("message") or node.tag]
            signatures.update(f"{name} | {title}" for title in titles)
    return signatures


def pick_closest(budget: int, tried: Sequence[tuple[Any, int]]) -> tuple[Any, int]:
    """The (config, requests) whose request count is closest to budget on a log scale."""
    return min(tried, key=lambda item: abs(math.log(max(item[1], 1) / max(budget, 1))))


def fault_caught_by_ours(
    declared: Sequence[str], flagged: Collection[str], clean_flagged: Collection[str] = ()
) -> bool:
    """Our run catches a fault when it flags every requirement the fault declares, and at least
    one of them is not flagged on the clean server already (else the flag proves nothing)."""
    return (
        bool(declared)
        and all(rid in flagged for rid in declared)
        and any(rid not in clean_flagged for rid in declared)
    )


def fault_caught_by_cli(clean: set[str], faulty: set[str]) -> bool:
    """The CLI catches a fault when it reports a failure the clean server's run did not."""
    return bool(faulty - clean)


def redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text
