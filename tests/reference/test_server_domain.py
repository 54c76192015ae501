"""Domain rules of the operation pages: sequences, aliases, archives, memberships."""

from __future__ import annotations

from tests.reference.conftest import Api

PAST = {"start_date": "2024-01-01", "end_date": "2024-01-31"}
FUTURE = {"start_date": "2031-01-01", "end_date": "2031-01-31"}


def test_new_project_has_default_states(api: Api, project: dict) -> None:
    states = api.get(api.project_url(project["id"], "states/")).json()["results"]
    assert [s["name"] for s in states] == ["Backlog", "Todo", "In Progress", "Done", "Cancelled"]
    # As in Plane: Backlog carries the default flag, the project's default_state stays unset
    assert [s["name"] for s in states if s["default"]] == ["Backlog"]
    assert project["default_state"] is None


def test_sequence_ids_identifier_lookup_and_issues_alias(api: Api, project: dict) -> None:
    first, second = api.new_item(project["id"]), api.new_item(project["id"])
    assert (first["sequence_id"], second["sequence_id"]) == (1, 2)
    states = api.get(api.project_url(project["id"], "states/")).json()["results"]
    assert first["state"] == next(s["id"] for s in states if s["default"])
    by_ident = api.get(f"{api.ws}/work-items/{project['identifier']}-2/")
    assert by_ident.json()["id"] == second["id"]
    assert api.get(f"{api.ws}/issues/{project['identifier']}-2/").json()["id"] == second["id"]
    assert api.get(f"{api.ws}/work-items/{project['identifier']}-99/").status_code == 404
    alias = api.get(api.project_url(project["id"], f"issues/{first['id']}/"))
    assert alias.json()["id"] == first["id"]
    other = api.new_project("Beta", "BET")
    assert api.new_item(other["id"])["sequence_id"] == 1


def test_patch_changes_only_named_fields_and_empty_labels_clear(api: Api, project: dict) -> None:
    label = api.post(api.project_url(project["id"], "labels/"), {"name": "l"}).json()
    item = api.new_item(project["id"], labels=[label["id"]], priority="high")
    url = api.project_url(project["id"], f"work-items/{item['id']}/")
    api.patch(url, {"name": "renamed"})
    after = api.get(url).json()
    assert (after["name"], after["priority"], after["labels"]) == ("renamed", "high", [label["id"]])
    assert api.patch(url, {"labels": []}).json()["labels"] == []
    assert (
        api.patch(url, {"target_date": "2020-01-01", "start_date": "2021-01-01"}).status_code == 400
    )


def test_cycle_archive_membership_and_transfer(api: Api, project: dict) -> None:
    cycles = api.project_url(project["id"], "cycles/")
    bad = api.post(cycles, {"name": "c", "start_date": "2024-02-01", "end_date": "2024-01-01"})
    assert bad.status_code == 400
    old = api.post(cycles, {"name": "old", **FUTURE}).json()
    new = api.post(cycles, {"name": "new"}).json()
    item = api.new_item(project["id"])
    added = api.post(f"{cycles}{old['id']}/cycle-issues/", {"issues": [item["id"]]})
    assert added.status_code == 200 and added.json()[0]["issue"] == item["id"]
    listed = api.get(f"{cycles}{old['id']}/cycle-issues/").json()
    assert [i["id"] for i in listed["results"]] == [item["id"]]
    early = api.post(f"{cycles}{old['id']}/transfer-issues/", {"new_cycle_id": new["id"]})
    assert early.status_code == 400  # a cycle that has not ended keeps its work items
    assert api.patch(f"{cycles}{old['id']}/", PAST).status_code == 200
    late = api.post(f"{cycles}{old['id']}/cycle-issues/", {"issues": [item["id"]]})
    assert late.status_code == 400  # an ended cycle takes no new work items
    moved = api.post(f"{cycles}{old['id']}/transfer-issues/", {"new_cycle_id": new["id"]})
    assert moved.status_code == 200
    snapshot = api.get(f"{cycles}{old['id']}/").json()["progress_snapshot"]
    assert snapshot["total_issues"] == 1 and len(snapshot["distribution"]["completion_chart"]) == 31
    assert api.get(f"{cycles}{new['id']}/cycle-issues/").json()["total_results"] == 1
    assert api.delete(f"{cycles}{new['id']}/cycle-issues/{item['id']}/").status_code == 204
    assert api.get(f"{cycles}{new['id']}/cycle-issues/").json()["total_results"] == 0
    assert api.post(f"{cycles}{new['id']}/archive/").status_code == 400  # not ended
    assert api.post(f"{cycles}{old['id']}/archive/").status_code == 204
    archived = api.project_url(project["id"], "archived-cycles/")
    assert [c["id"] for c in api.get(archived).json()["results"]] == [old["id"]]
    assert old["id"] not in [c["id"] for c in api.get(cycles).json()["results"]]
    assert api.delete(f"{archived}{old['id']}/unarchive/").status_code == 204
    assert api.get(archived).json()["results"] == []


def test_module_archive_and_membership(api: Api, project: dict) -> None:
    modules = api.project_url(project["id"], "modules/")
    module = api.post(modules, {"name": "m", "status": "planned"}).json()
    assert api.post(modules, {"name": "m", "status": "someday"}).status_code == 400
    item = api.new_item(project["id"])
    url = f"{modules}{module['id']}/module-issues/"
    assert api.post(url, {"issues": [item["id"]]}).status_code == 200
    assert api.get(url).json()["results"][0]["id"] == item["id"]
    assert api.delete(f"{url}{item['id']}/").status_code == 204
    assert api.post(f"{modules}{module['id']}/archive/").status_code == 400  # still planned
    assert api.patch(f"{modules}{module['id']}/", {"status": "completed"}).status_code == 200
    assert api.post(f"{modules}{module['id']}/archive/").status_code == 204
    archived = api.get(api.project_url(project["id"], "archived-modules/")).json()["results"]
    assert [m["id"] for m in archived] == [module["id"]]
    unarchive = api.project_url(project["id"], f"archived-modules/{module['id']}/unarchive/")
    assert api.delete(unarchive).status_code == 204


def test_project_archive_and_cascade_delete(api: Api, project: dict) -> None:
    url = f"{api.ws}/projects/{project['id']}/"
    assert api.post(f"{url}archive/").status_code == 204
    assert api.get(f"{api.ws}/projects/").json()["total_results"] == 0
    assert api.delete(f"{url}archive/").status_code == 204
    item = api.new_item(project["id"])
    assert api.delete(url).status_code == 204
    assert api.get(api.project_url(project["id"], f"work-items/{item['id']}/")).status_code == 404


def test_comments_and_links(api: Api, project: dict) -> None:
    item = api.new_item(project["id"])
    base = api.project_url(project["id"], f"work-items/{item['id']}/")
    comment = api.post(f"{base}comments/", {"comment_html": "<p>hi</p>"})
    assert comment.status_code == 201 and comment.json()["comment_html"] == "<p>hi</p>"
    assert api.post(f"{base}links/", {"url": "not a url"}).status_code == 400
    link = api.post(f"{base}links/", {"url": "https://example.com", "title": "t"}).json()
    assert link["metadata"] == {}  # answered before the page's metadata is fetched, as in Plane
    listed = api.get(f"{base}links/").json()["results"]
    assert [x["id"] for x in listed] == [link["id"]] and listed[0]["metadata"]["url"]
    again = api.post(f"{base}links/", {"url": "https://example.com"})
    assert again.status_code == 400 and "already exists" in again.text
    assert api.delete(f"{base}comments/{comment.json()['id']}/").status_code == 204
