"""Typed body fields the docs define and the reference server must judge: a bad value answers 400
naming the field, a good one is accepted (and, where it names an object, only a known object)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.reference.conftest import Api

# A fixed id (xdist workers must collect the same parameters) that names no object.
UNKNOWN_ID = "4d3c2b1a-0f9e-4d8c-b7a6-958473625140"


def assert_rejects(response: Any, field: str) -> None:
    """A 400 whose body names `field` with at least one message."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert isinstance(body.get(field), list) and body[field], body


# --- work items: type, type_id, estimate_point ---------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("type", 12),  # not a string
        ("type", "feature"),  # names no work item type of this server
        ("type_id", "not-a-uuid"),
        ("type_id", UNKNOWN_ID),
        ("estimate_point", 3),  # the request schema types it as a string
        ("estimate_point", UNKNOWN_ID),  # no estimate point of that id
    ],
)
def test_work_item_type_and_estimate_fields_are_judged(
    api: Api, project: dict, field: str, value: Any
) -> None:
    url = api.project_url(project["id"], "work-items/")
    assert_rejects(api.post(url, {"name": "typed", field: value}), field)
    item = api.new_item(project["id"])
    assert_rejects(api.patch(f"{url}{item['id']}/", {field: value}), field)


def test_work_item_type_fields_accept_null(api: Api, project: dict) -> None:
    item = api.new_item(project["id"], type=None, type_id=None, estimate_point=None)
    assert item["type_id"] is None and item["estimate_point"] is None


# --- comments: parent, comment_json ---------------------------------------------------------------


def _comments_url(api: Api, project: dict, item: dict) -> str:
    return api.project_url(project["id"], f"work-items/{item['id']}/comments/")


def test_comment_reply_names_a_comment_of_the_same_work_item(api: Api, project: dict) -> None:
    item, other_item = api.new_item(project["id"]), api.new_item(project["id"])
    url = _comments_url(api, project, item)
    first = api.post(url, {"comment_html": "<p>first</p>"}).json()
    reply = api.post(url, {"comment_html": "<p>reply</p>", "parent": first["id"]})
    assert reply.status_code == 201, reply.text
    assert reply.json()["parent"] == first["id"]
    assert api.get(f"{url}{reply.json()['id']}/").json()["parent"] == first["id"]

    foreign = api.post(_comments_url(api, project, other_item), {"comment_html": "<p>x</p>"})
    for bad in ("not-a-uuid", UNKNOWN_ID, foreign.json()["id"]):
        assert_rejects(api.post(url, {"comment_html": "<p>r</p>", "parent": bad}), "parent")


def test_comment_replies_cannot_loop(api: Api, project: dict) -> None:
    url = _comments_url(api, project, api.new_item(project["id"]))
    first = api.post(url, {"comment_html": "<p>a</p>"}).json()
    reply = api.post(url, {"comment_html": "<p>b</p>", "parent": first["id"]}).json()
    assert_rejects(api.patch(f"{url}{first['id']}/", {"parent": first["id"]}), "parent")
    assert_rejects(api.patch(f"{url}{first['id']}/", {"parent": reply["id"]}), "parent")
    assert api.patch(f"{url}{reply['id']}/", {"parent": None}).json()["parent"] is None


def test_deleting_a_comment_detaches_its_replies(api: Api, project: dict) -> None:
    url = _comments_url(api, project, api.new_item(project["id"]))
    first = api.post(url, {"comment_html": "<p>a</p>"}).json()
    reply = api.post(url, {"comment_html": "<p>b</p>", "parent": first["id"]}).json()
    assert api.delete(f"{url}{first['id']}/").status_code == 204
    kept = api.get(f"{url}{reply['id']}/").json()
    assert kept["parent"] is None
    # The surviving reply can still be edited: its (cleared) parent does not block a PATCH.
    assert api.patch(f"{url}{reply['id']}/", {"comment_html": "<p>c</p>"}).status_code == 200


@pytest.mark.parametrize("value", ["<p>x</p>", [1, 2], 5])
def test_comment_json_must_be_an_object(api: Api, project: dict, value: Any) -> None:
    url = _comments_url(api, project, api.new_item(project["id"]))
    assert_rejects(
        api.post(url, {"comment_html": "<p>x</p>", "comment_json": value}), "comment_json"
    )
    good = api.post(url, {"comment_html": "<p>x</p>", "comment_json": {"type": "doc"}})
    assert good.status_code == 201 and good.json()["comment_json"] == {"type": "doc"}


# --- labels: color -----------------------------------------------------------------------------


