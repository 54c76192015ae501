"""Shape consistency: one work item, one type per field, whichever endpoint returns it; relation
fields in one form on every item of a list (SHAPE-001, SHAPE-002)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.checks._integrator import describe, json_of, json_type, rows_of, walk_all
from conformance.outcomes import NotSelected
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

RELATIONS = ("state", "labels", "assignees")


@pytest.fixture(scope="module")
def shaped(
    client: TargetClient, target: TargetConfig, scratch: ScratchResources, members: list[str]
) -> dict[str, Any]:
    """Work items with a state, a label and an assignee; the first in a cycle and a module."""
    if target.read_only:
        raise NotSelected("read-only mode: these checks seed their own work item")
    label = scratch.create(scratch.project_path("labels/"), {"name": scratch.name("shape")})
    body: dict[str, Any] = {"name": scratch.name("shape"), "labels": [label["id"]]}
    if members:
        body["assignees"] = members[:1]
    # Two such items, so that a list page has more than one item to expand.
    item, _ = (scratch.create(scratch.project_path("work-items/"), body) for _ in range(2))
    holders = {}
    for kind, members_suffix in (("cycles", "cycle-issues/"), ("modules", "module-issues/")):
        holder = scratch.create(scratch.project_path(kind + "/"), {"name": scratch.name(kind)})
        path = scratch.project_path(f"{kind}/{holder['id']}/{members_suffix}")
        added = client.post(path, json={"issues": [item["id"]]})
        assert added.status_code in range(200, 300), describe(added)
        holders[kind] = path
    return {"item": item, "holders": holders}


def views_of(
    client: TargetClient, scratch: ScratchResources, shaped: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """The work item as each endpoint gives it (missing views are left out)."""
    item = shaped["item"]
    item_id = str(item["id"])
    views: dict[str, dict[str, Any]] = {}
    listed, _ = walk_all(client, scratch.project_path("work-items/"))
    reads = {
        "list": listed,
        "detail": [json_of(client.get(scratch.project_path(f"work-items/{item_id}/")))],
        "identifier": [json_of(client.get(
            client.ws(f"work-items/{scratch.identifier}-{item.get('sequence_id')}/")))],
        "search": rows_of(json_of(client.get(
            client.ws("work-items/search/"), params={"search": item["name"]}))),
    }  # fmt: skip
    for kind, path in shaped["holders"].items():
        reads[f"{kind} list"] = rows_of(json_of(client.get(path)))
    for where, rows in reads.items():
        for row in rows:
            if isinstance(row, dict) and str(row.get("id")) == item_id:
                views[where] = row
    return views


@pytest.mark.requirement("SHAPE-001")
def test_one_type_per_field_across_endpoints(
    client: TargetClient, scratch: ScratchResources, shaped: dict[str, Any]
) -> None:
    """Every field has one JSON type in the list, detail, lookup, search, cycle and module lists."""
    views = views_of(client, scratch, shaped)
    assert "detail" in views, "the work item detail did not return the item"
    types: dict[str, dict[str, str]] = {}
    for where, row in views.items():
        for name, value in row.items():
            if value is not None:
                types.setdefault(name, {})[where] = json_type(value)
    problems = [
        f"{name}: " + ", ".join(f"{where}={kind}" for where, kind in seen.items())
        for name, seen in types.items()
        if len(set(seen.values())) > 1
    ]
    assert not problems, f"fields typed differently (views: {sorted(views)}):\n" + "\n".join(
        problems
    )


def relation_form(value: Any) -> str:
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
        assert answers[-1].status_code == 200, describe(answers[-1])
        for name in RELATIONS:
            forms = {relation_form(item.get(name)) for item in items} - {"empty"}
            if not expand and forms - {"id"}:
                problems.append(f"{name} without expand: forms {sorted(forms)} (ids expected)")
            elif expand and len(forms) > 1:
                problems.append(f"{name} with expand={expand}: items mix {sorted(forms)}")
    assert not problems, "\n".join(problems)
