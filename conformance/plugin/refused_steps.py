"""SIDE-001 on the setup steps the target refused, judged once on the controller.

Every process's scratch resources look, after a step refused with a 4xx, whether the object was
stored anyway (conformance/target/refused.py), and hand the finding on as the user property
"setup_refusals". Here they become one check of SIDE-001 ("a create answered with a 4xx stores
nothing"): a unit per refused step, failed when the list held an object of its name, with the
refusal and the list answer as evidence. A refused setup step is a refusal like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.report.model import CheckResult, Exchange, Unit

REQUIREMENT = "SIDE-001"
PROPERTY = "setup_refusals"  # the rows' user property (and results.json extra key)
EVIDENCE_STEPS = 10


def refused_steps_check(
    rows: list[dict[str, Any]], area_of: Callable[[str], str]
) -> CheckResult | None:
    """SIDE-001's units for the refused setup steps of every process (None: there were none)."""
    if not rows:
        return None
    units: list[Unit] = []
    exchanges: list[Exchange] = []
    for row in rows:
        label = f"setup step {row['operation']} -> {row['status']}"
        if row.get("stored"):
            reason = (
                f"answered {row['status']} ({row['refusal'][:120]}), yet the list holds "
                f"{row['name']!r}: {', '.join(row['stored'])} (deleted by the suite's cleanup)"
            )
            units.append(Unit(REQUIREMENT, label, "failed", reason))
            if len(exchanges) < 2 * EVIDENCE_STEPS:
                exchanges += [Exchange(**e) for e in row.get("exchanges", [])]
        elif row.get("unread"):
            units.append(Unit(REQUIREMENT, label, "not_verified", row["unread"]))
        else:
            units.append(Unit(REQUIREMENT, label, "verified"))
    failed = [u for u in units if u.status == "failed"]
    return CheckResult(
        nodeid=f"run-wide::{REQUIREMENT} (refused setup steps)",
        name=f"refused setup steps store nothing ({REQUIREMENT})",
        area=area_of(REQUIREMENT),
        requirements=[REQUIREMENT],
        outcome="failed" if failed else "passed",
        message="; ".join(f"{u.unit}: {u.reason}" for u in failed[:EVIDENCE_STEPS]),
        expected="a create the suite sent as a step and the target refused with a 4xx stored "
        "nothing: no object of its name is listed after it",
        exchanges=exchanges,
        units=units,
    )
