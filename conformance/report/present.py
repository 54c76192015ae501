"""Words every reporter shares: one-line reasons, status labels, the public docs links.

The HTML page, the console summary, JUnit and `diff` all show a requirement as "id, level,
statement, the one-line why"; this module makes those pieces once, so that a reason reads the same
everywhere and no reporter shows pytest's leftovers (exception class names, `assert` lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from conformance.report.model import (
    STATUSES,
    CheckResult,
    RequirementVerdict,
    RunResult,
    Verdict,
)

DOCS_SITE = "https://developers.plane.so/api-reference"
INTRODUCTION_URL = f"{DOCS_SITE}/introduction"
RFC_URL = "https://www.rfc-editor.org/rfc/rfc{number}"
REASON_LIMIT = 200

# A skip exception's class name that pytest puts before the reason
# ("conformance.outcomes.NotSelected: full profile only").
_EXCEPTION_PREFIX = re.compile(r"^(?:[\w.]+\.)?(?:NotSelected|NotApplicable|NotVerified|Blocked|"
                               r"SetupRefused|Skipped|Failed|AssertionError): ")  # fmt: skip
# The name of the test that recorded a unit, before its reason ("test_x[param]: answered 500").
_TEST_PREFIX = re.compile(r"^test_[\w\-\[\]./{}@ ]*?: ")
# pytest's rewritten-assert explanation: it repeats, in Python, the sentence before it.
_ASSERT_NOISE = re.compile(r"^\s*(?:assert |\+\s|where |and |E\s{2,})")


def clean_message(text: str) -> str:
    """A message as a reader wants it: no exception class prefix, no `assert ...` lines."""
    kept: list[str] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        if _ASSERT_NOISE.match(line):
            if kept:
                break
            continue
        kept.append(_EXCEPTION_PREFIX.sub("", line.rstrip()))
    return "\n".join(kept)


def one_line(text: str, limit: int = REASON_LIMIT) -> str:
    """The first sentence-ish line of `text`, whitespace collapsed, cut at `limit` with '…'."""
    line = " ".join(clean_message(text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def reason_line(reason: str, limit: int = REASON_LIMIT) -> str:
    """A reason on one line, without the test-function name it starts with."""
    text = _EXCEPTION_PREFIX.sub("", clean_message(reason))
    return one_line(_EXCEPTION_PREFIX.sub("", _TEST_PREFIX.sub("", text)), limit)


def short_reason(verdict: RequirementVerdict, limit: int = REASON_LIMIT) -> str:
    """The verdict's reason on one line (see `reason_line`)."""
    return reason_line(verdict.reason, limit)


def status_label(status: str) -> str:
    return status.replace("_", " ")


CHECK_ORDER = ("failed", "warned", "error", "blocked", "not_verified", "not_run", "passed",
               "not_applicable", "not_selected")  # fmt: skip


def check_counts(result: RunResult) -> dict[str, int]:
    """The suite's tests by outcome, in ladder order; a failed SHOULD/MAY-only check is 'warned'."""
    soft = {v.id for v in result.requirements if v.level != "MUST"}
    counts = dict.fromkeys(CHECK_ORDER, 0)
    for check in result.checks:
        outcome: str = check.outcome
        if outcome == "failed" and check.requirements and set(check.requirements) <= soft:
            outcome = "warned"
        counts[outcome] = counts.get(outcome, 0) + 1
    return {k: n for k, n in counts.items() if n}


def labelled_counts(counts: dict[str, int]) -> str:
    """'4 failed, 2 blocked, 61 passed' (zero counts left out)."""
    return ", ".join(f"{n} {status_label(s)}" for s, n in counts.items() if n) or "none"


# -- the one set of counts ----------------------------------------------------------------------
# A run is judged on requirements, so every count a reporter shows is of requirements, computed
# here: the progress line ("2 MUST requirements failed so far"), the console summary, the page's
# summary and JUnit's test cases (one per requirement) say the same numbers as the verdict's
# headline. Checks (the suite's tests) are the work done, shown as how many ran, never as a
# second tally of failures.
ACCEPTED = "accepted"
RUN_WIDE_PREFIX = "run-wide::"  # the every-response requirements' pseudo-checks (the plugin's)


def checks_run(result: RunResult) -> int:
    """The suite's tests that ran (whatever their outcome), as the progress line counts them."""
    return sum(not c.nodeid.startswith(RUN_WIDE_PREFIX) for c in result.checks)


