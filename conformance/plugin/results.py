"""From pytest outcomes to the results model: one CheckRecord per test, one RunResult per run.

Outcome rule (docs/verdicts.md): an AssertionError or a body that is not JSON means the target
answered wrongly -> "failed"; a rung of the ladder raised by a check or fixture (Blocked,
NotVerified, NotApplicable, NotSelected, SetupRefused) -> that rung; the target dropping the
connection or not answering in time (`target.client.NO_ANSWER`) -> "not_verified" for the test
(STATUS-010 judges that response run-wide); the target becoming unreachable (`LOST`) ->
"not_verified" and the run is aborted; any other exception (a bug in a check, a read-only
violation, a request the suite could not build) means the suite could not check -> "error".
Every message is scrubbed of the key before it is kept or shown.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conformance import __version__
from conformance.outcomes import outcome_kind
from conformance.report.model import (
    CheckOutcome,
    CheckResult,
    Completion,
    CutShort,
    Exchange,
    JsonObject,
    RunExtra,
    RunResult,
    Unit,
    build_verdicts,
)
from conformance.report.scrub import scrub_text
from conformance.spec.catalogue import catalogue
from conformance.target.client import LOST, NO_ANSWER
from conformance.target.config import TargetConfig

MESSAGE_LIMIT = 600


def checks_dir() -> Path:
    """conformance/checks/, found beside this package: the plugin never imports the checks."""
    return Path(__file__).resolve().parent.parent / "checks"


def is_check_item(item: pytest.Item) -> bool:
    """A conformance check: a test in conformance/checks/ or one carrying a requirement mark."""
    path = Path(str(getattr(item, "path", ""))).resolve()
    return checks_dir() in path.parents or item.get_closest_marker("requirement") is not None


def area_of(item: pytest.Item) -> str:
    """The area is the module name: conformance/checks/test_<area>.py."""
    return Path(str(item.path)).stem.removeprefix("test_")


@dataclass
class CheckRecord:
    requirements: list[str]
    area: str
    soft: bool  # every requirement is SHOULD/MAY: a failure is a warning
    expected: str = ""
    outcome: CheckOutcome = "passed"
    message: str = ""
    duration_s: float = 0.0
    units: list[Unit] = field(default_factory=list)

    def to_result(self, nodeid: str, name: str, exchanges: list[Exchange]) -> CheckResult:
        return CheckResult(
            nodeid=nodeid,
            name=name,
            area=self.area,
            requirements=list(self.requirements),
            outcome=self.outcome,
            message=self.message,
            expected=self.expected,
            exchanges=exchanges,
            duration_s=round(self.duration_s, 3),
            units=list(self.units),
        )


@dataclass
class PlannedCheck:
    """A check the run was to run (collected and selected), known before it runs: what a run
    cut short reports as *not run* when it never finished."""

    nodeid: str
    name: str
    area: str
    requirements: list[str]

    def not_run(self, why: str) -> CheckResult:
        return CheckResult(
            nodeid=self.nodeid,
            name=self.name,
            area=self.area,
            requirements=list(self.requirements),
            outcome="not_run",
            message=why,
        )


def exception_outcome(error: BaseException) -> CheckOutcome:
    kind = outcome_kind(error)
    if kind is not None:
        return "passed" if kind == "verified" else kind
    if isinstance(error, AssertionError | json.JSONDecodeError):
        return "failed"
    if isinstance(error, NO_ANSWER + LOST):
        # No answer, or no connection at all (the run is then aborted): never the suite's error.
        return "not_verified"
    return "error"


def clean_text(text: str, secrets: Iterable[str] = ()) -> str:
    """A message as the suite shows it: the key scrubbed, pytest's assert rewriting dropped."""
    text = scrub_text(text, tuple(s for s in secrets if s))
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        # pytest's rewritten-assert explanation ("assert 403 == 401", "+  where ...") repeats
        # the message above it in Python; a reader wants the sentence.
        if stripped.startswith(("assert ", "+", "where ", "and ")) and kept:
            break
        kept.append(line.rstrip())
    return "\n".join(kept)


