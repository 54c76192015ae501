"""Activities, attachments (with the loopback upload), relations, intake, members, stickies,
invitations, assets and project features on the reference server."""

from __future__ import annotations

from typing import Any

from tests.reference.conftest import Api

Project = dict[str, Any]


def _item_url(api: Api, project: Project, item: dict, tail: str) -> str:
    return api.project_url(project["id"], f"work-items/{item['id']}/{tail}")


# --- activities --------------------------------------------------------------------------------
def test_activities_record_create_and_each_changed_field(api: Api, project: Project) -> None:
    item = api.new_item(project["id"], name="first")
    label = api.post(api.project_url(project["id"], "labels/"), {"name": "bug"}).json()
    changed = api.patch(
        api.project_url(project["id"], f"work-items/{item['id']}/"),
        {"name": "second", "priority": "high", "labels": [label["id"]]},
    )
    assert changed.status_code == 200
    page = api.get(_item_url(api, project, item, "activities/")).json()
    verbs = [(a["verb"], a["field"]) for a in page["results"]]
    assert verbs[0] == ("created", None)
    assert set(verbs[1:]) == {("updated", "name"), ("updated", "priority"), ("updated", "labels")}
    by_field = {a["field"]: a for a in page["results"]}
    assert (by_field["name"]["old_value"], by_field["name"]["new_value"]) == ("first", "second")
    assert by_field["labels"]["new_identifier"] == label["id"]
    assert all(a["issue"] == item["id"] and a["actor"] for a in page["results"])


def test_activity_detail_is_the_documented_envelope(api: Api, project: Project) -> None:
    item = api.new_item(project["id"])
    first = api.get(_item_url(api, project, item, "activities/")).json()["results"][0]
    detail = api.get(_item_url(api, project, item, f"activities/{first['id']}/?fields=id,verb"))
    assert detail.status_code == 200
    assert detail.json()["results"] == [{"id": first["id"], "verb": "created"}]
    other = api.new_item(project["id"])
    assert api.get(_item_url(api, project, other, f"activities/{first['id']}/")).status_code == 404


def test_activities_are_paginated_and_reachable_under_issues(api: Api, project: Project) -> None:
    item = api.new_item(project["id"])
    for n in range(3):
        api.patch(api.project_url(project["id"], f"work-items/{item['id']}/"), {"name": f"n{n}"})
    url = api.project_url(project["id"], f"issues/{item['id']}/activities/?per_page=2")
    first = api.get(url).json()
    assert first["total_results"] == 4 and len(first["results"]) == 2
    assert first["next_page_results"] is True
    assert api.get(url + "&cursor=bad").status_code == 400


# --- attachments -------------------------------------------------------------------------------
def test_attachment_upload_flow_through_the_loopback_storage(api: Api, project: Project) -> None:
    item = api.new_item(project["id"])
    url = _item_url(api, project, item, "attachments/")
    credentials = api.post(url, {"name": "a.txt", "type": "text/plain", "size": 5})
    assert credentials.status_code == 201, credentials.text
    body = credentials.json()
    upload = body["upload_data"]
    assert api.get(url).json() == []  # not listed before the upload completes
    files = {"file": ("a.txt", b"hello", "text/plain")}
    sent = api.client.post(upload["url"], data=upload["fields"], files=files)
    assert sent.status_code == 204, sent.text
    done = api.patch(f"{url}{body['asset_id']}/", {"is_uploaded": True})
    assert done.status_code == 204
    listed = api.get(url).json()
    assert [a["id"] for a in listed] == [body["asset_id"]]
    assert listed[0]["storage_metadata"]["ContentLength"] == 5
    detail = api.get(f"{url}{body['asset_id']}/", follow_redirects=False)
    assert detail.status_code == 302
    assert api.client.get(detail.headers["location"]).content == b"hello"
    assert api.delete(f"{url}{body['asset_id']}/").status_code == 204
    assert api.get(url).json() == []


def test_attachment_rules(api: Api, project: Project) -> None:
    item = api.new_item(project["id"])
    url = _item_url(api, project, item, "attachments/")
    missing = api.post(url, {"type": "text/plain"})  # Plane's own error object, not per field
    assert missing.status_code == 400 and missing.json() == {
        "error": "Invalid request.",
        "status": False,
    }
    created = api.post(url, {"name": "b.bin", "size": 3}).json()
    upload = created["upload_data"]
    forged = upload["url"].split("?")[0] + "?signature=x"
    assert api.client.put(forged, content=b"abc").status_code == 403
    assert api.client.put(upload["url"], content=b"too long").status_code == 400
    assert api.get(f"{url}{created['asset_id']}/").status_code == 400  # not uploaded yet
    legacy = api.project_url(project["id"], f"issues/{item['id']}/issue-attachments/")
    assert api.get(legacy).status_code == 200


