"""junit.xml: the run's verdict, then one <testcase> per check, grouped in one <testsuite> per area.

The first suite, "plane-conformance", holds one test case, "verdict", whose outcome is the run's
verdict from `verdict_of` (the same headline and exit code as the console and report.html): a
<failure> when a MUST failed or the run is incomplete, an <error> when the run was interrupted or
aborted. A failed check whose requirements are all SHOULD/MAY is still a <failure> (JUnit has no
warning), but its type says "warning"; a check whose findings the baseline accepts is <skipped>
with "accepted by baseline: <reason>".
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby
from pathlib import Path

from conformance.report.model import CheckResult, RunResult, verdict_of
from conformance.report.present import clean_message

# Characters XML 1.0 forbids; fuzzed responses can contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _failure_text(check: CheckResult) -> str:
    lines = [clean_message(check.message)]
    if check.expected:
        lines.append(f"expected: {check.expected}")
    for exchange in check.exchanges:
        lines.append(f"{exchange.method} {exchange.url} -> {exchange.status}")
        lines.append(f"reproduce: {exchange.curl}")
    return _safe("\n".join(lines))


def _testcase(check: CheckResult, levels: dict[str, str], accepted: dict[str, str]) -> ET.Element:
    case = ET.Element(
        "testcase", classname=check.area, name=_safe(check.name), time=f"{check.duration_s:.3f}"
    )
    properties = ET.SubElement(case, "properties")
    for requirement in check.requirements:
        ET.SubElement(properties, "property", name="requirement", value=requirement)
    if check.outcome in ("failed", "blocked", "not_verified") and all(
        r in accepted for r in check.requirements
    ):
        # The baseline accepts what this check found: not a failure of this run (the exit code
        # says the same).
        reasons = "; ".join(f"{r}: {accepted[r]}" for r in check.requirements)
        ET.SubElement(case, "skipped", message=_safe(f"accepted by baseline: {reasons}"))
        return case
    message = _safe(clean_message(check.message).split("\n")[0])
    if check.outcome == "failed":
        gating = any(levels.get(r, "MUST") == "MUST" for r in check.requirements)
        failure = ET.SubElement(
            case, "failure", message=message, type="MUST" if gating else "warning"
        )
        failure.text = _failure_text(check)
    elif check.outcome == "error":
        error = ET.SubElement(case, "error", message=message, type="suite-error")
        error.text = _failure_text(check)
    elif check.outcome != "passed":
        label = check.outcome.replace("_", " ")
        ET.SubElement(case, "skipped", message=_safe(f"{label}: {message}"))
    return case


def _verdict_suite(result: RunResult) -> ET.Element:
    """The run's verdict as a test case of its own, so that a CI view shows what the exit code
    says."""
    verdict = verdict_of(result)
    suite = ET.Element(
        "testsuite", name="plane-conformance", tests="1", timestamp=result.started_at
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (("target", result.target), ("exit_code", str(verdict.exit_code)),
                        ("tone", verdict.tone), ("headline", verdict.headline)):  # fmt: skip
        ET.SubElement(properties, "property", name=name, value=_safe(value))
    case = ET.SubElement(suite, "testcase", classname="plane-conformance", name="verdict",
                         time=f"{result.duration_s:.3f}")  # fmt: skip
    ids = ", ".join(verdict.failed + verdict.incomplete)
    detail = _safe(f"{verdict.headline}\n{ids}" if ids else verdict.headline)
    if verdict.tone in ("fail", "incomplete"):
        ET.SubElement(
            case, "failure", message=_safe(verdict.headline), type=verdict.tone
        ).text = detail
    elif verdict.tone in ("interrupted", "aborted"):
        ET.SubElement(
            case, "error", message=_safe(verdict.headline), type=verdict.tone
        ).text = detail
    failures = str(int(verdict.tone in ("fail", "incomplete")))
    errors = str(int(verdict.tone in ("interrupted", "aborted")))
    suite.set("failures", failures)
    suite.set("errors", errors)
    suite.set("skipped", "0")
    return suite


def build_junit(result: RunResult) -> ET.Element:
    levels = {v.id: v.level for v in result.requirements}
    accepted = {v.id: v.accepted for v in result.requirements if v.accepted is not None}
    root = ET.Element("testsuites", name="plane-conformance", time=f"{result.duration_s:.3f}")
    root.append(_verdict_suite(result))
    checks = sorted(result.checks, key=lambda c: c.area)
    for area, group in groupby(checks, key=lambda c: c.area):
        cases = [_testcase(check, levels, accepted) for check in group]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=area,
            tests=str(len(cases)),
            failures=str(sum(c.find("failure") is not None for c in cases)),
            errors=str(sum(c.find("error") is not None for c in cases)),
            skipped=str(sum(c.find("skipped") is not None for c in cases)),
            timestamp=result.started_at,
        )
        suite.extend(cases)
    for counter in ("tests", "failures", "errors", "skipped"):
        total = sum(int(suite.get(counter, "0")) for suite in root)
        root.set(counter, str(total))
    return root


def write_junit(result: RunResult, path: Path) -> Path:
    tree = ET.ElementTree(build_junit(result))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