def requirement_counts(result: RunResult) -> dict[str, int]:
    """Requirements by status, in ladder order (zero counts left out); a requirement whose
    status the baseline accepts is counted as 'accepted', not under its status, so 'failed'
    is exactly the MUST requirements the verdict's headline counts."""
    counts: dict[str, int] = {}
    for status in STATUSES:
        for verdict in result.requirements:
            if verdict.status == status:
                key = ACCEPTED if verdict.accepted is not None else status
                counts[key] = counts.get(key, 0) + 1
    order = [*STATUSES[:1], ACCEPTED, *STATUSES[1:]]
    return {key: counts[key] for key in order if counts.get(key)}


def counts_line(result: RunResult) -> str:
    """'requirements: 3 failed, 1 warned, 14 passed, 70 not selected (52 checks ran)'."""
    checks = checks_run(result)
    return (
        f"requirements: {labelled_counts(requirement_counts(result))} "
        f"({checks} check{'' if checks == 1 else 's'} ran)"
    )


def failing_so_far(
    checks: Iterable[CheckResult], levels: Mapping[str, str], accepted: Iterable[str] = ()
) -> tuple[int, int]:
    """(MUST, SHOULD/MAY) requirements some check has found broken so far, not counting those
    a baseline accepts: the ladder's first rung ("failed ← any unit failed"), for the progress
    line while the run is under way."""
    broken: set[str] = set()
    for check in checks:
        if check.outcome == "passed" and not any(u.status == "failed" for u in check.units):
            continue
        for rid in check.requirements:
            if any(u.status == "failed" for u in check.units_for(rid)):
                broken.add(rid)
    broken -= set(accepted)
    musts = sum(levels.get(rid) == "MUST" for rid in broken)
    return musts, len(broken) - musts


def failed_text(musts: int, others: int, so_far: bool = False) -> str:
    """'3 MUST requirements failed, 1 warning' (the progress line's words)."""
    if not musts and not others:
        return ""
    parts = []
    if musts:
        parts.append(f"{musts} MUST requirement{'' if musts == 1 else 's'} failed")
    if others:
        parts.append(f"{others} warning{'' if others == 1 else 's'}")
    return ", ".join(parts) + (" so far" if so_far else "")


def final_failed_text(result: RunResult) -> str:
    """The progress line's last words: the same numbers as the verdict's headline."""
    counts = requirement_counts(result)
    return failed_text(counts.get("failed", 0), counts.get("warned", 0))


# -- what ran -----------------------------------------------------------------------------------


def target_kind(result: RunResult) -> str:
    """'embedded reference server (faults: a, b; behaviours: plane-1.3.1)' or 'external'."""
    context = result.extra.run
    if context is None:
        return "not recorded"
    if context.target_kind == "external" or context.embedded is None:
        return "external"
    server = context.embedded
    parts = [
        f"{name}: {', '.join(values)}"
        for name, values in (
            ("faults", server.faults),
            ("behaviours", server.behaviours),
            ("variations", server.variations),
        )
        if values
    ]
    described = "; ".join(parts) if parts else "no fault, Plane's rules, no variation"
    return f"embedded reference server ({described})"


def areas_text(result: RunResult) -> str:
    areas = result.extra.areas
    return "all" if areas in (None, "all") else ", ".join(areas)


def partial_note(result: RunResult) -> str:
    """Why the run is partial ("" when it is not): an --only run checks some areas only."""
    areas = result.extra.areas
    if areas in (None, "all"):
        return ""
    return (
        f"Partial run: only the area{'' if len(areas) == 1 else 's'} {', '.join(areas)} "
        "(--only); the other requirements were not checked."
    )


def budget_text(result: RunResult) -> str:
    context = result.extra.run
    return context.budget if context is not None and context.budget else "none"


# -- what needs attention (the first screen, the console) ------------------------------------


@dataclass
class Entry:
    """One line of the first screen: id, level, status, statement, the one-line why."""

    id: str
    level: str
    area: str
    status: str
    label: str
    statement: str
    why: str
    accepted: str | None  # the baseline's reason, when it accepts this status
    accepted_as: str = ""  # a stale entry: the status the baseline accepted
    ids: list[tuple[str, str]] = field(default_factory=list)  # merged: (id, statement) of each