# --- relations ---------------------------------------------------------------------------------
def test_relations_read_from_both_ends_and_can_be_removed(api: Api, project: Project) -> None:
    a, b, c = (api.new_item(project["id"], name=n) for n in "abc")
    made = api.post(
        _item_url(api, project, a, "relations/"),
        {"relation_type": "blocking", "issues": [b["id"], c["id"]]},
    )
    assert made.status_code == 201, made.text
    assert {r["id"] for r in made.json()} == {b["id"], c["id"]}
    from_a = api.get(_item_url(api, project, a, "relations/")).json()
    assert [x["issue_id"] for x in from_a["blocking"]] == [b["id"], c["id"]]
    assert {x["project_id"] for x in from_a["blocking"]} == {project["id"]}
    from_b = api.get(_item_url(api, project, b, "relations/?expand=blocked_by")).json()
    assert [x["id"] for x in from_b["blocked_by"]] == [a["id"]]
    assert api.get(_item_url(api, project, b, "relations/?fields=nope")).status_code == 400
    removed = api.post(_item_url(api, project, b, "relations/remove/"), {"related_issue": a["id"]})
    assert removed.status_code == 204
    left = api.get(_item_url(api, project, a, "relations/")).json()["blocking"]
    assert [x["issue_id"] for x in left] == [c["id"]]
    again = api.post(_item_url(api, project, b, "relations/remove/"), {"related_issue": a["id"]})
    assert again.status_code == 404
    bad = api.post(_item_url(api, project, a, "relations/"), {"relation_type": "x", "issues": []})
    assert bad.status_code == 400 and "relation_type" in bad.json()


# --- intake ------------------------------------------------------------------------------------
def test_intake_issue_lifecycle(api: Api, project: Project) -> None:
    url = api.project_url(project["id"], "intake-issues/")
    made = api.post(url, {"issue": {"name": "From a user", "priority": "high"}})
    assert made.status_code == 201, made.text
    intake = made.json()
    item_id = intake["issue"]["id"]
    assert intake["status"] == -2 and intake["issue"]["name"] == "From a user"
    assert api.get(url).json()["results"][0]["id"] == intake["id"]
    assert api.get(f"{url}{item_id}/").json()["id"] == intake["id"]
    bad = api.patch(f"{url}{item_id}/", {"status": 2})
    assert bad.status_code == 400 and "duplicate_to" in bad.json()
    declined = api.patch(f"{url}{item_id}/", {"status": -1, "issue": {"name": "Renamed"}})
    assert declined.status_code == 200 and declined.json()["issue"]["name"] == "Renamed"
    state = api.get(api.project_url(project["id"], f"work-items/{item_id}/?expand=state")).json()
    assert state["state"]["group"] == "cancelled"
    assert api.delete(f"{url}{item_id}/").status_code == 204
    assert api.get(f"{url}{item_id}/").status_code == 404


def test_intake_validation_is_per_field_under_issue(api: Api, project: Project) -> None:
    url = api.project_url(project["id"], "intake-issues/")
    # Plane's own checks first, in its words; then the work item's rules, per field under issue
    assert api.post(url, {}).json() == {"error": "Name is required"}
    assert api.post(url, {"issue": {"priority": "asap"}}).json() == {"error": "Name is required"}
    priority = api.post(url, {"issue": {"name": "x", "priority": "asap"}})
    assert priority.status_code == 400 and priority.json() == {"error": "Invalid priority"}
    nested = api.post(url, {"issue": {"name": "x", "start_date": "someday", "labels": "l"}})
    assert nested.status_code == 400 and {"start_date", "labels"} <= set(nested.json()["issue"])


# --- members -----------------------------------------------------------------------------------
def test_project_members_crud(api: Api, project: Project) -> None:
    url = api.project_url(project["id"], "project-members/")
    # As in Plane: the list and the detail answer the member users, a write the membership
    seeded = api.get(url).json()
    assert [m["id"] for m in seeded] == [project["created_by"]] and "email" in seeded[0]
    other = api.members()[1]
    added = api.post(url, {"member": other["id"], "role": 15})
    assert added.status_code == 201 and added.json()["role"] == 15
    assert set(added.json()) == {"id", "member", "role"}
    assert api.post(url, {"member": other["id"]}).status_code == 409
    assert api.post(url, {"role": 99}).status_code == 400
    member_id = added.json()["id"]
    assert api.patch(f"{url}{member_id}/", {"role": 5}).json()["role"] == 5
    assert api.get(f"{url}{member_id}/").json()["id"] == other["id"]
    assert api.get(f"{url}{other['id']}/").json()["id"] == other["id"]  # by user id too
    assert api.delete(f"{url}{member_id}/").status_code == 204
    assert len(api.get(url).json()) == 1


