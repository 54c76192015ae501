"""Cursor pagination (API introduction, "Pagination"): PAG-001..021.

Two collections of the scratch project are seeded once per module (work items and labels) so that
they span three pages at a small page size. Each is walked forward and backward once; the walks
are cached and every test asserts one rule on them, naming only that rule's requirement ids, so
that a server breaking one rule fails exactly the matching requirement. Rules about the page
partition (flags, total_pages, the backward walk) are judged against the page size the server
actually applied, so that a server ignoring per_page fails PAG-004 and not every rule at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from conformance.checks import _walk as paging
from conformance.outcomes import NotSelected, NotVerified
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

# Seeded items per collection, and the page size at which they span three pages.
COLLECTIONS: dict[str, tuple[int, int]] = {"work-items": (13, 5), "labels": (7, 3)}
# How many extra page sizes the "any per_page walks everything once" property tries.
PROPERTY_EXAMPLES = {"quick": 2, "standard": 3, "full": 6}


def body_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


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


def _seed(scratch: ScratchResources, kind: str, count: int) -> list[str]:
    path = scratch.project_path(f"{kind}/")
    return [str(scratch.create(path, {"name": scratch.name(kind)})["id"]) for _ in range(count)]


def _all_ids(fetch: paging.Fetch) -> list[str]:
    """Every id of the collection, walked at the maximum page size (one request up to 100)."""
    walk = paging.walk_forward(fetch, paging.MAX_PER_PAGE, max_pages=50)
    assert walk.pages[0].ok, f"listing at per_page=100: {walk.stop}"
    return list(dict.fromkeys(walk.ids))


@pytest.fixture(scope="module")
def collections(
    target: TargetConfig, client: TargetClient, scratch: ScratchResources
) -> dict[str, Collection]:
    if target.read_only:
        raise NotSelected("read-only mode: pagination checks seed their own collections")
    built: dict[str, Collection] = {}
    for kind, (count, smallest) in COLLECTIONS.items():
        seeded = _seed(scratch, kind, count)
        path = scratch.project_path(f"{kind}/")
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
def work_items(collections: dict[str, Collection]) -> Collection:
    return collections["work-items"]


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
    target: TargetConfig, client: TargetClient, profile: str, work_items: Collection
) -> None:
    """Property: whatever per_page between 2 and the collection size + 1, one walk sees all."""
    fetch = fetcher(client, work_items.path)
    smallest = 1 if profile == "full" else 2  # per_page=1 costs one request per item

    @settings(
        max_examples=PROPERTY_EXAMPLES.get(profile, 3),
        phases=(Phase.generate,),  # no shrinking: every example costs several requests
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis_seed(target.seed or 0)
    @given(per_page=st.integers(min_value=smallest, max_value=work_items.total + 1))
    def walks_once(per_page: int) -> None:
        cap = paging.expected_page_count(work_items.total, per_page) + 2
        walk = paging.walk_forward(fetch, per_page, max_pages=cap)
        check(paging.exactly_once_problems(walk, work_items.truth))

    walks_once()


# --- per_page -------------------------------------------------------------------------------


@pytest.mark.requirement("PAG-007")
def test_per_page_defaults_to_100(client: TargetClient, work_items: Collection) -> None:
    response = client.get(work_items.path)
    page = paging.Page(None, response.status_code, body_of(response))
    assert page.ok, f"listing without per_page answered {response.status_code}"
    expected = min(work_items.total, paging.DEFAULT_PER_PAGE)
    assert len(page.results) == expected, (
        f"without per_page the first page holds {len(page.results)} of {work_items.total} items"
    )
    cursor = paging.parse_cursor(page.get("next_cursor"))
    assert cursor is not None and cursor.value == paging.DEFAULT_PER_PAGE, (
        f"without per_page next_cursor is {page.get('next_cursor')!r}; its value must be 100"
    )


@pytest.fixture(scope="module")
def over_max(client: TargetClient, work_items: Collection) -> httpx.Response:
    """One request with per_page=101, shared by PAG-008/009/010."""
    return client.get(work_items.path, params={"per_page": paging.MAX_PER_PAGE + 1})


@pytest.mark.requirement("PAG-008")
def test_no_page_exceeds_100(over_max: httpx.Response, work_items: Collection) -> None:
    check(paging.max_size_problems(work_items.forward))
    if over_max.status_code == 200:  # served anyway: the size it applied must not exceed 100
        page = paging.Page("per_page=101", 200, body_of(over_max))
        check(paging.max_size_problems(paging.Walk(paging.MAX_PER_PAGE + 1, [page])))


@pytest.mark.requirement("PAG-009")
def test_per_page_above_100_is_refused(over_max: httpx.Response) -> None:
    assert over_max.status_code == 400, f"per_page=101 answered {over_max.status_code}, not 400"


@pytest.mark.requirement("PAG-010")
def test_per_page_refusal_names_the_maximum(over_max: httpx.Response) -> None:
    assert over_max.status_code == 400, f"per_page=101 answered {over_max.status_code}, not 400"
    assert "100" in over_max.text, f"the 400 does not state the maximum: {over_max.text[:200]}"


def refusal_problems(client: TargetClient, path: str, params: list[dict[str, Any]]) -> list[str]:
    """Each request must be refused as a client error (4xx), never served and never a 5xx."""
    problems = []
    for query in params:
        response = client.get(path, params=query)
        if not 400 <= response.status_code < 500:
            problems.append(f"{query} answered {response.status_code}, expected a 4xx refusal")
    return problems


@pytest.mark.requirement("PAG-011")
def test_invalid_per_page_is_refused(client: TargetClient, work_items: Collection) -> None:
    queries = [{"per_page": value} for value in ("0", "-1", "abc")]
    check(refusal_problems(client, work_items.path, queries))


@pytest.mark.requirement("PAG-012")
def test_malformed_cursor_is_refused(client: TargetClient, work_items: Collection) -> None:
    queries = [{"cursor": value} for value in ("garbage", "1:2", "a:b:c")]
    check(refusal_problems(client, work_items.path, queries))


@pytest.mark.requirement("PAG-020")
def test_cursor_past_the_end_is_an_empty_last_page(
    client: TargetClient, work_items: Collection
) -> None:
    size = work_items.per_page
    cursor = str(paging.Cursor(size, paging.expected_page_count(work_items.total, size) + 1, 0))
    response = client.get(work_items.path, params={"per_page": size, "cursor": cursor})
    page = paging.Page(cursor, response.status_code, body_of(response))
    assert page.ok, f"cursor {cursor} answered {response.status_code}"
    assert page.results == [], f"cursor {cursor} past the end served {len(page.results)} items"
    assert page.get("next_page_results") is False, (
        f"past the end next_page_results is {page.get('next_page_results')!r}"
    )


@pytest.mark.requirement("PAG-021")
def test_undocumented_paging_params_do_not_move_the_cursor(
    client: TargetClient, work_items: Collection
) -> None:
    second = work_items.page_at(1)
    if second is None or not second.ok:
        raise NotVerified("the forward walk has no page at offset 1 to compare with")
    params = {"per_page": work_items.per_page, "cursor": second.cursor}
    response = client.get(work_items.path, params={**params, "page": 1, "offset": 0, "limit": 5})
    if response.status_code == 400:
        return  # refusing undocumented parameters is allowed
    page = paging.Page(second.cursor, response.status_code, body_of(response))
    assert page.ok, f"cursor {second.cursor} with page/offset/limit answered {response.status_code}"
    assert page.ids == second.ids, (
        f"with page=1&offset=0&limit=5 the cursor {second.cursor} served {page.ids[:3]}..., "
        f"without them {second.ids[:3]}..."
    )
