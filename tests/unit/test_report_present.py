"""The words every reporter shares: clean one-line reasons, merged causes, and docs links that
point at pages and headings that exist in the docs snapshot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.report.model import Coverage, RequirementVerdict
from conformance.report.present import (
    DOCS_SITE,
    INTRODUCTION_HEADINGS,
    INTRODUCTION_URL,
    PAGE_FILES,
    Entry,
    clean_message,
    docs_links,
    merge_alike,
    one_line,
    short_reason,
    slug,
)
from conformance.spec.catalogue import catalogue
from conformance.spec.paths import docs_dir


def _api_reference() -> Path:
    folder = docs_dir() / "api-reference"
    if not folder.is_dir():
        pytest.skip(f"the docs snapshot is not at {folder}")
    return folder


def _verdict(reason: str) -> RequirementVerdict:
    return RequirementVerdict(
        id="AUTH-002", level="MUST", area="auth", source="API introduction — Authentication",
        statement="A missing key is refused with 401.", status="failed", tests=[],
        reason=reason, coverage=Coverage(0, 1, {"failed": 1}),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("conformance.outcomes.NotSelected: full profile only", "full profile only"),
        ("expected 401, got 200\nassert 200 == 401\n +  where 200 = x", "expected 401, got 200"),
        ("answered 500\n\n  E   assert 500 < 500", "answered 500"),
        ("assert not ['GET /x -> 500']", ""),
    ],
)
def test_messages_lose_pytest_leftovers(raw: str, clean: str) -> None:
    assert clean_message(raw) == clean


def test_one_line_reason_without_the_test_name_and_cut() -> None:
    verdict = _verdict("test_missing_key_is_refused: GET /users/me/ answered 200\nmore detail")
    assert short_reason(verdict) == "GET /users/me/ answered 200 more detail"
    assert short_reason(_verdict("cycle: blocked by 400")) == "cycle: blocked by 400"
    assert one_line("x" * 300, 50).endswith("…") and len(one_line("x" * 300, 50)) == 50


def test_alike_reasons_are_merged_from_three_on() -> None:
    whys = ["setup refused", "setup refused (and 1 more)", "setup refused (and 2 more)"]
    entries = [_entry(f"R-{n}", f"s{n}", why) for n, why in enumerate(whys)]
    entries.append(_entry("R-9", "s9", "its own reason"))
    merged = merge_alike(entries)
    assert [e.id for e in merged] == ["R-0", "R-9"]
    assert [rid for rid, _ in merged[0].ids] == ["R-0", "R-1", "R-2"]
    assert merged[0].why == "setup refused" and merged[1].ids == []
    assert merge_alike(entries[:2]) == entries[:2]


def _entry(rid: str, statement: str, why: str) -> Entry:
    return Entry(rid, "MUST", "auth", "failed", "failed", statement, why, None)


def test_vitepress_slugs() -> None:
    assert slug("Example: Fetching the First Page") == "example-fetching-the-first-page"
    assert slug("Fields and Expand Query Parameters") == "fields-and-expand-query-parameters"


def test_introduction_headings_match_the_snapshot() -> None:
    text = (_api_reference() / "introduction.md").read_text(encoding="utf-8")
    headings = [
        (len(m.group(1)), m.group(2).strip())
        for m in re.finditer(r"^(#{2,3})\s+(.+?)\s*$", text, re.M)
    ]
    assert tuple(headings) == INTRODUCTION_HEADINGS


# The catalogue names three pages a little differently from their titles.
CATALOGUE_NAMES = {
    "Get work item by sequence id": "Retrieve a work item by identifier",
    "Add work items to a cycle": "Add work items to cycle",
    "Add work items to a module": "Add work items to module",
}


def test_page_files_match_the_snapshot_titles() -> None:
    root = _api_reference()
    for (folder, title), name in PAGE_FILES.items():
        page = root / folder / f"{name}.md"
        assert page.exists(), page
        if title != "overview":
            expected = CATALOGUE_NAMES.get(title, title)
            assert f"title: {expected}\n" in page.read_text(encoding="utf-8"), page


def test_every_catalogue_source_links_to_an_existing_docs_page() -> None:
    root = _api_reference()
    anchors = {anchor for anchor in _anchors()}
    for requirement in catalogue().values():
        links = docs_links(requirement.source)
        assert links, f"{requirement.id}: no docs link for {requirement.source!r}"
        for _, url in links:
            if not url.startswith(DOCS_SITE):
                assert url.startswith("https://www.rfc-editor.org/rfc/rfc"), url
                continue
            page, _, anchor = url.removeprefix(DOCS_SITE + "/").partition("#")
            assert (root / f"{page}.md").exists(), f"{requirement.id}: {url}"
            if anchor:
                assert url.startswith(INTRODUCTION_URL) and anchor in anchors, url


def test_a_heading_link_goes_to_the_deepest_existing_heading() -> None:
    links = dict(docs_links("API introduction — Fields and Expand / Error Handling"))
    assert links["API introduction"] == f"{INTRODUCTION_URL}#error-handling-1"  # the second one
    links = dict(docs_links("API introduction — Status Codes / 401"))
    assert links["API introduction"] == f"{INTRODUCTION_URL}#status-codes"
    assert docs_links("Cycles / Archive a cycle; Modules / Archive a module — (operation)") == [
        ("Cycles / Archive a cycle", f"{DOCS_SITE}/cycle/archive-cycle"),
        ("Modules / Archive a module", f"{DOCS_SITE}/module/archive-module"),
    ]
    assert docs_links("RFC 9110 — 15.4 Redirection 3xx") == [
        ("RFC 9110", "https://www.rfc-editor.org/rfc/rfc9110#section-15.4")
    ]


def _anchors() -> list[str]:
    seen: dict[str, int] = {}
    anchors = []
    for _, heading in INTRODUCTION_HEADINGS:
        base = slug(heading)
        anchors.append(base if base not in seen else f"{base}-{seen[base]}")
        seen[base] = seen.get(base, 0) + 1
    return anchors
