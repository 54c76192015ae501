"""The reference server against the documented contract (in-process, no network)."""

from __future__ import annotations

import time
import uuid

from tests.reference.conftest import Api


# --- authentication --------------------------------------------------------------------------
def test_missing_empty_and_invalid_keys_are_refused_with_json(api: Api) -> None:
    url = f"{api.ws}/projects/"
    for headers in ({"X-API-Key": ""}, {"X-API-Key": "   "}):
        response = api.client.get(url, headers=headers)
        assert response.status_code == 401
        assert "credentials" in response.json()["detail"].lower()
    del api.client.headers["X-API-Key"]
    missing = api.client.get(url)
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/json"
    assert "not provided" in missing.json()["detail"]
    invalid = api.client.get(url, headers={"X-API-Key": "plane_api_" + "0" * 32})
    assert invalid.status_code == 401
    assert "authentication failed" in invalid.json()["detail"].lower()


def test_header_name_is_case_insensitive(api: Api) -> None:
    key = api.client.headers.pop("X-API-Key")
    for name in ("x-api-key", "X-API-KEY"):
        assert api.client.get("/api/v1/users/me/", headers={name: key}).status_code == 200


def test_other_workspace_is_404(api: Api) -> None:
    response = api.get("/api/v1/workspaces/someone-else/projects/")
    assert response.status_code == 404
    assert response.json()["error"] == "Workspace not found"


def test_users_me_and_members(api: Api) -> None:
    me = api.get("/api/v1/users/me/").json()
    members = api.members()
    assert me["id"] in {m["id"] for m in members} and len(members) >= 3


# --- status codes and routing ----------------------------------------------------------------
def test_crud_status_codes(api: Api, project: dict) -> None:
    url = api.project_url(project["id"], "labels/")
    created = api.post(url, {"name": "bug", "color": "#ff0000"})
    assert created.status_code == 201 and created.json()["name"] == "bug"
    one = f"{url}{created.json()['id']}/"
    assert api.get(one).status_code == 200
    patched = api.patch(one, {"name": "defect"})
    assert patched.status_code == 200 and api.get(one).json()["name"] == "defect"
    gone = api.delete(one)
    assert gone.status_code == 204 and gone.content == b""
    assert api.get(one).status_code == 404
    assert api.get(f"{url}{uuid.uuid4()}/").status_code == 404
    assert api.get(f"{url}not-a-uuid/").status_code == 404


def test_unknown_route_405_and_malformed_json(api: Api) -> None:
    unknown = api.get("/api/v1/no-such-thing/")
    assert unknown.status_code == 404 and unknown.json() == {"error": "Not found"}
    assert api.client.put(f"{api.ws}/projects/", json={}).status_code == 405
    bad = api.client.post(f"{api.ws}/projects/", content=b"{not json")
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/json"


def test_paths_without_trailing_slash_are_served_without_redirect(api: Api, project: dict) -> None:
    response = api.get(api.project_url(project["id"], "work-items"), follow_redirects=False)
    assert response.status_code == 200


def test_invalid_bodies_name_the_field(api: Api, project: dict) -> None:
    items = api.project_url(project["id"], "work-items/")
    cases = [
        ({}, "name"),
        ({"name": 5}, "name"),
        ({"name": "x", "priority": "sometimes"}, "priority"),
        ({"name": "x", "start_date": "yesterday"}, "start_date"),
        ({"name": "x", "state": "nope"}, "state"),
        ({"name": "x", "labels": [str(uuid.uuid4())]}, "labels"),
        ({"name": "x", "assignees": [str(uuid.uuid4())]}, "assignees"),
        ({"name": "x", "start_date": "2024-02-01", "target_date": "2024-01-01"}, "start_date"),
    ]
    for body, field in cases:
        response = api.post(items, body)
        assert response.status_code == 400, (body, response.text)
        assert field in response.json(), (body, response.text)
    assert api.get(items).json()["total_results"] == 0  # nothing half-stored
    state = api.post(
        api.project_url(project["id"], "states/"), {"name": "S", "color": "#fff", "group": "x"}
    )
    assert state.status_code == 400 and "group" in state.json()


def test_project_conflicts_are_409(api: Api, project: dict) -> None:
    url = f"{api.ws}/projects/"
    assert api.post(url, {"name": project["name"], "identifier": "OTHER"}).status_code == 409
    assert api.post(url, {"name": "Other", "identifier": project["identifier"]}).status_code == 409