def _entry(verdict: RequirementVerdict) -> Entry:
    return Entry(
        id=verdict.id,
        level=verdict.level,
        area=verdict.area,
        status=verdict.status,
        label=status_label(verdict.status),
        statement=verdict.statement,
        why=short_reason(verdict),
        accepted=verdict.accepted,
    )


@dataclass
class AttentionGroup:
    key: str  # failed, incomplete, warned, accepted, stale
    title: str
    count: int  # requirements in the group
    entries: list[Entry] = field(default_factory=list)  # alike reasons merged


def attention_groups(result: RunResult, verdict: Verdict) -> list[AttentionGroup]:
    """What a hurried reader must see, in order; empty groups are left out."""
    by_id = {v.id: v for v in result.requirements}
    so_far = " so far" if verdict.tone in ("interrupted", "aborted") else ""
    stale = [row for row in (result.baseline.stale if result.baseline else []) if row.id in by_id]
    groups = {
        ("failed", f"Failed MUST requirements{so_far}"): [
            _entry(by_id[rid]) for rid in verdict.failed
        ],
        ("incomplete", f"MUST requirements not verified{so_far} (blocked, not verified, error)"): [
            # what a cut-short run never reached is counted (not run), not listed one by one
            _entry(by_id[rid])
            for rid in verdict.incomplete
            if by_id[rid].status != "not_run"
        ],
        ("warned", f"Warnings: SHOULD / MAY requirements not met{so_far}"): [
            _entry(by_id[rid]) for rid in verdict.warned if rid not in verdict.accepted
        ],
        ("accepted", "Accepted by the baseline"): [_entry(by_id[rid]) for rid in verdict.accepted],
        ("stale", "Stale baseline entries: these pass now, remove them from the baseline"): [
            replace(
                _entry(by_id[row.id]),
                why=row.reason,
                accepted_as=status_label(row.status or "failed"),
            )
            for row in stale
        ],
    }
    return [
        AttentionGroup(key, title, len(entries), merge_alike(entries))
        for (key, title), entries in groups.items()
        if entries
    ]


SHARED_REASON_MIN = 3  # requirements with the very same reason are listed as one entry
_MORE = re.compile(r" \(and \d+ more\)$")


def merge_alike(entries: list[Entry]) -> list[Entry]:
    """Entries that failed for one and the same reason (a refused setup step, typically) become
    one entry whose `ids` name them all, so that a reader sees the cause once; the others keep
    `ids` empty."""

    def cause(entry: Entry) -> str:
        return _MORE.sub("", entry.why)

    by_cause: dict[str, list[Entry]] = {}
    for entry in entries:
        by_cause.setdefault(cause(entry), []).append(entry)
    merged: list[Entry] = []
    for entry in entries:
        alike = by_cause[cause(entry)]
        if len(alike) < SHARED_REASON_MIN or not entry.why:
            merged.append(replace(entry, ids=[]))
        elif alike[0] is entry:
            ids = [(e.id, e.statement) for e in alike]
            merged.append(replace(entry, why=cause(entry), ids=ids))
    return merged


# -- docs links --------------------------------------------------------------------------------
# The catalogue names a docs page as "<section> / <page title>" (or "API introduction"); the
# public site serves a page as <DOCS_SITE>/<folder>/<file name without .md>. The folders and the
# page files are those of the docs snapshot; tests/unit/test_report_present.py checks every link
# against it.
SECTION_FOLDERS = {
    "Work items": "issue",
    "States": "state",
    "Labels": "label",
    "Cycles": "cycle",
    "Modules": "module",
    "Projects": "project",
    "Links": "link",
    "Comments": "issue-comment",
    "Attachments": "issue-attachments",
    "Activities": "issue-activity",
    "Members": "members",
    "Intake": "intake-issue",
}
# Page titles of the snapshot, by folder, for the pages the catalogue cites.
PAGE_FILES = {
    ("issue", "overview"): "overview",
    ("issue", "List all work items"): "list-issues",
    ("issue", "Get work item by sequence id"): "get-issue-sequence-id",
    ("issue", "Create a work item"): "add-issue",
    ("issue", "Update a work item"): "update-issue-detail",
    ("state", "Create a state"): "add-state",
    ("cycle", "Create a cycle"): "add-cycle",
    ("cycle", "Archive a cycle"): "archive-cycle",
    ("cycle", "Add work items to a cycle"): "add-cycle-work-items",
    ("module", "Archive a module"): "archive-module",
    ("module", "Add work items to a module"): "add-module-work-items",
}
# The introduction's headings in page order, (level, text): the site's anchors are their slugs,
# a repeated heading getting -1, -2... (VitePress). Checked against the snapshot by the tests.
INTRODUCTION_HEADINGS: tuple[tuple[int, str], ...] = (
    (2, "Base URL"),
    (2, "Authentication"),
    (3, "Generating an API Key"),
    (3, "Using the API Key"),
    (3, "Using an OAuth Token"),
    (3, "Example of an Authenticated API Request"),
    (3, "Error Handling"),
    (3, "Security Recommendations"),
    (2, "HTTP Methods"),
    (2, "Status Codes"),
    (3, "Success Responses"),
    (3, "Error Responses"),
    (2, "Pagination"),
    (3, "Overview"),
    (3, "Cursor Format"),
    (3, "Request Parameters"),
    (3, "Response Fields"),
    (3, "Example: Fetching the First Page"),
    (3, "Example: Fetching the Next Page"),
    (2, "Rate Limiting"),
    (3, "Overview"),
    (3, "Rate Limit Details"),
    (3, "Identifying Your Rate Limit Status"),
    (2, "Fields and Expand Query Parameters"),
    (3, "Fields Parameter"),
    (3, "Expand Parameter"),
    (3, "Error Handling"),
)