def test_label_color_may_not_be_null(api: Api, project: dict) -> None:
    url = api.project_url(project["id"], "labels/")
    assert_rejects(api.post(url, {"name": "nulled", "color": None}), "color")
    label = api.post(url, {"name": "coloured", "color": "#112233"}).json()
    assert_rejects(api.patch(f"{url}{label['id']}/", {"color": None}), "color")
    assert api.get(f"{url}{label['id']}/").json()["color"] == "#112233"


# --- stickies: description, logo_props -----------------------------------------------------------


@pytest.mark.parametrize("field", ["description", "logo_props"])
@pytest.mark.parametrize("value", ["text", [1], 0, True])
def test_sticky_json_fields_must_be_objects(api: Api, field: str, value: Any) -> None:
    url = f"{api.ws}/stickies/"
    assert_rejects(api.post(url, {"name": "s", field: value}), field)
    sticky = api.post(url, {"name": "s", field: {"k": 1}})
    assert sticky.status_code == 201 and sticky.json()[field] == {"k": 1}
    assert_rejects(api.patch(f"{url}{sticky.json()['id']}/", {field: value}), field)
    assert api.patch(f"{url}{sticky.json()['id']}/", {field: None}).status_code == 200


# --- projects: default_state ---------------------------------------------------------------------


def test_project_default_state_must_be_a_state_of_the_project(api: Api, project: dict) -> None:
    url = api.project_url(project["id"])
    other = api.new_project("Beta", "BET")
    foreign = api.get(api.project_url(other["id"], "states/")).json()["results"][0]["id"]
    for bad in ("not-a-uuid", UNKNOWN_ID, foreign):
        assert_rejects(api.patch(url, {"default_state": bad}), "default_state")
    assert api.get(url).json()["default_state"] == project["default_state"]


def test_project_default_state_moves_the_state_default_flag(api: Api, project: dict) -> None:
    states = api.get(api.project_url(project["id"], "states/")).json()["results"]
    todo = next(s for s in states if s["name"] == "Todo")
    answer = api.patch(api.project_url(project["id"]), {"default_state": todo["id"]})
    assert answer.status_code == 200 and answer.json()["default_state"] == todo["id"]
    states = api.get(api.project_url(project["id"], "states/")).json()["results"]
    assert [s["id"] for s in states if s["default"]] == [todo["id"]]
    assert api.new_item(project["id"])["state"] == todo["id"]


# --- cycles (and projects): timezone -------------------------------------------------------------


@pytest.mark.parametrize("value", ["Mars/Olympus_Mons", "utc ", 3])
def test_timezone_must_be_a_documented_zone(api: Api, project: dict, value: Any) -> None:
    url = api.project_url(project["id"], "cycles/")
    assert_rejects(api.post(url, {"name": "c", "timezone": value}), "timezone")
    cycle = api.post(url, {"name": "c", "timezone": "Europe/Paris"})
    assert cycle.status_code == 201 and cycle.json()["timezone"] == "Europe/Paris"
    assert_rejects(api.patch(f"{url}{cycle.json()['id']}/", {"timezone": value}), "timezone")
    assert_rejects(api.patch(api.project_url(project["id"]), {"timezone": value}), "timezone")


def test_timezone_check_is_off_under_the_enum_fault(make_api: Any) -> None:
    api = make_api(faults=("enum-accepts-anything",))
    project = api.new_project()
    answer = api.post(api.project_url(project["id"], "cycles/"), {"name": "c", "timezone": "x"})
    assert answer.status_code == 201, answer.text


# --- fields the request schemas type as non-null or as objects -----------------------------------


def test_link_title_and_work_item_point_may_not_be_null(api: Api, project: dict) -> None:
    item = api.new_item(project["id"])
    links = api.project_url(project["id"], f"work-items/{item['id']}/links/")
    assert_rejects(api.post(links, {"url": "https://example.com/a", "title": None}), "title")
    link = api.post(links, {"url": "https://example.com/b", "title": "b"}).json()
    assert_rejects(api.patch(f"{links}{link['id']}/", {"title": None}), "title")
    url = api.project_url(project["id"], f"work-items/{item['id']}/")
    assert_rejects(api.patch(url, {"point": None}), "point")
    assert api.patch(url, {"point": 2}).json()["point"] == 2


def test_project_icon_prop_must_be_an_object(api: Api, project: dict) -> None:
    url = api.project_url(project["id"])
    assert_rejects(api.patch(url, {"icon_prop": "rocket"}), "icon_prop")
    answer = api.patch(url, {"icon_prop": {"name": "rocket"}})
    assert answer.status_code == 200 and answer.json()["icon_prop"] == {"name": "rocket"}
