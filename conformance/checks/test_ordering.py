"""order_by and the documented list filters (ORD-001..004).

Three work items are seeded so that every order tried lists them differently from creation
order in one direction or the other: names, sort_order and target_date are shuffled, and the
first item is touched last (updated_at). They share one external_source, so the lists can be
narrowed to them, and each has its own external_id.

Timestamps with one-second resolution are a legitimate variation: when two seeds' created_at
(or updated_at) tie, the seed waits for the next second and writes again, so every order field
has three distinct values to order. A field whose values still tie is *not verified* for that
unit (the order cannot be told), never failed.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from conformance.checks._integrator import (
    REDIRECTS,
    describe,
    fetch,
    json_of,
    judged_elsewhere,
    rows_of,
    walk_all,
)
from conformance.outcomes import NotSelected, NotVerified, Units
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

# (name suffix, sort_order, target_date) in creation order: every field orders them differently.
SEEDS = (("b", 300.0, "2031-06-02"), ("c", 100.0, "2031-06-03"), ("a", 200.0, "2031-06-01"))
ORDER_FIELDS = ("created_at", "sequence_id", "name", "sort_order", "target_date", "updated_at")
UNKNOWN = "plc_no_such_field"
CLOCK_TICK_S = 1.05  # a little more than the coarsest timestamp resolution we allow for
TIE_RETRIES = 2


def tied(value: object, others: list[object]) -> bool:
    return value is not None and str(value) in {str(o) for o in others}


class OrderSeed:
    """The three seeded work items, created and touched so that no timestamp ties."""

    def __init__(self, client: TargetClient, scratch: ScratchResources) -> None:
        self.client, self.scratch = client, scratch
        self.path = scratch.project_path("work-items/")
        self.prefix, self.source = scratch.name("ord"), scratch.name("ord-src")
        self.items: list[dict[str, Any]] = []
        for suffix, order, day in SEEDS:
            body = {
                "name": f"{self.prefix} {suffix}",
                "sort_order": order,
                "target_date": day,
                "external_source": self.source,
                "external_id": self.external_id(suffix),
            }
            self.items.append(self.create_untied(body))
        self.touch_first()

    def external_id(self, suffix: str) -> str:
        return f"{self.prefix} ext {suffix}"

    def create_untied(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create `body`; if its created_at ties an earlier seed's, delete it and create it again
        a clock tick later (a second-resolution server)."""
        item = self.scratch.create(self.path, body)
        for _ in range(TIE_RETRIES):
            if not tied(item.get("created_at"), [i.get("created_at") for i in self.items]):
                break
            detail = f"{self.path}{item['id']}/"
            self.client.delete(detail)
            self.scratch.forget(detail)
            time.sleep(CLOCK_TICK_S)
            item = self.scratch.create(self.path, body)
        return item

    def touch_first(self) -> None:
        """PATCH the first seed last, so its updated_at is the newest (a tick later if tied)."""
        first = f"{self.path}{self.items[0]['id']}/"
        others = [i.get("updated_at") for i in self.items[1:]]
        for priority in ("low", "medium", "high")[: TIE_RETRIES + 1]:
            touched = self.scratch.client.patch(first, json={"priority": priority})
            body = json_of(touched)
            if touched.status_code not in range(200, 300) or not isinstance(body, dict):
                break  # the order of updated_at is then judged as it comes
            if not tied(body.get("updated_at"), others):
                break
            time.sleep(CLOCK_TICK_S)

    @property
    def ids(self) -> list[str]:
        return [str(item["id"]) for item in self.items]


@pytest.fixture(scope="module")
def seeded(client: TargetClient, target: TargetConfig, scratch: ScratchResources) -> OrderSeed:
    if target.read_only:
        raise NotSelected("read-only mode: these checks seed their own work items")
    return OrderSeed(client, scratch)


@pytest.mark.requirement("ORD-001")
def test_order_by_orders_as_named(client: TargetClient, seeded: OrderSeed, units: Units) -> None:
    """Each order_by field and its - form list the seeded items in that order."""
    for name in ORDER_FIELDS:
        for descending in (False, True):
            order_by = f"-{name}" if descending else name
            judge_order(client, seeded, order_by, name, descending, units)
    units.conclude()


