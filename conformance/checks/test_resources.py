"""Rules of the operation pages for work items, states, cycles and modules: RES-001..007.

Paths and bodies follow the operation pages under api-reference/ (issue/, state/, cycle/, module/).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from conformance.checks._integrator import (
    describe,
    fetch,
    judged_elsewhere,
    require_permission,
    walk_all,
)
from conformance.checks._refusals import require_refusal_of
from conformance.outcomes import NotApplicable, NotSelected, NotVerified
from conformance.target.answers import json_of
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

OK = range(200, 300)


def ids_listed(client: TargetClient, path: str, *keys: str) -> set[str]:
    """Ids of every item of a (paginated) list, read from the given keys. A list that answers
    a 5xx or a redirect has nothing to show: that is STATUS-010's (REDIR-001's) departure, so
    the rule that needed the list is not verified, never failed for it too."""
    items, answers = walk_all(client, path, max_pages=50)
    elsewhere = judged_elsewhere(answers[-1])
    if elsewhere:
        raise NotVerified(f"the list is not readable: {elsewhere}")
    return {str(item[key]) for item in items for key in keys if item.get(key) is not None}


def cycle_dates(start: date, days: int) -> dict[str, str]:
    """A cycle's dates in the form of the Create-a-cycle example (date-time, UTC)."""
    end = start + timedelta(days=days)
    return {
        "start_date": f"{start.isoformat()}T00:00:00Z",
        "end_date": f"{end.isoformat()}T00:00:00Z",
    }


@pytest.fixture(scope="module")
def work_items(target: TargetConfig, scratch: ScratchResources) -> list[dict[str, Any]]:
    """Two work items created one right after the other."""
    if target.read_only:
        raise NotSelected("read-only mode: these checks create their own objects")
    path = scratch.project_path("work-items/")
    return [
        scratch.create(path, {"name": scratch.name("res"), "priority": "high"}) for _ in range(2)
    ]


# --- work items -------------------------------------------------------------------------------


def assert_answers_with(
    client: TargetClient,
    scratch: ScratchResources,
    item: dict[str, Any],
    asked: str,
    owner: tuple[str, ...] = (),
) -> None:
    """GET `asked` answers 200 with the work item `item` (same id). When it does not, and the
    item is not readable by its id either, there is nothing this lookup could have answered:
    that is STATUS-003's departure, not this spelling's."""
    response = fetch(client, asked, owner=owner)
    if response.status_code != 200:
        by_id = fetch(client, scratch.project_path(f"work-items/{item['id']}/"))
        if by_id.status_code != 200:
            raise NotVerified(f"{describe(response)}, and by its id {describe(by_id)}; "
                              "judged by STATUS-003")  # fmt: skip
    assert response.status_code == 200, describe(response)
    found = json_of(response)
    assert isinstance(found, dict) and str(found.get("id")) == str(item["id"]), (
        f"{asked} answered another object "
        f"({found.get('id') if isinstance(found, dict) else found!r}), expected {item['id']}"
    )


@pytest.mark.requirement("RES-001")
def test_work_item_by_identifier(
    client: TargetClient, scratch: ScratchResources, work_items: list[dict[str, Any]]
) -> None:
    item = work_items[0]
    identifier = f"{scratch.identifier}-{item.get('sequence_id')}"
    assert_answers_with(client, scratch, item, client.ws(f"work-items/{identifier}/"))


@pytest.mark.requirement("RES-002")
def test_sequence_ids_increase(work_items: list[dict[str, Any]]) -> None:
    # The JSON type of sequence_id is the schema checks' business (SCHEMA-002); here only the
    # numbering counts, so a number sent as a string is read as that number.
    values = [str(item.get("sequence_id")) for item in work_items]
    for value in values:
        assert value.isdigit() and int(value) >= 1, f"sequence_id {value!r} is not a number >= 1"
    first, second = (int(value) for value in values)
    assert second > first, f"created one after the other, sequence_id went {first} -> {second}"


@pytest.mark.requirement("RES-003")
def test_issues_alias_serves_work_items(
    client: TargetClient, scratch: ScratchResources, work_items: list[dict[str, Any]]
) -> None:
    """Information (MAY): the older issues/ spelling, known from Plane's URL configuration and
    no docs page, serves the same work items where a target routes it."""
    item = work_items[1]
    route = client.routes.family_of(scratch.project_path(f"work-items/{item['id']}/"))
    if route is None or route.legacy_status != "served":
        raise NotApplicable(
            "the target does not route the older issues/ spelling (no docs page documents it)"
        )
    if route.adapted:
        raise NotApplicable(
            "the target routes only the older issues/ spelling: the documented work-items/ "
            "paths are absent (judged by CAP-001), so there is no second spelling to compare"
        )
    path = scratch.project_path(f"issues/{item['id']}/")
    assert_answers_with(client, scratch, item, path, owner=("RES-003",))