def short_message(excinfo: pytest.ExceptionInfo[BaseException], secrets: Iterable[str] = ()) -> str:
    error = excinfo.value
    if isinstance(error, AssertionError):
        text = str(error) or "assertion failed"
    elif outcome_kind(error) is not None:
        text = str(getattr(error, "reason", None) or getattr(error, "msg", "") or error)
    elif isinstance(error, LOST):
        text = f"the target could not be reached ({type(error).__name__}: {error})"
    elif isinstance(error, NO_ANSWER):
        text = (
            f"the target gave no answer ({type(error).__name__}: {error}); "
            "STATUS-010 judges that response"
        )
    else:
        text = f"{type(error).__name__}: {error}"
    lines = clean_text(text, secrets).splitlines()[:4]
    message = "\n".join(lines)
    return message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 3] + "..."


# pytest words a skip as "<exception class>: reason"; the rung is said elsewhere.
_SKIP_CLASS = re.compile(
    r"^(?:[\w.]+\.)?(?:Skipped|Blocked|NotVerified|NotApplicable|NotSelected): "
)


def skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return _SKIP_CLASS.sub("", str(longrepr[2]), count=1)
    return str(longrepr or "skipped")


def spec_version() -> str:
    import yaml

    from conformance.spec.openapi import load_openapi

    try:  # the spec the checks already loaded in this process (cached)
        return str(load_openapi().get("info", {}).get("version", "unknown"))
    except (OSError, yaml.YAMLError, AttributeError):
        return "unknown"


def build_run_result(
    target: TargetConfig,
    *,
    checks: list[CheckResult],
    started: float,
    requests_sent: int,
    leftovers: int | None,
    sections: dict[str, list[JsonObject]] | None = None,
    pacing: tuple[float, int] = (0.0, 0),
    completion: Completion = "complete",
    completion_reason: str = "",
    planned: Iterable[PlannedCheck] = (),
    signal: str = "",
    timeline: dict[str, float] | None = None,
) -> RunResult:
    """The run's result: the verdicts from every check, and the report sections (contributed
    by checks, by name; the pacer's figures: seconds waited, 429s not prevented).

    A run cut short (interrupted, aborted) reports the `planned` checks that did not finish as
    *not run*, and so every requirement in scope none of whose checks ran (nothing was planned
    yet when it stopped before collection)."""
    cut_short = None
    if completion != "complete":
        why = f"not run: {completion_reason or f'the run was {completion}'}"
        finished = {check.nodeid for check in checks}
        checks = [*checks, *(p.not_run(why) for p in planned if p.nodeid not in finished)]
        cut_short = CutShort(target.areas, why)
    per_area: Counter[str] = Counter()
    for check in checks:
        per_area[check.area] += len(check.exchanges)
    result = RunResult(
        target=target.base_url,
        started_at=datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        duration_s=round(time.time() - started, 2),
        seed=target.seed,
        profile=target.profile,
        requests_sent=requests_sent,
        suite_version=__version__,
        spec_version=spec_version(),
        leftovers=leftovers,
        checks=checks,
        requirements=build_verdicts(catalogue(), checks, cut_short),
        extra=RunExtra(
            workspace=target.workspace,
            run_id=target.run_id,
            read_only=target.read_only,
            project_id=target.project_id,  # --project (None: the suite's own project)
            areas=list(target.areas) if target.areas else "all",
            requests_recorded_per_area=dict(per_area),
            pacer_waited_s=pacing[0],
            paced_429s=pacing[1],
            timeline=dict(timeline) if timeline else None,
        ),
        completion=completion,
        completion_reason=completion_reason,
        signal=signal,
    )
    for name, rows in (sections or {}).items():
        result.contribute(name, rows)
    return result
