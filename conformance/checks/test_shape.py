"""Shape consistency: one work item, one type per field, whichever endpoint returns it; relation
fields in one form on every item of a list (SHAPE-001, SHAPE-002).

SHAPE-001 is judged per endpoint (a unit each), against the type the detail gives a field: the
cycle and module work-item lists need cycles and modules, so where those are off (or refused),
those two units are blocked with the reason while the other endpoints are still judged.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.checks._integrator import (
    describe,
    fetch,
    json_of,
    json_type,
    judged_elsewhere,
    rows_of,
    walk_all,
)
from conformance.outcomes import Blocked, NotSelected, NotVerified, SetupRefused, Units
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

RELATIONS = ("state", "labels", "assignees")
HOLDERS = {"cycles": "cycle-issues/", "modules": "module-issues/"}  # kind -> membership list
# The requirement that judges whether an endpoint returns the item at all.
RETURNS_IT = {"detail": "STATUS-003", "identifier": "RES-001", "cycles list": "RES-006",
              "modules list": "RES-006"}  # fmt: skip


@pytest.fixture(scope="module")
def shaped(target: TargetConfig, scratch: ScratchResources, me: str) -> dict[str, Any]:
    """Two work items with a label and an assignee (so a list page has more than one item
    to expand)."""
    if target.read_only:
        raise NotSelected("read-only mode: these checks seed their own work item")
    label = scratch.create(scratch.project_path("labels/"), {"name": scratch.name("shape")})
    body: dict[str, Any] = {"name": scratch.name("shape"), "labels": [label["id"]],
                            "assignees": [me]}  # fmt: skip
    item, _ = (scratch.create(scratch.project_path("work-items/"), body) for _ in range(2))
    # The create answer's content is STATUS-002's business: keep what was sent.
    return {"item": {**item, "name": body["name"]}}


@pytest.fixture(scope="module")
def holders(
    client: TargetClient, scratch: ScratchResources, shaped: dict[str, Any]
) -> dict[str, str]:
    """kind -> the membership list of a cycle / module holding the item, or why there is none
    (prefixed "blocked: ")."""
    found = {}
    for kind, members_suffix in HOLDERS.items():
        try:
            holder = scratch.create(scratch.project_path(kind + "/"), {"name": scratch.name(kind)})
        except (Blocked, SetupRefused) as refused:
            found[kind] = f"blocked: {refused}"
            continue
        path = scratch.project_path(f"{kind}/{holder['id']}/{members_suffix}")
        added = client.post(path, json={"issues": [shaped["item"]["id"]]})
        ok = added.status_code in range(200, 300)
        found[kind] = path if ok else f"blocked: adding the work item refused: {describe(added)}"
    return found


def views_of(
    client: TargetClient,
    scratch: ScratchResources,
    item: dict[str, Any],
    holders: dict[str, str],
) -> dict[str, dict[str, Any] | str]:
    """The work item as each endpoint gives it, or why that endpoint gave nothing."""
    item_id = str(item["id"])
    detail = json_of(fetch(client, scratch.project_path(f"work-items/{item_id}/")))
    sequence = (detail if isinstance(detail, dict) else item).get("sequence_id")
    listed, _ = walk_all(client, scratch.project_path("work-items/"), max_pages=50)
    reads: dict[str, list[dict[str, Any]] | str] = {
        "detail": [detail],
        "list": listed,
        "identifier": [json_of(fetch(
            client, client.ws(f"work-items/{scratch.identifier}-{sequence}/")))],
        "search": rows_of(json_of(fetch(
            client, client.ws("work-items/search/"), {"search": item["name"]}))),
    }  # fmt: skip
    for kind, path in holders.items():
        reads[f"{kind} list"] = (
            path if path.startswith("blocked: ") else rows_of(json_of(fetch(client, path)))
        )
    views: dict[str, dict[str, Any] | str] = {}
    for where, rows in reads.items():
        if isinstance(rows, str):
            views[where] = rows
            continue
        mine = [r for r in rows if isinstance(r, dict) and str(r.get("id")) == item_id]
        judge = f"; judged by {RETURNS_IT[where]}" if where in RETURNS_IT else ""
        views[where] = mine[0] if mine else f"not verified: the answer holds no such item{judge}"
    return views


def field_types(row: dict[str, Any]) -> dict[str, str]:
    return {name: json_type(value) for name, value in row.items() if value is not None}


@pytest.mark.requirement("SHAPE-001")
def test_one_type_per_field_across_endpoints(
    client: TargetClient,
    scratch: ScratchResources,
    shaped: dict[str, Any],
    holders: dict[str, str],
    units: Units,
) -> None:
    """Every field has one JSON type in the list, detail, lookup, search, cycle and module lists."""
    views = views_of(client, scratch, shaped["item"], holders)
    rows = {where: row for where, row in views.items() if isinstance(row, dict)}
    if "detail" not in rows:
        raise NotVerified(f"the work item detail did not return the item ({views['detail']})")
    reference: dict[str, tuple[str, str]] = {}  # field -> (type, where), the detail first
    for where, row in rows.items():
        for name, kind in field_types(row).items():
            reference.setdefault(name, (kind, where))
    for where, view in views.items():
        if isinstance(view, str):
            rung, _, why = view.partition(": ")
            record = units.blocked if rung == "blocked" else units.not_verified
            record("SHAPE-001", where, why)
            continue
        problems = [
            f"{name} is {kind} here, {reference[name][0]} in the {reference[name][1]}"
            for name, kind in field_types(view).items()
            if kind != reference[name][0]
        ]
        units.judge("SHAPE-001", where, problems)
    units.conclude()


def relation_form(value: object) -> str:
    items = value if isinstance(value, list) else [value]
    forms = {"object" if isinstance(v, dict) else "id" for v in items if v is not None}
    return forms.pop() if len(forms) == 1 else ("mixed" if forms else "empty")


@pytest.mark.requirement("SHAPE-002")
def test_relation_fields_take_one_form_on_every_item(
    client: TargetClient, scratch: ScratchResources, shaped: dict[str, Any]
) -> None:
    """Unexpanded: ids on every item; expanded: one form on every item of the walk."""
    path = scratch.project_path("work-items/")
    problems = []
    for expand in (None, ",".join(RELATIONS)):
        items, answers = walk_all(client, path, {"expand": expand} if expand else None)
        if answers[-1].status_code != 200:
            judge = "EXP-001" if expand else "STATUS-003"
            why = judged_elsewhere(answers[-1]) or f"{describe(answers[-1])}; judged by {judge}"
            raise NotVerified(why)
        for name in RELATIONS:
            forms = {relation_form(item.get(name)) for item in items} - {"empty"}
            if not expand and forms - {"id"}:
                problems.append(f"{name} without expand: forms {sorted(forms)} (ids expected)")
            elif expand and len(forms) > 1:
                problems.append(f"{name} with expand={expand}: items mix {sorted(forms)}")
    assert not problems, "\n".join(problems)