def slug(heading: str) -> str:
    """VitePress's anchor for a heading: lower case, punctuation and spaces to single dashes."""
    text = re.sub(r"[\s~`!@#$%^&*()\-_+=\[\]{}|\\;:\"'<>,.?/]+", "-", heading)
    return re.sub(r"-{2,}", "-", text).strip("-").lower()


def _introduction_anchors() -> list[tuple[int, str, str]]:
    """(level, heading, anchor) of the introduction, in page order."""
    seen: dict[str, int] = {}
    anchors = []
    for level, heading in INTRODUCTION_HEADINGS:
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        anchors.append((level, heading, base if count == 0 else f"{base}-{count}"))
    return anchors


def introduction_anchor(path: str) -> str | None:
    """'Authentication / Error Handling' -> 'error-handling'; the deepest heading that exists
    under its parent, else the section's own anchor; None when no heading matches."""
    path = re.sub(r"\([^)]*\)", "", path)  # "HTTP Methods (PATCH)": the heading is the rest
    parts = [p.strip() for p in path.split("/") if p.strip()]
    if not parts:
        return None
    anchors = _introduction_anchors()
    section = next(
        (i for i, (lvl, h, _) in enumerate(anchors) if lvl == 2 and h.startswith(parts[0])), None
    )
    if section is None:
        return None
    if len(parts) > 1:
        for level, heading, anchor in anchors[section + 1 :]:
            if level == 2:
                break
            if heading == parts[1]:
                return anchor
    return anchors[section][2]


def _page_link(page: str, heading: str) -> tuple[str, str] | None:
    page = page.strip()
    if page == "API introduction":
        anchors = (introduction_anchor(part) for part in heading.split(";"))
        anchor = next((a for a in anchors if a), None)
        return page, INTRODUCTION_URL + (f"#{anchor}" if anchor else "")
    rfc = re.fullmatch(r"RFC (\d+)", page)
    if rfc:
        section = re.match(r"\s*(\d+(?:\.\d+)*)", heading)  # "15.4 Redirection 3xx"
        anchor = f"#section-{section.group(1)}" if section else ""
        return page, RFC_URL.format(number=rfc.group(1)) + anchor
    if page.startswith("API reference"):
        return page, INTRODUCTION_URL
    sections, _, title = (part.strip() for part in page.partition(" / "))
    folders = [SECTION_FOLDERS.get(s.strip()) for s in sections.split(",")]
    folder = folders[0] if len(folders) == 1 else None
    if folder is None:
        return None
    name = PAGE_FILES.get((folder, title))
    return page, f"{DOCS_SITE}/{folder}/{name or 'overview'}"


def docs_links(source: str) -> list[tuple[str, str]]:
    """(label, url) for each docs page a catalogue source names ("page — heading").

    Several pages are separated by ';' ("Cycles / Archive a cycle; Modules / Archive a module").
    A page that cannot be mapped is left out; the source text is shown beside the links anyway.
    """
    page_part, _, heading = source.partition(" — ")
    links = []
    for page in page_part.split(";"):
        link = _page_link(page, heading)
        if link is not None and link not in links:
            links.append(link)
    return links
