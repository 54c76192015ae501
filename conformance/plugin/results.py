"""From pytest outcomes to the results model: one CheckRecord per test, one RunResult per run.

Outcome rule: an AssertionError (scratch.create raises one too) or a body that is not JSON means
the target answered wrongly -> "failed"; any other exception (transport failure, a bug in a
check, a read-only violation) means the suite could not check -> "error".
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conformance import __version__
from conformance.report.model import CheckOutcome, CheckResult, Exchange, RunResult, build_verdicts
from conformance.spec.catalogue import catalogue
from conformance.target.config import TargetConfig

CHECK_PROPERTY = "plane_conformance_check"  # the user_properties key carrying a CheckResult dict
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

    def to_result(self, nodeid: str, name: str, exchanges: list[Exchange]) -> dict[str, Any]:
        result = CheckResult(
            nodeid=nodeid,
            name=name,
            area=self.area,
            requirements=list(self.requirements),
            outcome=self.outcome,
            message=self.message,
            expected=self.expected,
            exchanges=exchanges,
            duration_s=round(self.duration_s, 3),
        )
        return asdict(result)


def exception_outcome(error: BaseException) -> CheckOutcome:
    if isinstance(error, AssertionError | json.JSONDecodeError):
        return "failed"
    return "error"


def short_message(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    error = excinfo.value
    if isinstance(error, AssertionError):
        text = str(error) or "assertion failed"
    else:
        text = f"{type(error).__name__}: {error}"
    lines = [line.rstrip() for line in text.splitlines() if line.strip()][:4]
    message = "\n".join(lines)
    return message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 3] + "..."


def skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
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
    checks: list[dict[str, Any]],
    started: float,
    requests_sent: int,
    leftovers: int | None,
    extra: dict[str, Any] | None = None,
) -> RunResult:
    results = [CheckResult.from_dict(c) for c in checks]
    per_area: Counter[str] = Counter()
    for check in results:
        per_area[check.area] += len(check.exchanges)
    contributed = dict(extra or {})
    capabilities = contributed.pop("capabilities", [])
    return RunResult(
        target=target.base_url,
        started_at=datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        duration_s=round(time.time() - started, 2),
        seed=target.seed,
        profile=target.profile,
        requests_sent=requests_sent,
        suite_version=__version__,
        spec_version=spec_version(),
        leftovers=leftovers,
        checks=results,
        requirements=build_verdicts(catalogue(), results),
        extra={
            "workspace": target.workspace,
            "run_id": target.run_id,
            "read_only": target.read_only,
            "areas": list(target.areas) if target.areas else "all",
            "requests_recorded_per_area": dict(per_area),
            **contributed,
        },
        capabilities=capabilities,
    )