# --- pagination ------------------------------------------------------------------------------
def _walk(api: Api, url: str, per_page: int) -> list[dict]:
    pages, cursor = [], None
    while True:
        params = {"per_page": per_page, **({"cursor": cursor} if cursor else {})}
        page = api.get(url, params=params).json()
        pages.append(page)
        if not page["next_page_results"]:
            return pages
        cursor = page["next_cursor"]


def test_cursor_walk_visits_every_item_once(api: Api, project: dict) -> None:
    for n in range(7):
        api.new_item(project["id"], name=f"item {n}")
    url = api.project_url(project["id"], "work-items/")
    pages = _walk(api, url, 3)
    ids = [item["id"] for page in pages for item in page["results"]]
    assert len(ids) == len(set(ids)) == 7
    assert [p["next_cursor"] for p in pages] == ["3:1:0", "3:2:0", "3:3:0"]
    assert [p["prev_cursor"] for p in pages] == ["", "3:0:1", "3:1:1"]
    assert [p["count"] for p in pages] == [3, 3, 1]
    assert {p["total_results"] for p in pages} == {7} and {p["total_pages"] for p in pages} == {3}
    assert [p["prev_page_results"] for p in pages] == [False, True, True]
    past = api.get(url, params={"cursor": "3:9:0", "per_page": 3}).json()
    assert past["results"] == [] and past["next_page_results"] is False
    again = api.get(
        url, params={"cursor": "3:1:0", "per_page": 3, "page": 0, "offset": 0, "limit": 1}
    )
    assert again.json()["results"] == pages[1]["results"]


def test_per_page_and_cursor_validation(api: Api, project: dict) -> None:
    url = api.project_url(project["id"], "work-items/")
    too_big = api.get(url, params={"per_page": 101})
    assert too_big.status_code == 400 and "100" in too_big.json()["error"]
    for value in ("0", "-1", "abc", "1.5"):
        assert api.get(url, params={"per_page": value}).status_code == 400
    for cursor in ("garbage", "1:2", "a:b:c", "3:1:7"):
        assert api.get(url, params={"cursor": cursor}).status_code == 400
    assert api.get(url).json()["next_cursor"].startswith("100:")


# --- rate limit ------------------------------------------------------------------------------
def test_rate_limit_headers_and_429(make_api) -> None:
    api = make_api(rate_limit=3)
    seen = []
    for _ in range(3):
        response = api.get("/api/v1/users/me/")
        assert response.status_code == 200
        seen.append(int(response.headers["X-RateLimit-Remaining"]))
        reset = int(response.headers["X-RateLimit-Reset"])
        assert time.time() < reset <= time.time() + 61
    assert seen == [2, 1, 0]
    refused = api.get("/api/v1/users/me/")
    assert refused.status_code == 429 and "error" in refused.json()
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


# --- fields and expand -----------------------------------------------------------------------
def test_fields_and_expand(api: Api, project: dict) -> None:
    me = api.get("/api/v1/users/me/").json()
    item = api.new_item(project["id"], assignees=[me["id"]])
    one = api.project_url(project["id"], f"work-items/{item['id']}/")
    assert set(api.get(one, params={"fields": "id,name"}).json()) == {"id", "name"}
    listed = api.get(api.project_url(project["id"], "work-items/"), params={"fields": "id,name"})
    assert all(set(i) == {"id", "name"} for i in listed.json()["results"])
    bad = api.get(one, params={"fields": "id,no_such_field"})
    assert bad.status_code == 400 and "no_such_field" in bad.text
    expanded = api.get(one, params={"expand": "assignees,state,labels"}).json()
    # Plane's short state object; the new item is in the project's default (Backlog) state
    assert set(expanded["state"]) == {"id", "name", "color", "group"}
    assert expanded["state"]["id"] == item["state"] and expanded["state"]["name"] == "Backlog"
    assert expanded["assignees"][0]["id"] == me["id"] and expanded["labels"] == []
    for name in ("name", "no_such_relation"):
        refused = api.get(one, params={"expand": name})
        assert refused.status_code == 400 and name in refused.text
    both = api.get(one, params={"fields": "id,state", "expand": "state"}).json()
    assert set(both) == {"id", "state"} and isinstance(both["state"], dict)
