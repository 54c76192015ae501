"""Plane's ways, switched on by name or by group (`plane-rules`, `plane-VERSION`): each does what
real Plane does, only when switched on, and belongs to the releases that have it
(docs/reference-vs-plane.md lists them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.reference.behaviours import (
    DEFAULT_BEHAVIOURS,
    GROUPS,
    KINDS,
    PLANE_1_3_1,
    PLANE_RULES,
    RELEASES,
    RULE,
    all_behaviours,
    chosen_behaviours,
    is_followed,
    release_group,
)
from tests.reference.conftest import Api, ApiFactory

UNKNOWN_ID = "00000000-0000-4000-8000-00000000dead"
VIEWS = {"cycle_view": True, "module_view": True, "intake_view": True}
PAGE = (Path(__file__).resolve().parents[2] / "docs/reference-vs-plane.md").read_text("utf-8")


def _project(api: Api, name: str = "Alpha", identifier: str = "ALP") -> dict[str, Any]:
    answer = api.post(f"{api.ws}/projects/", {"name": name, "identifier": identifier})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _row(name: str) -> str:
    """The behaviour's row of docs/reference-vs-plane.md."""
    rows = [line for line in PAGE.splitlines() if line.startswith(f"| `{name}` |")]
    assert len(rows) == 1, f"{name} has {len(rows)} rows in docs/reference-vs-plane.md, not 1"
    return rows[0]


@pytest.mark.parametrize("name", sorted(all_behaviours()))
def test_every_behaviour_is_documented_with_its_releases(name: str) -> None:
    behaviour = all_behaviours()[name]
    assert behaviour.kind in KINDS and behaviour.releases
    assert behaviour.groups <= set(GROUPS)
    listed = _row(name).split("|")[2]
    for release in RELEASES:
        assert (f"v{release}" in listed) == (release in behaviour.releases), (name, listed)


def test_groups_switch_on_their_releases_behaviours_only() -> None:
    for behaviour in all_behaviours().values():
        assert is_followed(behaviour, frozenset({behaviour.name}))
        assert is_followed(behaviour, frozenset({PLANE_RULES})) == (behaviour.kind == RULE)
        for release in RELEASES:
            on = is_followed(behaviour, frozenset({release_group(release)}))
            assert on == (release in behaviour.releases), (behaviour.name, release)
        assert not is_followed(behaviour, frozenset())


def test_options_choose_behaviours() -> None:
    given = {"docs_only": True, "plane_rules": True, "behaviour": []}
    assert chosen_behaviours(given) == {PLANE_RULES}
    assert chosen_behaviours({"docs_only": True, "behaviour": ["sticky-colours-null"]}) == {
        "sticky-colours-null"
    }
    assert chosen_behaviours({}) == DEFAULT_BEHAVIOURS
    # A release replaces the default: v1.0.0 does not restrict project names.
    assert chosen_behaviours({"plane_1_0_0": True, "behaviour": []}) == {"plane-1.0.0"}
    assert chosen_behaviours({"plane_1_3_1": True}) == {PLANE_1_3_1}
    with pytest.raises(ValueError, match="choose one release"):
        chosen_behaviours({"plane_1_3_1": True, "plane_1_0_0": True})
    with pytest.raises(ValueError, match="unknown behaviour"):
        chosen_behaviours({"docs_only": True, "behaviour": ["no-such-thing"]})


# --- plane-rules --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["plc-run project", "a.b", "R&D", "what?", "(x)", "it's"])
def test_restricted_project_names(make_api: ApiFactory, name: str) -> None:
    plane = make_api(behaviours=("restricted-project-names",))
    refused = plane.post(f"{plane.ws}/projects/", {"name": name, "identifier": "RES"})
    assert refused.status_code == 400
    assert refused.json() == {
        "non_field_errors": ["Project name cannot contain special characters."]
    }
    project = _project(plane, "plc 1a2b project 1")
    renamed = plane.patch(plane.project_url(project["id"]), {"name": name})
    assert renamed.status_code == 400
    docs = make_api()
    assert docs.post(f"{docs.ws}/projects/", {"name": name, "identifier": "RES"}).status_code == 201