def judge_order(
    client: TargetClient,
    seeded: OrderSeed,
    order_by: str,
    name: str,
    descending: bool,
    units: Units,
) -> None:
    unit = f"order_by={order_by}"
    items, answers = walk_all(client, seeded.path, {"order_by": order_by}, max_pages=50)
    last = answers[-1]
    elsewhere = judged_elsewhere(last)
    if elsewhere:
        units.not_verified("ORD-001", unit, elsewhere)
        return
    if last.status_code != 200:
        units.failed("ORD-001", unit, f"a documented order field is refused: {describe(last)}")
        return
    ours = set(seeded.ids)
    listed = [item for item in items if str(item.get("id")) in ours]
    values: list[Any] = [item.get(name) for item in listed]  # JSON values, any type
    if len(listed) != len(ours):
        units.failed("ORD-001", unit, f"lists {len(listed)} of the {len(ours)} seeded items")
    elif None in values:
        units.not_verified("ORD-001", unit, f"the items carry no {name}: {values!r}")
    elif len(set(map(str, values))) != len(values):
        units.not_verified("ORD-001", unit, f"the seeded values tie, no order to tell: {values}")
    else:
        problems = [] if values == sorted(values, reverse=descending) else [f"listed {values}"]
        units.judge("ORD-001", unit, problems)


@pytest.mark.requirement("ORD-002")
def test_unknown_order_by_is_refused(client: TargetClient, seeded: OrderSeed) -> None:
    """An order_by naming no field answers 4xx."""
    response = fetch(client, seeded.path, {"order_by": UNKNOWN}, owner=("ORD-002", "ORD-003"))
    if response.status_code in REDIRECTS:
        raise NotVerified(str(judged_elsewhere(response)))
    assert 400 <= response.status_code < 500, describe(response)


@pytest.mark.requirement("ORD-003")
def test_unknown_order_by_is_no_server_error(client: TargetClient, seeded: OrderSeed) -> None:
    """An unknown order_by (either direction) never answers 5xx."""
    for order_by in (UNKNOWN, f"-{UNKNOWN}"):
        response = fetch(client, seeded.path, {"order_by": order_by}, owner=("ORD-003",))
        assert response.status_code < 500, describe(response)


# The list counters the filter must narrow, and the requirement that judges each one's honesty.
COUNTERS = {"total_results": "PAG-016", "count": "PAG-015"}


@pytest.mark.requirement("ORD-004")
def test_external_id_filter_narrows_results_and_counts(
    client: TargetClient, seeded: OrderSeed, units: Units
) -> None:
    """external_id with external_source answers the one matching item (results and counts)."""
    wanted = seeded.ids[1]
    params = {"external_source": seeded.source, "external_id": seeded.external_id(SEEDS[1][0])}
    response = fetch(client, seeded.path, params)
    elsewhere = judged_elsewhere(response)
    if elsewhere:
        raise NotVerified(elsewhere)
    assert response.status_code == 200, describe(response)
    body = json_of(response)
    if isinstance(body, dict) and "results" not in body:  # the lookup form: the object itself
        found = [] if str(body.get("id")) == wanted else [f"the lookup answered {body.get('id')!r}"]
        units.judge("ORD-004", "lookup", found)
        units.conclude()
        return
    ids = [str(row.get("id")) for row in rows_of(body)]
    units.judge("ORD-004", "results", [] if ids == [wanted] else [
        f"filtered by {params}, the list holds {ids} (expected [{wanted}])"])  # fmt: skip
    honest = honest_counters(client, seeded)
    for counter, judge in COUNTERS.items():
        if not isinstance(body, dict) or counter not in body:
            continue
        if counter not in honest:
            units.not_verified("ORD-004", counter, f"the unfiltered list's {counter} does not "
                               f"count its items either; judged by {judge}")  # fmt: skip
            continue
        value = body[counter]
        units.judge("ORD-004", counter, [] if value == 1 else [
            f"the filtered list says {counter}={value!r}, expected 1"])  # fmt: skip
    units.conclude()


def honest_counters(client: TargetClient, seeded: OrderSeed) -> set[str]:
    """The counters the unfiltered list gets right, so that a counter wrong everywhere (a
    pagination departure) is not blamed on the filter."""
    items, answers = walk_all(client, seeded.path, max_pages=50)
    first, last = json_of(answers[0]), json_of(answers[-1])
    if answers[-1].status_code != 200 or not isinstance(first, dict):
        return set()
    honest = {"count"} if first.get("count") == len(rows_of(first)) else set()
    truncated = isinstance(last, dict) and bool(last.get("next_page_results"))
    if truncated or first.get("total_results") == len(items):  # a huge list is taken on trust
        honest.add("total_results")
    return honest