def test_remove_workspace_member(api: Api) -> None:
    remove = f"{api.ws}/members/remove/"
    owner, other = api.members()[0], api.members()[1]
    assert api.post(remove, {}).status_code == 400
    assert api.post(remove, {"email": "nobody@example.com"}).status_code == 404
    assert api.post(remove, {"email": owner["email"]}).status_code == 400
    assert api.post(remove, {"email": other["email"]}).status_code == 204
    assert other["id"] not in {m["id"] for m in api.members()}


# --- stickies, invitations, features -----------------------------------------------------------
def test_stickies_crud(api: Api) -> None:
    url = f"{api.ws}/stickies/"
    made = api.post(url, {"name": "Note", "description_html": "<p>hi</p>", "color": "#fff"})
    assert made.status_code == 201
    sticky = made.json()
    assert sticky["description_stripped"] == "hi" and sticky["owner"]
    assert [s["id"] for s in api.get(url).json()["results"]] == [sticky["id"]]
    assert api.patch(f"{url}{sticky['id']}/", {"sort_order": "x"}).status_code == 400
    assert api.patch(f"{url}{sticky['id']}/", {"name": "N2"}).json()["name"] == "N2"
    assert api.delete(f"{url}{sticky['id']}/").status_code == 204
    assert api.get(f"{url}{sticky['id']}/").status_code == 404


def test_invitations_crud(api: Api) -> None:
    url = f"{api.ws}/invitations/"
    made = api.post(url, {"email": "New@Example.com", "role": 15})
    assert made.status_code == 201
    invite = made.json()
    assert (invite["email"], invite["accepted"], invite["responded_at"]) == (
        "new@example.com",
        False,
        None,
    )
    assert api.post(url, {"email": "new@example.com"}).status_code == 409
    assert api.post(url, {"email": "not-an-email"}).status_code == 400
    assert api.post(url, {"email": api.members()[1]["email"]}).status_code == 400
    assert api.patch(f"{url}{invite['id']}/", {"role": 20}).json()["role"] == 20
    assert len(api.get(url).json()) == 1
    assert api.delete(f"{url}{invite['id']}/").status_code == 204


def test_project_features_follow_the_project(api: Api, project: Project) -> None:
    url = api.project_url(project["id"], "features/")
    before = api.get(url).json()
    assert before["epics"] is False and before["cycles"] is True
    after = api.patch(url, {"intakes": False, "epics": True})
    assert after.status_code == 200 and not after.json()["intakes"] and after.json()["epics"]
    assert api.get(api.project_url(project["id"])).json()["intake_view"] is False
    assert api.patch(url, {"cycles": "yes"}).status_code == 400


# --- assets ------------------------------------------------------------------------------------
def test_user_asset_flow(api: Api) -> None:
    url = "/api/v1/assets/user-assets/"
    body = {"name": "me.png", "type": "image/png", "size": 4, "entity_type": "USER_AVATAR"}
    made = api.post(url, body)
    assert made.status_code == 201 and made.json()["upload_data"]["url"]
    asset_id = made.json()["asset_id"]
    assert api.post(url, {**body, "entity_type": "LOGO"}).status_code == 400
    assert api.patch(f"{url}{asset_id}/", {"attributes": {"alt": "me"}}).status_code == 204
    assert api.delete(f"{url}{asset_id}/").status_code == 204
    assert api.delete(f"{url}{asset_id}/").status_code == 404


def test_workspace_asset_flow(api: Api, project: Project) -> None:
    url = f"{api.ws}/assets/"
    made = api.post(url, {"name": "spec.pdf", "size": 10, "project_id": project["id"]})
    assert made.status_code == 201
    asset_id = made.json()["asset_id"]
    assert api.patch(f"{url}{asset_id}/", {"is_uploaded": True}).status_code == 204
    detail = api.get(f"{url}{asset_id}/").json()
    assert detail["attributes"]["entity_type"] == "WORKSPACE" and detail["is_uploaded"] is True
    unknown = "00000000-0000-4000-8000-000000000000"
    assert api.post(url, {"name": "x", "size": 1, "project_id": unknown}).status_code == 400
    assert api.get(f"{url}{unknown}/").status_code == 404