def refused_with_400(
    scratch: ScratchResources, path: str, body: dict[str, Any], probed: tuple[str, ...]
) -> list[str]:
    """POST must answer 400 for the `probed` fields; an object created anyway is deleted again
    at once. Sent the way this target's creates work (its learned extra fields), so the 400 is
    about `body`; a refusal for another reason, or of a URL the target does not route, leaves
    the rule not verified (`require_refusal_of`)."""
    response = scratch.post(path, body)
    require_refusal_of(scratch.client, response, f"POST {path}", probed)
    if response.status_code == 400:
        return []
    require_permission(response)  # refused for the key: the body was never judged
    created = json_of(response)
    if response.status_code in OK and isinstance(created, dict) and "id" in created:
        detail = f"{path}{created['id']}/"
        if scratch.client.delete(detail).status_code in (200, 202, 204, 404):
            scratch.forget(detail)
    return [f"{describe(response)} (body {body}), expected 400"]


@pytest.mark.requirement("RES-004")
def test_enumerations_refuse_undocumented_values(scratch: ScratchResources, writable: None) -> None:
    problems = refused_with_400(
        scratch,
        scratch.project_path("work-items/"),
        {"name": scratch.name("enum"), "priority": "sometimes"},
        ("priority",),
    )
    problems += refused_with_400(
        scratch,
        scratch.project_path("states/"),
        {"name": scratch.name("enum"), "color": "#336699", "group": "whatever"},
        ("group",),
    )
    assert not problems, "\n".join(problems)


# --- cycles and modules -----------------------------------------------------------------------

# kind -> (collection, archived collection, membership suffix)
CONTAINERS = {
    "cycles": ("cycles/", "archived-cycles/", "cycle-issues/"),
    "modules": ("modules/", "archived-modules/", "module-issues/"),
}


def finished_container(scratch: ScratchResources, kind: str) -> dict[str, Any]:
    """A cycle that has ended, or a completed module: what archiving expects."""
    body: dict[str, Any] = {"name": scratch.name(kind[:-1])}
    if kind == "cycles":
        body |= cycle_dates(date(2020, 1, 6), 13)
    else:
        body |= {"status": "completed"}
    return scratch.create(scratch.project_path(CONTAINERS[kind][0]), body)


def running_container(scratch: ScratchResources, kind: str) -> dict[str, Any]:
    body: dict[str, Any] = {"name": scratch.name(kind[:-1])}
    if kind == "cycles":
        body |= cycle_dates(datetime.now(UTC).date() - timedelta(days=1), 14)
    return scratch.create(scratch.project_path(CONTAINERS[kind][0]), body)


@pytest.mark.parametrize("kind", list(CONTAINERS))
@pytest.mark.requirement("RES-005")
def test_archive_and_unarchive(
    client: TargetClient, scratch: ScratchResources, writable: None, kind: str
) -> None:
    collection, archived, _ = CONTAINERS[kind]
    container_id = str(finished_container(scratch, kind)["id"])
    archive = client.post(scratch.project_path(f"{collection}{container_id}/archive/"))
    require_permission(archive)
    assert archive.status_code in OK, describe(archive)
    assert container_id in ids_listed(client, scratch.project_path(archived), "id"), (
        f"after archiving, {archived} does not list {container_id}"
    )
    unarchive = client.delete(scratch.project_path(f"{archived}{container_id}/unarchive/"))
    assert unarchive.status_code in OK, describe(unarchive)
    assert container_id not in ids_listed(client, scratch.project_path(archived), "id"), (
        f"after unarchiving, {archived} still lists {container_id}"
    )
    assert container_id in ids_listed(client, scratch.project_path(collection), "id"), (
        f"after unarchiving, {collection} does not list {container_id}"
    )


@pytest.mark.parametrize("kind", list(CONTAINERS))
@pytest.mark.requirement("RES-006")
def test_work_item_membership(
    client: TargetClient, scratch: ScratchResources, work_items: list[dict[str, Any]], kind: str
) -> None:
    collection, _, members = CONTAINERS[kind]
    container_id = str(running_container(scratch, kind)["id"])
    item_id = str(work_items[0]["id"])
    membership = scratch.project_path(f"{collection}{container_id}/{members}")
    added = client.post(membership, json={"issues": [item_id]})
    require_permission(added)
    assert added.status_code in OK, describe(added)
    # The list shows membership rows ({"issue": id}) or the work items themselves ({"id": id}).
    assert item_id in ids_listed(client, membership, "issue", "id"), (
        f"{membership} does not list the added work item {item_id}"
    )
    removed = client.delete(f"{membership}{item_id}/")
    assert removed.status_code in OK, describe(removed)
    assert item_id not in ids_listed(client, membership, "issue", "id"), (
        f"{membership} still lists {item_id} after removing it"
    )


@pytest.mark.requirement("RES-007")
def test_cycle_ending_before_it_starts_is_refused(
    scratch: ScratchResources, writable: None
) -> None:
    body = {
        "name": scratch.name("cycle"),
        "start_date": "2030-02-01T00:00:00Z",
        "end_date": "2030-01-01T00:00:00Z",
    }
    problems = refused_with_400(
        scratch, scratch.project_path("cycles/"), body, ("start_date", "end_date")
    )
    assert not problems, "\n".join(problems)
