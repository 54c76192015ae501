"""junit.xml: the run's verdict, then one <testcase> per requirement, in one <testsuite> per area.

A run is judged on requirements, so JUnit counts what the verdict counts (`report.present`'s one
set of counts): a requirement's test case is a <failure> when it is a failed MUST the verdict
counts, an <error> when it is a MUST the run could not verify (blocked, not verified, suite
error: what makes a run incomplete), and <skipped> with its words otherwise (a SHOULD/MAY not met
is a "warning: ..."; one the baseline accepts is "accepted by baseline: ..."; not selected or
not applicable say so). So a CI dashboard's failures are the headline's failed MUST
requirements, plus one: the first suite, "plane-conformance", holds one test case, "verdict",
whose outcome is the run's verdict from `verdict_of` (the same headline and exit code as the
console and report.html), with the run's context as properties (command line, target kind,
profile, areas, budget, partial).

A failure's text gives the reason, the checks that judged it, and for each exchange of its
evidence the request, the answer's status, the curl line (with a note when the objects it names
no longer exist) and the `plane-conformance replay` command that sends it again.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby
from pathlib import Path

from conformance.report.evidence import evidence_exchanges, stale
from conformance.report.model import RequirementVerdict, RunResult, Verdict, verdict_of
from conformance.report.present import (
    areas_text,
    budget_text,
    counts_line,
    partial_note,
    short_reason,
    status_label,
    target_kind,
)

# Characters XML 1.0 forbids; fuzzed responses can contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
STALE_NOTE = "(names objects the run deleted at its end: replay it instead)"


def _safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _details(verdict: RequirementVerdict, result: RunResult, report_dir: str) -> str:
    lines = [short_reason(verdict, 2000), verdict.coverage.describe()]
    lines += [f"check: {test}" for test in verdict.tests]
    for group in evidence_exchanges(verdict, result.checks):
        for shown in group.shown:
            exchange = shown.exchange
            lines.append(f"{shown.id}: {exchange.method} {exchange.url} -> {exchange.status}")
            note = f" {STALE_NOTE}" if stale(exchange) else ""
            lines.append(f"reproduce{note}: {exchange.curl}")
            lines.append(f"replay: plane-conformance replay {report_dir} {shown.id}")
    return _safe("\n".join(lines))


def _testcase(
    verdict: RequirementVerdict, judged: Verdict, result: RunResult, report_dir: str
) -> ET.Element:
    case = ET.Element(
        "testcase",
        classname=verdict.area,
        name=_safe(f"{verdict.id} {verdict.statement}"),
        time=f"{sum(c.duration_s for c in result.checks if c.nodeid in verdict.tests):.3f}",
    )
    properties = ET.SubElement(case, "properties")
    for name, value in (("requirement", verdict.id), ("level", verdict.level),
                        ("status", verdict.status)):  # fmt: skip
        ET.SubElement(properties, "property", name=name, value=value)
    why = _safe(short_reason(verdict))
    if verdict.accepted is not None:
        message = f"accepted by baseline: {verdict.accepted}"
        ET.SubElement(case, "skipped", message=_safe(message))
    elif verdict.id in judged.failed:
        failure = ET.SubElement(case, "failure", message=why, type="MUST")
        failure.text = _details(verdict, result, report_dir)
    elif verdict.id in judged.incomplete:
        error = ET.SubElement(case, "error", message=why, type=verdict.status)
        error.text = _details(verdict, result, report_dir)
    elif verdict.status == "warned":
        ET.SubElement(case, "skipped", message=_safe(f"warning ({verdict.level}): {why}"))
    elif verdict.status != "passed":
        ET.SubElement(case, "skipped", message=_safe(f"{status_label(verdict.status)}: {why}"))
    return case


def _verdict_suite(result: RunResult) -> ET.Element:
    """The run's verdict as a test case of its own, so that a CI view shows what the exit code
    says, with what ran as properties."""
    verdict = verdict_of(result)
    suite = ET.Element(
        "testsuite", name="plane-conformance", tests="1", timestamp=result.started_at
    )
    properties = ET.SubElement(suite, "properties")
    context = result.extra.run
    facts = [
        ("target", result.target),
        ("target_kind", target_kind(result)),
        ("command", context.command if context else ""),
        ("profile", result.profile),
        ("areas", areas_text(result)),
        ("budget", budget_text(result)),
        ("partial", partial_note(result)),
        ("exit_code", str(verdict.exit_code)),
        ("tone", verdict.tone),
        ("headline", verdict.headline),
        ("counts", counts_line(result)),
    ]
    for name, value in facts:
        if value:
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


def build_junit(result: RunResult, report_dir: str = "reports") -> ET.Element:
    judged = verdict_of(result)
    root = ET.Element("testsuites", name="plane-conformance", time=f"{result.duration_s:.3f}")
    root.append(_verdict_suite(result))
    verdicts = sorted(result.requirements, key=lambda v: v.area)
    for area, group in groupby(verdicts, key=lambda v: v.area):
        cases = [_testcase(verdict, judged, result, report_dir) for verdict in group]
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
    tree = ET.ElementTree(build_junit(result, str(path.parent)))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
