"""The release behaviours (`--plane-VERSION`): what each does, seen on the kit's real servers
(docs/reference-vs-plane.md), and that the default server does none of it."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.reference.behaviours import RELEASES, release_behaviours
from tests.realplane.departure_rows import load_rows
from tests.reference.conftest import GUEST_KEY, MEMBER_KEY, Api, ApiFactory

UNKNOWN_ID = "00000000-0000-4000-8000-00000000dead"
FORBIDDEN = {"detail": "You do not have permission to perform this action."}
SERVER_ERROR = {"error": "Something went wrong please try again later"}
VIEWS = {"cycle_view": True, "module_view": True, "intake_view": True}


def _project(api: Api) -> dict[str, Any]:
    made = api.post(f"{api.ws}/projects/", {"name": "plc release", "identifier": "REL"})
    assert made.status_code == 201, made.text
    api.patch(api.project_url(made.json()["id"]), VIEWS)
    return dict(made.json())


def _items(api: Api, project: dict[str, Any], n: int, spelling: str = "issues") -> list[str]:
    url = api.project_url(project["id"], f"{spelling}/")
    return [api.post(url, {"name": f"item {i}"}).json()["id"] for i in range(n)]


@pytest.fixture(params=["1.3.1", "1.2.3", "1.0.0"])
def release(request: pytest.FixtureRequest, make_api: ApiFactory) -> Api:
    return make_api(behaviours=(f"plane-{request.param}",))


def test_invalid_key_answers_403(release: Api, api: Api) -> None:
    url = "/api/v1/users/me/"
    bad = {"X-API-Key": "plane_api_" + "0" * 32}
    answer = release.get(url, headers=bad)
    assert answer.status_code == 403
    assert answer.json() == {"detail": "Given API token is not valid"}
    missing = release.client.get(url, headers={"X-API-Key": ""})
    assert missing.status_code == 401
    assert api.get(url, headers=bad).status_code == 401  # the docs' way, by default


def test_slashless_url_redirects_before_authentication(release: Api, api: Api) -> None:
    keyless = {"X-API-Key": ""}
    answer = release.client.get(
        f"{release.ws}/projects?per_page=1", headers=keyless, follow_redirects=False
    )
    assert answer.status_code == 301
    assert answer.headers["location"] == f"{release.ws}/projects/?per_page=1"
    assert answer.content == b"" and answer.headers["content-type"].startswith("text/html")
    write = release.client.post(f"{release.ws}/projects", json={}, follow_redirects=False)
    assert write.status_code == 301
    assert release.get(f"{release.ws}/nothing-here").status_code == 404  # nothing to slash
    assert api.get(f"{api.ws}/projects").status_code == 200


def test_plane_pages(release: Api, api: Api) -> None:
    project = _project(release)
    _items(release, project, 3)
    url = release.project_url(project["id"], "issues/")
    page = release.get(url).json()
    assert (page["next_cursor"], page["prev_cursor"], page["count"]) == ("1000:1:0", "1000:-1:1", 3)
    assert release.get(url, params={"per_page": 1000}).status_code == 200
    too_many = release.get(url, params={"per_page": 1001})
    assert too_many.status_code == 400
    assert too_many.json() == {"detail": "Invalid per_page value. Cannot exceed 1000."}
    assert release.get(url, params={"per_page": "abc"}).json() == {
        "detail": "Invalid per_page parameter."
    }
    for nothing in ("0", "-1"):
        assert release.get(url, params={"per_page": nothing}).status_code == 500
    assert release.get(url, params={"cursor": "bad"}).json() == {
        "detail": "Invalid cursor parameter."
    }
    second = release.get(url, params={"per_page": 2, "cursor": "2:1:0"}).json()
    assert (second["prev_cursor"], second["count"], second["prev_page_results"]) == (
        "2:0:1",
        1,
        True,
    )
    default = api.get(api.project_url(_project(api)["id"], "work-items/")).json()
    assert default["next_cursor"] == "100:1:0" and default["prev_cursor"] == ""


def test_unknown_fields_and_expand_are_ignored(release: Api) -> None:
    project = _project(release)
    item = _items(release, project, 1)[0]
    url = release.project_url(project["id"], f"issues/{item}/")
    assert release.get(url, params={"fields": "id,no_such_field"}).json().keys() == {"id"}
    assert release.get(url, params={"fields": "no_such_field"}).json() == {}
    expanded = release.get(url, params={"expand": "no_such_relation,name"})
    assert expanded.status_code == 200 and expanded.json()["name"] is None


def test_order_by(release: Api) -> None:
    project = _project(release)
    item = _items(release, project, 1)[0]
    items = release.project_url(project["id"], "issues/")
    for unknown in ("plc_no_such_field", "-plc_no_such_field"):
        answer = release.get(items, params={"order_by": unknown})
        assert answer.status_code == 500 and answer.json() == SERVER_ERROR
    activities = release.project_url(project["id"], f"issues/{item}/activities/")
    assert release.get(activities, params={"order_by": "nope"}).status_code == 500
    labels = release.project_url(project["id"], "labels/")
    assert release.get(labels, params={"order_by": "nope"}).status_code == 200


def test_unrouted_operations(make_api: ApiFactory) -> None:
    old, new = make_api(behaviours=("plane-1.0.0",)), make_api(behaviours=("plane-1.3.1",))
    for api, routed in ((old, False), (new, True)):
        project = _project(api)
        item = _items(api, project, 1)[0]
        work_items = api.get(api.project_url(project["id"], "work-items/"))
        assert (work_items.status_code == 200) is routed
        assert (api.get(f"{api.ws}/stickies/").status_code == 200) is routed
        relations = api.project_url(project["id"], f"work-items/{item}/relations/")
        assert (api.get(relations).status_code == 200) is routed
        for never in (
            api.project_url(project["id"], "features/"),
            api.project_url(project["id"], f"issues/{item}/attachments/"),
        ):
            assert api.get(never).status_code == 404, never
        attachments = api.project_url(project["id"], f"issues/{item}/issue-attachments/")
        assert api.get(attachments).status_code == 200
    middle = make_api(behaviours=("plane-1.2.3",))
    project = _project(middle)
    item = _items(middle, project, 1)[0]
    relations = middle.project_url(project["id"], f"work-items/{item}/relations/")
    assert middle.get(relations).status_code == 404
    assert middle.get(middle.project_url(project["id"], "work-items/")).status_code == 200


def test_v1_0_0_cycles(make_api: ApiFactory) -> None:
    api = make_api(behaviours=("plane-1.0.0",))
    project = _project(api)
    url = api.project_url(project["id"], "cycles/")
    refused = api.post(url, {})
    assert refused.status_code == 400 and set(refused.json()) == {"name", "owned_by"}
    me = api.get("/api/v1/users/me/").json()["id"]
    dated = {"name": "c", "owned_by": me, "start_date": "2030-01-01", "end_date": "2030-01-05"}
    assert api.post(url, dated).json() == {"non_field_errors": ["Project ID is required"]}
    assert api.post(url, {"name": "draft", "owned_by": me}).status_code == 201
    archived = api.project_url(project["id"], "archived-cycles/")
    assert api.get(archived).status_code == 500


def test_transfer_to_no_cycle_answers_500(release: Api) -> None:
    project = _project(release)
    me = release.get("/api/v1/users/me/").json()["id"]
    body = {"name": "old", "owned_by": me, "project_id": project["id"]}
    body |= {"start_date": "2020-01-01", "end_date": "2020-01-05"}
    cycle = release.post(release.project_url(project["id"], "cycles/"), body).json()
    transfer = release.project_url(project["id"], f"cycles/{cycle['id']}/transfer-issues/")
    answer = release.post(transfer, {"new_cycle_id": UNKNOWN_ID})
    assert answer.status_code == 500 and answer.json() == SERVER_ERROR


def test_unknown_project_and_workspace_answer_403(release: Api, api: Api) -> None:
    inside = release.project_url(UNKNOWN_ID, "issues/")
    assert release.get(inside).status_code == 403
    assert release.get(release.project_url(UNKNOWN_ID)).status_code == 404
    assert release.get("/api/v1/workspaces/other/members/").json() == FORBIDDEN
    assert api.get(api.project_url(UNKNOWN_ID, "work-items/")).status_code == 404
    assert api.get("/api/v1/workspaces/other/members/").status_code == 404


def test_rate_headers_where_plane_throttles(release: Api, api: Api) -> None:
    assert "x-ratelimit-remaining" not in release.get(f"{release.ws}/stickies/").headers
    assert "x-ratelimit-remaining" in release.get(f"{release.ws}/members/").headers
    assert "x-ratelimit-remaining" in api.get(f"{api.ws}/stickies/").headers


# --- roles (every server, whatever its behaviours) ----------------------------------------------


def _as(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def test_guest_may_read_but_not_create_projects_or_list_members(api: Api) -> None:
    project = _project(api)
    guest = _as(GUEST_KEY)
    assert api.get("/api/v1/users/me/", headers=guest).json()["display_name"] == "katherine"
    assert api.get(f"{api.ws}/projects/", headers=guest).status_code == 200
    assert api.get(api.project_url(project["id"]), headers=guest).status_code == 200
    refused = api.post(f"{api.ws}/projects/", {"name": "g", "identifier": "G"}, headers=guest)
    assert refused.status_code == 403 and refused.json() == FORBIDDEN
    assert api.get(f"{api.ws}/members/", headers=guest).status_code == 403
    # Inside a project it is not a member of, a guest reads nothing either (as on Plane).
    assert api.get(api.project_url(project["id"], "states/"), headers=guest).status_code == 403
    roles = {m["display_name"]: m["role"] for m in api.members()}
    assert roles["katherine"] == 5 and roles["grace"] == 15 and roles["ada"] == 20


def test_member_works_in_its_own_projects_only(api: Api) -> None:
    admins = _project(api)
    member = _as(MEMBER_KEY)
    assert api.get(f"{api.ws}/members/", headers=member).status_code == 200
    assert api.get(api.project_url(admins["id"], "states/"), headers=member).status_code == 403
    assert api.patch(api.project_url(admins["id"]), {"name": "x"}, headers=member).json() == (
        FORBIDDEN
    )
    own = api.post(f"{api.ws}/projects/", {"name": "mine", "identifier": "MINE"}, headers=member)
    assert own.status_code == 201
    states = api.get(api.project_url(own.json()["id"], "states/"), headers=member)
    assert states.status_code == 200
    # ... and the admin, who is no member of it, is refused there, as on Plane.
    assert api.get(api.project_url(own.json()["id"], "states/")).status_code == 403
    assert api.get(f"{api.ws}/invitations/", headers=member).status_code == 403


# --- the lane's departure rows are data: checked here, without a server ------------------------


@pytest.mark.parametrize("release", RELEASES)
def test_departure_rows_name_behaviours_of_their_release(release: str) -> None:
    """Every row of tests/realplane/departures/plane-vVERSION.yaml names a behaviour the release
    has (or none: a rule the stand-in always keeps, such as the roles)."""
    rows = load_rows(release)
    assert rows, f"no departure rows for Plane v{release}"
    known = release_behaviours(release)
    strangers = [f"{row.id}: {row.behaviour}" for row in rows if row.behaviour not in {"", *known}]
    assert not strangers, "\n".join(strangers)


def test_uploads_as_plane(release: Api, api: Api) -> None:
    project = _project(release)
    item = _items(release, project, 1)[0]
    url = release.project_url(project["id"], f"issues/{item}/issue-attachments/")
    made = release.post(url, {"name": "a.txt", "size": 3, "type": "text/plain"})
    assert made.status_code == 200 and "detail" not in made.json()
    assert made.json()["attachment"]["page"] is None
    assert "x-amz-date" in made.json()["upload_data"]["fields"]
    one = f"{url}{made.json()['asset_id']}/"
    junk = release.client.patch(
        one, content=b"not json", headers={"Content-Type": "application/json"}
    )
    assert junk.status_code == 204
    assert release.client.get(one, follow_redirects=False).status_code == 302  # now uploaded
    body = {"name": "w.txt", "size": 3, "type": "text/plain"}
    assert release.post(f"{release.ws}/assets/", body).status_code == 500
    theirs = _project(api)
    attachments = api.project_url(
        theirs["id"], f"issues/{_items(api, theirs, 1)[0]}/issue-attachments/"
    )
    default = api.post(attachments, {"name": "a.txt", "size": 3})
    assert default.status_code == 201 and "detail" in default.json()


def test_module_lists_add_members_to_the_fields(release: Api, api: Api) -> None:
    for server in (release, api):
        project = _project(server)
        made = server.post(server.project_url(project["id"], "modules/"), {"name": "m"})
        assert made.status_code == 201, made.text
        listed = server.get(server.project_url(project["id"], "modules/?fields=id,name"))
        keys = set(listed.json()["results"][0])
        assert keys == ({"id", "members", "name"} if server is release else {"id", "name"})


def test_relations_ignore_fields_on_v1_3_1(make_api: ApiFactory, api: Api) -> None:
    release = make_api(behaviours=("plane-1.3.1",))
    for server in (release, api):
        project = _project(server)
        (item,) = _items(server, project, 1, "work-items")
        url = server.project_url(project["id"], f"work-items/{item}/relations/?fields=blocking")
        keys = set(server.get(url).json())
        assert (keys > {"blocking"}) if server is release else (keys == {"blocking"})


def test_v1_0_0_label_update_without_external_id_answers_409(make_api: ApiFactory) -> None:
    v100, v131 = make_api(behaviours=("plane-1.0.0",)), make_api(behaviours=("plane-1.3.1",))
    for server in (v100, v131):
        project = _project(server)
        made = server.post(server.project_url(project["id"], "labels/"), {"name": "l"})
        url = server.project_url(project["id"], f"labels/{made.json()['id']}/")
        assert server.patch(url, {"name": "alone"}).status_code == 200  # the only label
        server.post(server.project_url(project["id"], "labels/"), {"name": "other"})
        answer = server.patch(url, {"name": "renamed"})
        assert answer.status_code == (409 if server is v100 else 200), answer.text