def test_features_off_until_switched_on(make_api: ApiFactory) -> None:
    api = make_api(behaviours=("features-off-until-enabled", "intake-off-until-enabled"))
    project = _project(api)
    assert (project["cycle_view"], project["module_view"], project["intake_view"]) == (
        False,
        False,
        False,
    )
    url = api.project_url(project["id"])
    cycle = api.post(f"{url}cycles/", {"name": "c"})
    assert cycle.status_code == 400
    assert cycle.json() == {"non_field_errors": ["Cycles are not enabled for this project"]}
    module = api.post(f"{url}modules/", {"name": "m"})
    assert module.json() == {"non_field_errors": ["Modules are not enabled for this project"]}
    intake = api.post(f"{url}intake-issues/", {"issue": {"name": "i"}})
    assert intake.status_code == 400 and "Intake is not enabled" in intake.json()["error"]
    assert api.get(f"{url}cycles/").json()["results"] == []  # reading is allowed
    assert api.patch(url, VIEWS).status_code == 200
    assert api.post(f"{url}cycles/", {"name": "c"}).status_code == 201
    assert api.post(f"{url}modules/", {"name": "m"}).status_code == 201
    assert api.post(f"{url}intake-issues/", {"issue": {"name": "i"}}).status_code == 201
    assert api.patch(url, {"cycle_view": False}).status_code == 200
    cycles = api.get(f"{url}cycles/").json()["results"]
    assert api.patch(f"{url}cycles/{cycles[0]['id']}/", {"name": "c2"}).status_code == 400


def test_v1_0_0_has_only_intake_off(make_api: ApiFactory) -> None:
    api = make_api(behaviours=("plane-1.0.0",))
    project = _project(api, "plc-v1 project")  # v1.0.0 takes any name
    assert (project["cycle_view"], project["module_view"], project["intake_view"]) == (
        True,
        True,
        False,
    )
    assert project["logo_props"] == {}
    url = api.project_url(project["id"])
    assert api.post(f"{url}modules/", {"name": "m"}).status_code == 201
    intake = api.post(f"{url}intake-issues/", {"issue": {"name": "i"}})
    assert intake.status_code == 400


def test_state_create_answers_200(make_api: ApiFactory) -> None:
    for behaviours, status in (((), 201), (("state-create-200",), 200)):
        api = make_api(behaviours=behaviours)
        project = _project(api)
        made = api.post(api.project_url(project["id"], "states/"), {"name": "Q", "color": "#fff"})
        assert made.status_code == status and made.json()["slug"] == "q"


# --- departures ---------------------------------------------------------------------------------


def test_cycle_create_needs_project_id(make_api: ApiFactory) -> None:
    api = make_api(behaviours=("cycle-create-needs-project-id",))
    project = _project(api)
    url = api.project_url(project["id"], "cycles/")
    refused = api.post(url, {"name": "c"})
    assert refused.json() == {"non_field_errors": ["Project ID is required"]}
    made = api.post(url, {"name": "c", "project_id": project["id"]})
    assert made.status_code == 201
    renamed = api.patch(f"{url}{made.json()['id']}/", {"name": "c2"})  # not on an update
    assert renamed.status_code == 200


def test_unknown_project_write_answers_403(make_api: ApiFactory) -> None:
    api = make_api(behaviours=("unknown-project-write-403",))
    url = f"{api.ws}/projects/{UNKNOWN_ID}/"
    assert api.patch(url, {"name": "x"}).status_code == 403
    assert api.delete(url).status_code == 403
    assert api.get(url).status_code == 404


def test_activity_detail_is_an_object(make_api: ApiFactory) -> None:
    for behaviours, page in (((), True), (("activity-detail-object",), False)):
        api = make_api(behaviours=behaviours)
        project = _project(api)
        item = api.new_item(project["id"])
        url = api.project_url(project["id"], f"work-items/{item['id']}/activities/")
        first = api.get(url).json()["results"][0]
        detail = api.get(f"{url}{first['id']}/").json()
        assert ("results" in detail) is page and ("verb" in detail) is not page
        missing = api.get(f"{url}{UNKNOWN_ID}/")
        assert missing.status_code == 404 and ("code" in missing.json()) is not page


def test_intake_issue_is_an_id(make_api: ApiFactory) -> None:
    for behaviours, as_id in (((), False), (("intake-issue-is-an-id",), True)):
        api = make_api(behaviours=behaviours)
        project = _project(api)
        made = api.post(api.project_url(project["id"], "intake-issues/"), {"issue": {"name": "i"}})
        body = made.json()
        assert isinstance(body["issue"], str) is as_id
        assert body["issue_detail"]["state"]["group"] == "triage"


def test_sticky_colours_and_link_titles(make_api: ApiFactory) -> None:
    for behaviours, plane in (((), False), ((PLANE_1_3_1,), True)):
        api = make_api(behaviours=behaviours)
        sticky = api.post(f"{api.ws}/stickies/", {"name": "n"}).json()
        assert (sticky["color"] is None) is plane and (sticky["background_color"] is None) is plane
        project = _project(api)
        item = api.new_item(project["id"])
        links = api.project_url(project["id"], f"work-items/{item['id']}/links/")
        link = api.post(links, {"url": "https://example.com/a"}).json()
        title = api.get(f"{links}{link['id']}/").json()["metadata"]["title"]
        assert (title is None) is plane
