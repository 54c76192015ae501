"""order_by and the documented list filters (ORD-001..004).

Three work items are seeded so that every order tried lists them differently from creation
order in one direction or the other: names, sort_order and target_date are shuffled, and the
first item is touched last (updated_at). They share one external_source, so the lists can be
narrowed to them, and each has its own external_id.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.checks._integrator import describe, json_of, rows_of, walk_all
from conformance.outcomes import NotSelected
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

# (name suffix, sort_order, target_date) in creation order: every field orders them differently.
SEEDS = (("b", 300.0, "2031-06-02"), ("c", 100.0, "2031-06-03"), ("a", 200.0, "2031-06-01"))
ORDER_FIELDS = ("created_at", "sequence_id", "name", "sort_order", "target_date", "updated_at")
UNKNOWN = "plc_no_such_field"


@pytest.fixture(scope="module")
def seeded(client: TargetClient, target: TargetConfig, scratch: ScratchResources) -> dict[str, Any]:
    if target.read_only:
        raise NotSelected("read-only mode: these checks seed their own work items")
    path = scratch.project_path("work-items/")
    prefix, source = scratch.name("ord"), scratch.name("ord-src")
    items = [
        scratch.create(path, {"name": f"{prefix}-{suffix}", "sort_order": order,
                              "target_date": day, "external_source": source,
                              "external_id": f"{prefix}-ext-{suffix}"})
        for suffix, order, day in SEEDS
    ]  # fmt: skip
    touched = client.patch(f"{path}{items[0]['id']}/", json={"priority": "low"})
    assert touched.status_code == 200, describe(touched)
    return {"path": path, "ids": [str(i["id"]) for i in items], "source": source,
            "external_ids": [f"{prefix}-ext-{s}" for s, _, _ in SEEDS]}  # fmt: skip


def listed_order(
    client: TargetClient, seeded: dict[str, Any], order_by: str
) -> list[dict[str, Any]]:
    items, answers = walk_all(client, seeded["path"], {"order_by": order_by})
    assert answers[-1].status_code == 200, describe(answers[-1])
    ours = set(seeded["ids"])
    return [item for item in items if str(item.get("id")) in ours]


@pytest.mark.requirement("ORD-001")
def test_order_by_orders_as_named(client: TargetClient, seeded: dict[str, Any]) -> None:
    """Each order_by field and its - form list the seeded items in that order."""
    problems = []
    for name in ORDER_FIELDS:
        for descending in (False, True):
            order_by = f"-{name}" if descending else name
            listed = listed_order(client, seeded, order_by)
            values: list[Any] = [item.get(name) for item in listed]  # JSON values, any type
            if len(listed) != 3 or None in values or len(set(map(str, values))) != 3:
                problems.append(f"order_by={order_by}: cannot compare, got {values!r}")
                continue
            if values != sorted(values, reverse=descending):
                problems.append(f"order_by={order_by} listed {name} as {values}")
    assert not problems, "\n".join(problems)


@pytest.mark.requirement("ORD-002")
def test_unknown_order_by_is_refused(client: TargetClient, seeded: dict[str, Any]) -> None:
    """An order_by naming no field answers 4xx."""
    response = client.get(seeded["path"], params={"order_by": UNKNOWN})
    assert 400 <= response.status_code < 500, describe(response)


@pytest.mark.requirement("ORD-003")
def test_unknown_order_by_is_no_server_error(client: TargetClient, seeded: dict[str, Any]) -> None:
    """An unknown order_by (either direction) never answers 5xx."""
    for order_by in (UNKNOWN, f"-{UNKNOWN}"):
        response = client.get(seeded["path"], params={"order_by": order_by})
        assert response.status_code < 500, describe(response)


@pytest.mark.requirement("ORD-004")
def test_external_id_filter_narrows_results_and_counts(
    client: TargetClient, seeded: dict[str, Any]
) -> None:
    """external_id with external_source answers the one matching item (results and counts)."""
    wanted = seeded["ids"][1]
    params = {"external_source": seeded["source"], "external_id": seeded["external_ids"][1]}
    response = client.get(seeded["path"], params=params)
    assert response.status_code == 200, describe(response)
    body = json_of(response)
    if isinstance(body, dict) and "results" not in body:  # the lookup form: the object itself
        assert str(body.get("id")) == wanted, f"the lookup answered {body.get('id')!r}"
        return
    ids = [str(row.get("id")) for row in rows_of(body)]
    assert ids == [wanted], f"filtered by {params}, the list holds {ids} (expected [{wanted}])"
    counts = {k: body.get(k) for k in ("total_results", "count") if k in body}
    assert all(v == 1 for v in counts.values()), f"filtered list counts {counts}, expected 1"
