"""The integrator fault switches (round-trip, side effects, ordering, shape, redirects, capability)
each change the behaviour they claim to break; the clean server keeps the rule.

PROBES is exported so that test_server_faults.py can include these faults in its full map.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from conformance.reference.faults import all_faults
from tests.reference.conftest import Api

FAULTS = all_faults()
Probe = Callable[[Api], Any]


def _project(api: Api) -> tuple[str, str]:
    project = api.new_project(identifier="INT")
    return project["id"], api.project_url(project["id"], "work-items/")


def _label(api: Api, project_id: str, name: str = "l1") -> str:
    return api.post(api.project_url(project_id, "labels/"), {"name": name}).json()["id"]


def create_drops_description(api: Api) -> Any:
    _, items = _project(api)
    item = api.post(items, {"name": "a", "description_html": "<p>x</p>"}).json()
    return api.get(f"{items}{item['id']}/").json()["description_html"]


def patch_wipes_unnamed(api: Api) -> Any:
    project_id, items = _project(api)
    item = api.post(items, {"name": "a", "labels": [_label(api, project_id)]}).json()
    api.patch(f"{items}{item['id']}/", {"priority": "low"})
    return len(api.get(f"{items}{item['id']}/").json()["labels"])


def empty_list_ignored(api: Api) -> Any:
    project_id, items = _project(api)
    item = api.post(items, {"name": "a", "labels": [_label(api, project_id)]}).json()
    api.patch(f"{items}{item['id']}/", {"labels": []})
    return api.get(f"{items}{item['id']}/").json()["labels"]


def unknown_label_dropped(api: Api) -> Any:
    _, items = _project(api)
    item = api.post(items, {"name": "a"}).json()
    return api.patch(f"{items}{item['id']}/", {"labels": [str(uuid.uuid4())]}).status_code


def create_stored_on_error(api: Api) -> Any:
    _, items = _project(api)
    status = api.post(
        items, {"name": "a", "start_date": "2031-02-01", "target_date": "2031-01-01"}
    ).status_code
    return status, api.get(items).json()["total_results"]


def patch_applied_on_error(api: Api) -> Any:
    _, items = _project(api)
    item = api.post(items, {"name": "a", "target_date": "2031-01-01"}).json()
    status = api.patch(f"{items}{item['id']}/", {"name": "b", "start_date": "2031-02-01"})
    return status.status_code, api.get(f"{items}{item['id']}/").json()["name"]


def order_by_ignored(api: Api) -> Any:
    _, items = _project(api)
    for name in ("b", "a", "c"):
        api.post(items, {"name": name})
    return [i["name"] for i in api.get(items, params={"order_by": "name"}).json()["results"]]


def unknown_order_by_500(api: Api) -> Any:
    _, items = _project(api)
    return api.get(items, params={"order_by": "plc_no_such_field"}).status_code


def filters_ignored(api: Api) -> Any:
    _, items = _project(api)
    for ext in ("e1", "e2"):
        api.post(items, {"name": ext, "external_source": "s", "external_id": ext})
    page = api.get(items, params={"external_source": "s", "external_id": "e1"}).json()
    return page["total_results"], [i["name"] for i in page["results"]]


def cycle_list_sequence_string(api: Api) -> Any:
    project_id, items = _project(api)
    item = api.post(items, {"name": "a"}).json()
    cycle = api.post(api.project_url(project_id, "cycles/"), {"name": "c"}).json()
    members = api.project_url(project_id, f"cycles/{cycle['id']}/cycle-issues/")
    api.post(members, {"issues": [item["id"]]})
    return type(api.get(members).json()["results"][0]["sequence_id"]).__name__


def expand_first_item_only(api: Api) -> Any:
    _, items = _project(api)
    for name in ("a", "b"):
        api.post(items, {"name": name})
    rows = api.get(items, params={"expand": "state"}).json()["results"]
    return [isinstance(row["state"], dict) for row in rows]


def identifier_lookup_unrouted(api: Api) -> Any:
    _, items = _project(api)
    api.post(items, {"name": "a"})
    return api.get(f"{api.ws}/work-items/INT-1/").status_code


def documented_path_redirects(api: Api) -> Any:
    _, items = _project(api)
    return api.get(items, follow_redirects=False).status_code


def write_redirected(api: Api) -> Any:
    _, items = _project(api)
    return api.post(items.rstrip("/"), {"name": "a"}, follow_redirects=False).status_code


PROBES: dict[str, Probe] = {
    "create-drops-description": create_drops_description,
    "patch-wipes-unnamed-fields": patch_wipes_unnamed,
    "empty-list-ignored": empty_list_ignored,
    "unknown-label-dropped": unknown_label_dropped,
    "create-stored-on-error": create_stored_on_error,
    "patch-applied-on-error": patch_applied_on_error,
    "order-by-ignored": order_by_ignored,
    "unknown-order-by-500": unknown_order_by_500,
    "filters-ignored": filters_ignored,
    "cycle-list-sequence-string": cycle_list_sequence_string,
    "expand-first-item-only": expand_first_item_only,
    "identifier-lookup-unrouted": identifier_lookup_unrouted,
    "documented-path-redirects": documented_path_redirects,
    "write-redirected": write_redirected,
}

# What the clean server answers: the rule each fault breaks.
CLEAN: dict[str, Any] = {
    "create-drops-description": "<p>x</p>",
    "patch-wipes-unnamed-fields": 1,
    "empty-list-ignored": [],
    "unknown-label-dropped": 400,
    "create-stored-on-error": (400, 0),
    "patch-applied-on-error": (400, "a"),
    "order-by-ignored": ["a", "b", "c"],
    "unknown-order-by-500": 400,
    "filters-ignored": (1, ["e1"]),
    "cycle-list-sequence-string": "int",
    "expand-first-item-only": [True, True],
    "identifier-lookup-unrouted": 200,
    "documented-path-redirects": 200,
    "write-redirected": 201,
}


def test_probes_name_registered_faults() -> None:
    assert set(PROBES) <= set(FAULTS)
    assert set(CLEAN) == set(PROBES)


@pytest.mark.parametrize("name", sorted(PROBES))
def test_integrator_fault_breaks_its_rule(make_api: Any, name: str) -> None:
    clean = PROBES[name](make_api())
    assert clean == CLEAN[name], f"{name}: the clean server answered {clean!r}"
    faulty = PROBES[name](make_api(faults=(name,)))
    assert faulty != clean, f"{name}: the fault changed nothing ({clean!r})"
