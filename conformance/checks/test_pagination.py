"""Cursor pagination (API introduction, "Pagination"): PAG-001..021.

Two collections are seeded once per module so that they span three pages at a small page size:
the comments and the links of a work item of the suite's own. Nothing else writes to them, so a
walk sees the same collection from its first page to its last, also in --project mode where
another worker of the run (or another client) writes to the same project meanwhile.

Each is walked forward and backward once; the walks are cached and every test asserts one rule
on them, naming only that rule's requirement ids, so that a server breaking one rule fails
exactly the matching requirement. Rules about the page partition (flags, total_pages, the
backward walk) are judged against the page size the server actually applied, so that a server
ignoring per_page fails PAG-004 and not every rule at once. The per_page and cursor probes
(PAG-007..012, 020, 021) use the comments.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from conformance.checks import _walk as paging
from conformance.checks._refusals import require_json_refusal
from conformance.outcomes import NotSelected, NotVerified, Units
from conformance.target.answers import json_of as body_of
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

# Seeded items per collection (below one work item), and the page size giving three pages.
COLLECTIONS: dict[str, tuple[int, int]] = {"comments": (13, 5), "links": (7, 3)}
# How many extra page sizes the "any per_page walks everything once" property tries.
PROPERTY_EXAMPLES = {"quick": 2, "standard": 3, "full": 6}


def fetcher(client: TargetClient, path: str) -> paging.Fetch:
    def fetch(params: dict[str, Any]) -> tuple[int, Any]:
        response = client.get(path, params=params)
        return response.status_code, body_of(response)

    return fetch


@dataclass
class Collection:
    """One seeded collection, its full listing and the walks over it."""

    name: str
    path: str
    per_page: int
    seeded: list[str]
    truth: list[str]  # every id of the collection, from one per_page=100 listing
    forward: paging.Walk
    backward: paging.Walk

    @property
    def total(self) -> int:
        return len(self.truth)

    @property
    def applied_size(self) -> int:
        """The page size the server used: what the first page held when more pages follow."""
        first = self.forward.pages[0]
        held = len(first.results)
        return held if held and (held < self.total or held > self.per_page) else self.per_page

    @property
    def last_offset(self) -> int:
        return paging.expected_page_count(self.total, self.applied_size) - 1

    def page_at(self, offset: int) -> paging.Page | None:
        return next((p for p in self.forward.pages if p.offset == offset), None)


def _body(scratch: ScratchResources, kind: str) -> dict[str, Any]:
    """A documented create body for one comment or link (link URLs are unique per work item)."""
    name = scratch.name(kind.removesuffix("s"))
    if kind == "comments":
        return {"comment_html": f"<p>{name}</p>"}
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return {"url": f"https://example.com/{slug}", "title": name}


def _seed(scratch: ScratchResources, path: str, kind: str, count: int) -> list[str]:
    return [str(scratch.create(path, _body(scratch, kind))["id"]) for _ in range(count)]


def _all_ids(fetch: paging.Fetch) -> list[str]:
    """Every id of the collection, walked at the maximum page size (one request up to 100);
    at the server's default page size if it refuses 100 (a smaller maximum is PAG-008/009's)."""
    walk = paging.walk_forward(fetch, paging.MAX_PER_PAGE, max_pages=50)
    if not walk.pages[0].ok:
        walk = paging.walk_forward(fetch, None, max_pages=50)
    if not walk.pages[0].ok:
        raise NotVerified(f"the collection cannot be listed to walk it: {walk.stop}")
    return list(dict.fromkeys(walk.ids))


@pytest.fixture(scope="module")
def collections(
    target: TargetConfig, client: TargetClient, scratch: ScratchResources
) -> dict[str, Collection]:
    if target.read_only:
        raise NotSelected("read-only mode: pagination checks seed their own collections")
    built: dict[str, Collection] = {}
    parent = scratch.create(scratch.project_path("work-items/"), {"name": scratch.name("paging")})
    for kind, (count, smallest) in COLLECTIONS.items():
        path = scratch.project_path(f"work-items/{parent['id']}/{kind}/")
        seeded = _seed(scratch, path, kind, count)
        fetch = fetcher(client, path)
        truth = _all_ids(fetch)
        # About three pages, also in a configured project that already holds many items.
        per_page = min(paging.MAX_PER_PAGE, max(smallest, math.ceil(len(truth) / 3)))
        cap = paging.expected_page_count(len(truth), per_page) + 2
        forward = paging.walk_forward(fetch, per_page, max_pages=cap)
        partial = Collection(kind, path, per_page, seeded, truth, forward, paging.Walk(per_page))
        start = partial.page_at(partial.last_offset)
        if start is None:  # the forward walk never got there: ask for the last page directly
            last = str(paging.Cursor(partial.applied_size, partial.last_offset, 0))
            start = paging.Page(last, *fetch({"per_page": per_page, "cursor": last}))
        partial.backward = paging.walk_backward(fetch, start, per_page, max_pages=cap)
        built[kind] = partial
    return built


@pytest.fixture(scope="module")
def listing(collections: dict[str, Collection]) -> Collection:
    """The larger seeded collection, for the per_page and cursor probes."""
    return collections["comments"]


def both(walks: Collection) -> paging.Walk:
    """Forward and backward pages together, for rules that hold on every page."""
    return paging.Walk(walks.per_page, walks.forward.pages + walks.backward.pages[1:])


def check(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


RESOURCES = pytest.mark.parametrize("kind", list(COLLECTIONS))


# --- the envelope and the cursors -------------------------------------------------------------


@RESOURCES
@pytest.mark.requirement("PAG-001")
def test_every_page_has_the_envelope(collections: dict[str, Collection], kind: str) -> None:
    check(paging.envelope_problems(both(collections[kind])))


@RESOURCES
@pytest.mark.requirement("PAG-002")
def test_envelope_fields_have_their_types(collections: dict[str, Collection], kind: str) -> None:
    check(paging.type_problems(both(collections[kind])))


@RESOURCES
@pytest.mark.requirement("PAG-003")
def test_cursors_are_value_offset_is_prev(collections: dict[str, Collection], kind: str) -> None:
    check(paging.cursor_format_problems(both(collections[kind])))


@RESOURCES
@pytest.mark.requirement("PAG-004")
def test_cursor_value_is_the_page_size(collections: dict[str, Collection], kind: str) -> None:
    walks = collections[kind]
    check(
        paging.cursor_value_problems(both(walks), walks.per_page)
        + paging.page_size_problems(walks.forward, walks.per_page, walks.last_offset)
    )


@RESOURCES
@pytest.mark.requirement("PAG-005")
def test_cursor_offset_is_the_page_number(collections: dict[str, Collection], kind: str) -> None:
    check(paging.cursor_offset_problems(both(collections[kind])))


@RESOURCES
@pytest.mark.requirement("PAG-006")
def test_is_prev_marks_previous_cursors(collections: dict[str, Collection], kind: str) -> None:
    check(paging.is_prev_problems(both(collections[kind])))


# --- the walk ---------------------------------------------------------------------------------


@RESOURCES
@pytest.mark.requirement("PAG-013")
def test_forward_walk_visits_every_item_once(collections: dict[str, Collection], kind: str) -> None:
    walks = collections[kind]
    missing_seeds = sorted(set(walks.seeded) - set(walks.truth))
    assert not missing_seeds, f"seeded items absent from the per_page=100 listing: {missing_seeds}"
    check(paging.exactly_once_problems(walks.forward, walks.truth))


@RESOURCES
@pytest.mark.requirement("PAG-014")
def test_backward_walk_retraces_the_pages(collections: dict[str, Collection], kind: str) -> None:
    walks = collections[kind]
    check(paging.backward_problems(walks.forward, walks.backward, walks.last_offset))


@RESOURCES
@pytest.mark.requirement("PAG-015")
def test_count_is_the_items_on_the_page(collections: dict[str, Collection], kind: str) -> None:
    check(paging.count_problems(both(collections[kind])))


@RESOURCES
@pytest.mark.requirement("PAG-016")
def test_total_results_is_the_collection_size(
    collections: dict[str, Collection], kind: str
) -> None:
    walks = collections[kind]
    check(paging.total_results_problems(both(walks), walks.total))


@RESOURCES
@pytest.mark.requirement("PAG-017")
def test_total_pages_is_the_page_count(collections: dict[str, Collection], kind: str) -> None:
    walks = collections[kind]
    check(paging.total_pages_problems(both(walks), walks.total, walks.applied_size))


@RESOURCES
@pytest.mark.requirement("PAG-018")
def test_more_results_flags_are_false_only_at_the_ends(
    collections: dict[str, Collection], kind: str
) -> None:
    walks = collections[kind]
    check(paging.flag_problems(both(walks), walks.last_offset))


@RESOURCES
@pytest.mark.requirement("PAG-019")
def test_no_cursor_serves_the_first_page(collections: dict[str, Collection], kind: str) -> None:
    walks = collections[kind]
    reached = walks.backward.pages[-1]
    assert reached.offset == 0 and reached.get("prev_page_results") is False, (
        f"walking back did not reach page 0: {walks.backward.describe()}"
    )
    first = walks.forward.pages[0]
    assert first.ids == reached.ids, (
        f"first page without cursor {first.ids[:3]}..., page 0 reached walking back "
        f"{reached.ids[:3]}..."
    )


@pytest.mark.requirement("PAG-013")
def test_any_page_size_walks_every_item_once(
    target: TargetConfig, client: TargetClient, profile: str, listing: Collection
) -> None:
    """Property: whatever per_page between 2 and the collection size + 1, one walk sees all."""
    fetch = fetcher(client, listing.path)
    smallest = 1 if profile == "full" else 2  # per_page=1 costs one request per item

    @settings(
        max_examples=PROPERTY_EXAMPLES.get(profile, 3),
        phases=(Phase.generate,),  # no shrinking: every example costs several requests
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis_seed(target.seed or 0)
    @given(per_page=st.integers(min_value=smallest, max_value=listing.total + 1))
    def walks_once(per_page: int) -> None:
        cap = paging.expected_page_count(listing.total, per_page) + 2
        walk = paging.walk_forward(fetch, per_page, max_pages=cap)
        check(paging.exactly_once_problems(walk, listing.truth))

    walks_once()


# --- per_page -------------------------------------------------------------------------------


def _judge(units: Units, requirement: str, unit: str, verdict: paging.Verdict) -> None:
    """Record a pure rule's (status, reason) as the requirement's unit; conclude the test."""
    status, reason = verdict
    if status == "not_verified":
        raise NotVerified(f"{unit}: {reason}")
    units.judge(requirement, unit, [reason] if status == "failed" else [])
    units.conclude()


@pytest.mark.requirement("PAG-007")
def test_per_page_defaults_to_100(
    client: TargetClient,
    scratch: ScratchResources,
    profile: str,
    listing: Collection,
    units: Units,
) -> None:
    """Without per_page a page holds up to 100 items (or 20: the operation pages' default)."""
    response = client.get(listing.path)
    page = paging.Page(None, response.status_code, body_of(response))
    assert page.ok, f"listing without per_page answered {response.status_code}"
    verdict = paging.default_size_verdict(page, listing.total)
    unit = f"GET {listing.path} without per_page"
    if verdict[0] == "not_verified":
        # The page holds the whole small collection and its cursors name no size (allowed on
        # a last page): only a collection above the maximum tells the default apart.
        if profile != "full":
            raise NotSelected(
                f"{unit}: {verdict[1]}; the full profile seeds {BEYOND_MAX} items to tell"
            )
        path, total = _beyond_the_maximum(scratch)
        response = client.get(path)
        page = paging.Page(None, response.status_code, body_of(response))
        assert page.ok, f"listing without per_page answered {response.status_code}"
        unit, verdict = f"GET {path} without per_page", paging.default_size_verdict(page, total)
    _judge(units, "PAG-007", unit, verdict)


BEYOND_MAX = paging.MAX_PER_PAGE + 1


def _beyond_the_maximum(scratch: ScratchResources) -> tuple[str, int]:
    """A collection of its own holding one item more than the maximum page size."""
    parent = scratch.create(scratch.project_path("work-items/"), {"name": scratch.name("paging")})
    path = scratch.project_path(f"work-items/{parent['id']}/comments/")
    return path, len(_seed(scratch, path, "comments", BEYOND_MAX))


@pytest.fixture(scope="module")
def over_max(client: TargetClient, listing: Collection) -> httpx.Response:
    """One request with per_page=101, shared by PAG-008/009/010."""
    return client.get(
        listing.path, params={"per_page": paging.MAX_PER_PAGE + 1}, owner=("PAG-009",)
    )


@pytest.mark.requirement("PAG-008")
def test_no_page_exceeds_100(over_max: httpx.Response, listing: Collection, units: Units) -> None:
    """Asked for more than 100 items a page, the server serves no page above 100."""
    page = paging.Page("per_page=101", over_max.status_code, body_of(over_max))
    verdict = paging.over_max_verdict(over_max.status_code, page, listing.total)
    _judge(units, "PAG-008", f"GET {listing.path}?per_page=101", verdict)


@pytest.mark.requirement("PAG-009")
def test_per_page_above_100_is_refused(over_max: httpx.Response) -> None:
    assert over_max.status_code == 400, f"per_page=101 answered {over_max.status_code}, not 400"


@pytest.mark.requirement("PAG-010")
def test_per_page_refusal_names_the_maximum(over_max: httpx.Response) -> None:
    if over_max.status_code != 400:
        raise NotVerified(
            f"per_page=101 answered {over_max.status_code}: no refusal to read (judged by PAG-009)"
        )
    require_json_refusal(over_max, "per_page=101")
    assert "100" in over_max.text, f"the 400 does not state the maximum: {over_max.text[:200]}"


def judge_refusals(
    units: Units,
    requirement: str,
    client: TargetClient,
    path: str,
    queries: list[dict[str, Any]],
) -> None:
    """Each request must be refused as a client error (4xx), never served and never a 5xx; the
    probes own their answers (a 5xx here is this requirement's, not STATUS-010's too)."""
    for query in queries:
        response = client.get(path, params=query, owner=(requirement,))
        problems = (
            []
            if 400 <= response.status_code < 500
            else [f"answered {response.status_code}, expected a 4xx refusal"]
        )
        units.judge(requirement, f"GET {path} {query}", problems)
    units.conclude()


@pytest.mark.requirement("PAG-011")
def test_invalid_per_page_is_refused(
    client: TargetClient, listing: Collection, units: Units
) -> None:
    queries = [{"per_page": value} for value in ("0", "-1", "abc")]
    judge_refusals(units, "PAG-011", client, listing.path, queries)


@pytest.mark.requirement("PAG-012")
def test_malformed_cursor_is_refused(
    client: TargetClient, listing: Collection, units: Units
) -> None:
    queries = [{"cursor": value} for value in ("garbage", "1:2", "a:b:c")]
    judge_refusals(units, "PAG-012", client, listing.path, queries)


@pytest.mark.requirement("PAG-020")
def test_cursor_past_the_end_is_an_empty_last_page(
    client: TargetClient, listing: Collection
) -> None:
    size = listing.per_page
    cursor = str(paging.Cursor(size, paging.expected_page_count(listing.total, size) + 1, 0))
    response = client.get(listing.path, params={"per_page": size, "cursor": cursor})
    page = paging.Page(cursor, response.status_code, body_of(response))
    assert page.ok, f"cursor {cursor} answered {response.status_code}"
    assert page.results == [], f"cursor {cursor} past the end served {len(page.results)} items"
    assert page.get("next_page_results") is False, (
        f"past the end next_page_results is {page.get('next_page_results')!r}"
    )


@pytest.mark.requirement("PAG-021")
def test_undocumented_paging_params_do_not_move_the_cursor(
    client: TargetClient, listing: Collection
) -> None:
    second = listing.page_at(1)
    if second is None or not second.ok:
        raise NotVerified("the forward walk has no page at offset 1 to compare with")
    params = {"per_page": listing.per_page, "cursor": second.cursor}
    response = client.get(listing.path, params={**params, "page": 1, "offset": 0, "limit": 5})
    if response.status_code == 400:
        return  # refusing undocumented parameters is allowed
    page = paging.Page(second.cursor, response.status_code, body_of(response))
    assert page.ok, f"cursor {second.cursor} with page/offset/limit answered {response.status_code}"
    assert page.ids == second.ids, (
        f"with page=1&offset=0&limit=5 the cursor {second.cursor} served {page.ids[:3]}..., "
        f"without them {second.ids[:3]}..."
    )
