"""Scratch resources: names any server accepts, creates as steps (any 2xx; refusals block), the
project's features, the learned dialect, cleanup of exactly what was created, read-only safety."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from conformance.outcomes import Blocked, NotSelected, SetupRefused, outcome_kind
from conformance.target.client import ReadOnlyViolation, TargetClient
from conformance.target.config import resolve_config
from conformance.target.dialect import ME, Dialect, Need, operation_of
from conformance.target.scratch import ScratchError, ScratchResources, sweep_projects

# What Plane v1.3.1 refuses in a project name (its serializer's words are kept below).
PLANE_FORBIDDEN = re.compile(r"[&+,:;$^}{*=?@#|'<>.()%!-]")
SETTINGS = ("cycle_view", "module_view", "intake_view")


class FakePlane:
    """Just enough of a Plane workspace: projects (names restricted as Plane restricts them,
    cycles/modules/intake off until PATCHed on), labels, and cycles that need `project_id` in
    the body (as Plane v1.3.1's do)."""

    def __init__(self, *, project_status: int = 201, patch_status: int = 200) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.bodies: list[Any] = []
        self.counter = 0
        self.project_status = project_status
        self.patch_status = patch_status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append(f"{request.method} {path}")
        body = json.loads(request.content) if request.content else None
        self.bodies.append(body)
        if request.method == "POST":
            return self.post(path, body)
        if request.method == "PATCH":
            if self.patch_status >= 300:
                return httpx.Response(self.patch_status, json={"error": "not allowed"})
            self.objects[path].update(body)
            return httpx.Response(200, json=self.objects[path])
        if request.method == "DELETE":
            gone = [p for p in self.objects if p.startswith(path)]
            for p in gone:
                del self.objects[p]
            return httpx.Response(204 if gone else 404)
        if path in self.objects:
            return httpx.Response(200, json=self.objects[path])
        if path.endswith("/projects/"):
            rows = [o for p, o in self.objects.items() if p.rsplit("/", 2)[0] + "/" == path]
            return httpx.Response(200, json={"results": rows, "next_page_results": False})
        return httpx.Response(404, json={"detail": "no"})

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        if path.endswith("/projects/"):
            if self.project_status >= 300:
                return httpx.Response(
                    self.project_status,
                    json={"error": "You don't have the required permissions."},
                )
            if PLANE_FORBIDDEN.search(body["name"]):
                return httpx.Response(
                    400,
                    json={"non_field_errors": ["Project name cannot contain special characters."]},
                )
            body = {**body, **dict.fromkeys(SETTINGS, False)}
        if path.endswith("/cycles/"):
            project_path = path.removesuffix("cycles/")
            if "project_id" not in body:
                return httpx.Response(400, json={"non_field_errors": ["Project ID is required"]})
            if not self.objects[project_path]["cycle_view"]:
                return httpx.Response(
                    400, json={"non_field_errors": ["Cycles are not enabled for this project"]}
                )
        self.counter += 1
        created = {"id": f"id{self.counter}", **body}
        self.objects[f"{path}{created['id']}/"] = created
        status = 200 if path.endswith("/states/") else 201  # as Plane's state create does
        return httpx.Response(status, json=created)


def _setup(
    read_only: bool = False, project_id: str | None = None, plane: FakePlane | None = None
) -> tuple[FakePlane, Any, ScratchResources, TargetClient]:
    plane = plane or FakePlane()
    config = resolve_config(
        base_url="http://t", api_key="k", workspace="ws", read_only=read_only,
        project_id=project_id, env={},
    )  # fmt: skip
    client = TargetClient(
        "http://t", "k", "ws", transport=httpx.MockTransport(plane), read_only=read_only
    )
    return plane, config, ScratchResources(client, config), client


# -- names -------------------------------------------------------------------------------------


def test_names_carry_the_prefix_and_only_letters_digits_and_spaces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    _, config, scratch, _ = _setup()
    names = [scratch.name(kind) for kind in ("label", "rt-label", "side-renamed", "a&b.c")]
    assert all(n.startswith(config.prefix) for n in names)
    assert all(re.fullmatch(r"[A-Za-z0-9 ]+", n) for n in names), names
    assert names[1] == f"{config.prefix}rt label 2 gw1"
    assert len(set(names)) == len(names)
    assert re.fullmatch(r"PLC[A-Z]{5}", scratch.new_identifier())


def test_project_and_objects_are_prefixed_and_cleaned_up() -> None:
    plane, config, scratch, _ = _setup()
    label = scratch.create(scratch.project_path("labels/"), {"name": scratch.name("label")})
    assert label["name"].startswith(config.prefix)
    assert scratch.project["name"].startswith(config.prefix) and scratch.identifier.startswith(
        "PLC"
    )
    assert len(plane.objects) == 2
    assert scratch.cleanup() == 0
    assert plane.objects == {}
    assert scratch.cleanup() == 0  # idempotent: nothing sent twice
    assert sum(c.startswith("DELETE") for c in plane.calls) == 1  # the project took its label


# -- creates as steps --------------------------------------------------------------------------


def test_a_create_takes_any_2xx_with_an_object() -> None:
    _, _, scratch, _ = _setup()
    state = scratch.create(scratch.project_path("states/"), {"name": scratch.name("state")})
    assert state["id"]  # answered 200, as the create-state page documents


def test_a_refused_create_is_a_setup_refusal_with_the_servers_words() -> None:
    _, _, scratch, _ = _setup()

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"name": ["This field is required."]})

    scratch.project  # noqa: B018 - the project exists before the refusing transport
    scratch.client._http._transport = httpx.MockTransport(refuse)
    with pytest.raises(ScratchError, match="This field is required") as refused:
        scratch.create(scratch.project_path("labels/"), {})
    assert not isinstance(refused.value, AssertionError)  # never the target's failure here
    assert outcome_kind(refused.value) == "blocked"


def test_a_project_the_key_may_not_create_blocks_every_check_once() -> None:
    plane, _, scratch, _ = _setup(plane=FakePlane(project_status=403))
    for _ in range(2):
        with pytest.raises(SetupRefused, match=r"403.*required permissions"):
            scratch.project_path("labels/")
    assert [c for c in plane.calls if c.startswith("POST")] == [
        "POST /api/v1/workspaces/ws/projects/"
    ]  # asked once, the refusal answers every later check


# -- project features --------------------------------------------------------------------------


def test_the_own_project_turns_cycles_modules_and_intake_on_at_once() -> None:
    plane, _, scratch, _ = _setup()
    project = scratch.project
    assert plane.calls[:2] == [
        "POST /api/v1/workspaces/ws/projects/",
        f"PATCH /api/v1/workspaces/ws/projects/{project['id']}/",
    ]
    assert plane.bodies[1] == dict.fromkeys(SETTINGS, True)
    assert scratch.own_project
    scratch.require("cycles")  # on: no Blocked


def test_features_that_cannot_be_turned_on_block_with_the_servers_words() -> None:
    plane, _, scratch, _ = _setup(plane=FakePlane(patch_status=403))
    with pytest.raises(Blocked, match=r"could not be turned on.*403.*not allowed"):
        scratch.create(scratch.project_path("cycles/"), {"name": scratch.name("cycle")})
    assert not any(c.endswith("/cycles/") for c in plane.calls)  # not even tried
    scratch.create(scratch.project_path("labels/"), {"name": scratch.name("label")})  # fine


def test_project_mode_changes_nothing_and_blocks_what_is_off() -> None:
    plane, _, scratch, _ = _setup(project_id="given")
    given = "/api/v1/workspaces/ws/projects/given/"
    plane.objects[given] = {
        "id": "given",
        "name": "Theirs",
        "identifier": "THE",
        "cycle_view": False,
        "module_view": True,
        "intake_view": False,
    }
    label = scratch.create(scratch.project_path("labels/"), {"name": scratch.name("label")})
    with pytest.raises(Blocked, match=r"cycles are off in project Theirs.*changes no settings"):
        scratch.require("cycles")
    with pytest.raises(Blocked, match="intake are off"):
        scratch.post(scratch.project_path("intake-issues/"), {"issue": {"name": "x"}})
    scratch.require("modules")
    assert not [c for c in plane.calls if c.startswith("PATCH")]
    assert "POST /api/v1/workspaces/ws/projects/" not in plane.calls
    assert scratch.cleanup() == 0
    assert given in plane.objects and f"{given}labels/{label['id']}/" not in plane.objects
    assert f"DELETE {given}" not in plane.calls


# -- the dialect -------------------------------------------------------------------------------


def test_a_needed_path_parameter_is_learned_once_and_sent_from_then_on() -> None:
    plane, _, scratch, _ = _setup()
    cycles = scratch.project_path("cycles/")
    first = scratch.create(cycles, {"name": scratch.name("cycle")})
    assert first["project_id"] == scratch.project_id
    posts = [b for c, b in zip(plane.calls, plane.bodies, strict=True) if c == f"POST {cycles}"]
    assert len(posts) == 2 and "project_id" not in posts[0]  # refused, then resent with it
    scratch.create(cycles, {"name": scratch.name("cycle")})
    posts = [b for c, b in zip(plane.calls, plane.bodies, strict=True) if c == f"POST {cycles}"]
    assert len(posts) == 3 and posts[2]["project_id"] == scratch.project_id  # sent at once
    rows = scratch.dialect.take_new()
    assert rows == [
        {
            "operation": "POST /api/v1/workspaces/{workspace_slug}/projects/{project_id}/cycles/",
            "field": "project_id",
            "source": "path parameter project_id",
            "refusal": '400 {"non_field_errors":["Project ID is required"]}',
        }
    ]
    assert scratch.dialect.take_new() == []  # reported once
    assert scratch.cleanup() == 0


def test_an_unadapted_post_sends_the_body_as_given() -> None:
    plane, _, scratch, _ = _setup()
    cycles = scratch.project_path("cycles/")
    scratch.create(cycles, {"name": scratch.name("cycle")})  # learned
    answer = scratch.post(cycles, {"name": scratch.name("cycle")}, adapt=False)
    assert answer.status_code == 400 and "project_id" not in plane.bodies[-1]


def test_the_dialect_learns_only_when_the_field_silences_the_refusal() -> None:
    dialect = Dialect()
    path = "/api/v1/workspaces/ws/projects/p1/cycles/"
    asked = httpx.Response(400, json={"error": "Project ID is required"})
    other = httpx.Response(400, json={"name": ["This field is required."]})
    owner = httpx.Response(400, json={"owned_by": ["This field is required."]})
    assert dialect.missing(path, {"name": "x"}, asked) == Need("project_id", "project_id")
    assert dialect.missing(path, {"name": "x", "project_id": "p1"}, asked) is None
    assert dialect.missing(path, {"name": "x"}, other) is None  # no value the suite may choose
    assert dialect.missing(path, {"name": "x"}, owner) == Need("owned_by", ME)
    assert Need("owned_by", ME).value({}, lambda: "u1") == "u1"
    assert Need("assignees", ME).value({}, lambda: "u1") == ["u1"]
    assert Need("project_id", "project_id").value({"project_id": "p1"}, lambda: None) == "p1"
    assert dialect.adapt(path, {"name": "x"}, lambda: "u1") == {"name": "x"}  # nothing learned
    assert operation_of(path) == (
        "/api/v1/workspaces/{workspace_slug}/projects/{project_id}/cycles/",
        {"workspace_slug": "ws", "project_id": "p1"},
    )


def test_a_refusal_that_names_the_field_again_teaches_nothing() -> None:
    _, _, scratch, _ = _setup()

    def stubborn(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"project_id": ["Must be the project of the URL."]})

    scratch.project  # noqa: B018
    scratch.client._http._transport = httpx.MockTransport(stubborn)
    with pytest.raises(SetupRefused, match="Must be the project"):
        scratch.create(scratch.project_path("cycles/"), {"name": "x"})
    assert scratch.dialect.adaptations == []


class OlderPlane(FakePlane):
    """Plane v1.0.0's cycle create: `owned_by` required (the docs list it as optional,
    "defaults to the current user"), then `project_id` (one refusal at a time), and the key's
    own user at /users/me/."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/users/me/":
            self.calls.append(f"GET {request.url.path}")
            self.bodies.append(None)
            return httpx.Response(200, json={"id": "me1", "display_name": "admin"})
        return super().__call__(request)

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        if path.endswith("/cycles/") and "owned_by" not in body:
            return httpx.Response(400, json={"owned_by": ["This field is required."]})
        return super().post(path, body)  # ...and then project_id, as v1.3.1 asks


def test_a_create_refused_for_a_user_field_is_retried_once_with_the_keys_own_user() -> None:
    """Before: only a missing *path* parameter was learned, so v1.0.0's cycle create stayed
    refused ({"owned_by": ["This field is required."]}) and every cycle check was blocked."""
    plane, _, scratch, _ = _setup(plane=OlderPlane())
    cycles = scratch.project_path("cycles/")
    first = scratch.create(cycles, {"name": scratch.name("cycle")})
    assert first["owned_by"] == "me1"  # the key's own user, never anybody else
    posts = [b for c, b in zip(plane.calls, plane.bodies, strict=True) if c == f"POST {cycles}"]
    assert len(posts) == 3 and "owned_by" not in posts[0]  # each field asked for, sent once
    assert "project_id" not in posts[1] and posts[2]["project_id"] == scratch.project_id
    scratch.create(cycles, {"name": scratch.name("cycle")})
    posts = [b for c, b in zip(plane.calls, plane.bodies, strict=True) if c == f"POST {cycles}"]
    assert len(posts) == 4  # both learned: sent at once
    assert plane.calls.count("GET /api/v1/users/me/") == 1  # asked once
    assert [row["field"] for row in scratch.dialect.take_new()] == ["owned_by", "project_id"]
    assert scratch.dialect.adaptations[0].source == ME


def test_a_refused_setup_step_that_stored_the_object_is_found_and_cleaned_up() -> None:
    """Before: a server that stored the scratch project but answered 400 left it to the final
    sweep, deleted without a word; the refusal is now looked at like any other (SIDE-001)."""

    class StoresAndRefuses(FakePlane):
        def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
            answer = super().post(path, body)
            if path.endswith("/projects/") and answer.status_code < 300:
                return httpx.Response(400, json={"error": "The project could not be created."})
            return answer

    plane, _, scratch, _ = _setup(plane=StoresAndRefuses())
    with pytest.raises(SetupRefused, match="could not be created"):
        scratch.project  # noqa: B018
    [step] = scratch.take_new_refusals()
    assert step["status"] == 400 and step["stored"] and step["name"].startswith("plc ")
    assert [e["status"] for e in step["exchanges"]] == [400, 200]  # the refusal, the list
    assert scratch.take_new_refusals() == []  # reported once
    assert scratch.cleanup() == 0 and plane.objects == {}  # what it stored is deleted


def test_a_refused_setup_step_that_stored_nothing_is_a_verified_look() -> None:
    _, _, scratch, _ = _setup(plane=FakePlane(project_status=403))
    with pytest.raises(SetupRefused, match="403"):
        scratch.project  # noqa: B018
    [step] = scratch.take_new_refusals()
    assert step["status"] == 403 and step["stored"] == [] and step["unread"] == ""


# -- cleanup and safety ------------------------------------------------------------------------


def test_another_own_project_has_its_features_on_and_goes_with_its_objects() -> None:
    plane, config, scratch, _ = _setup()
    extra, features = scratch.new_project("schema project")
    assert extra["name"].startswith(f"{config.prefix}schema project")
    assert all(extra[setting] for setting in SETTINGS)
    features.require("cycles")  # on, and said so
    inside = f"/api/v1/workspaces/ws/projects/{extra['id']}/labels/"
    scratch.create(inside, {"name": scratch.name("label")})
    scratch.create(scratch.project_path("labels/"), {"name": scratch.name("label")})
    assert scratch.cleanup() == 0 and plane.objects == {}
    assert sum(c.startswith("DELETE") for c in plane.calls) == 2  # one per project


def test_project_mode_creates_no_other_project() -> None:
    _, _, scratch, _ = _setup(project_id="given")
    with pytest.raises(NotSelected, match="--project mode creates no projects"):
        scratch.new_project("schema project")


def test_a_refused_delete_of_what_is_gone_is_no_leftover() -> None:
    plane, _, scratch, _ = _setup()
    label = scratch.create(scratch.project_path("labels/"), {"name": scratch.name("label")})
    extra, _ = scratch.new_project("schema project")
    gone = f"/api/v1/workspaces/ws/projects/{extra['id']}/"
    del plane.objects[gone]  # a check deleted it; Plane then answers a DELETE with 403
    original = FakePlane.__call__

    def forbidden_when_gone(self: FakePlane, request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE" and request.url.path not in self.objects:
            return httpx.Response(403, json={"detail": "You do not have permission."})
        if request.method == "DELETE" and request.url.path.endswith(f"{label['id']}/"):
            return httpx.Response(403, json={"detail": "You do not have permission."})
        return original(self, request)

    FakePlane.__call__ = forbidden_when_gone  # type: ignore[method-assign]
    try:
        scratch._own_project_path = None  # only the label and the gone project are left
        assert scratch.cleanup() == 1  # the label that still exists, not the gone project
    finally:
        FakePlane.__call__ = original  # type: ignore[method-assign]


def test_sweep_deletes_only_this_runs_prefix() -> None:
    plane, config, _, client = _setup()
    client.post(client.ws("projects/"), json={"name": f"{config.prefix}crashed"})
    client.post(client.ws("projects/"), json={"name": "plc otherrun keep"})
    client.post(client.ws("projects/"), json={"name": "Customer project"})
    assert sweep_projects(client, config) == 0
    assert sorted(o["name"] for o in plane.objects.values()) == [
        "Customer project",
        "plc otherrun keep",
    ]


def test_read_only_sends_no_writes_at_all() -> None:
    def only_reads(request: httpx.Request) -> httpx.Response:
        assert request.method == "GET", f"a {request.method} reached the network"
        return httpx.Response(200, json={"results": []})

    config = resolve_config(
        base_url="http://t", api_key="k", workspace="ws", read_only=True, env={}
    )
    client = TargetClient(
        "http://t", "k", "ws", transport=httpx.MockTransport(only_reads), read_only=True
    )
    for method in ("POST", "PATCH", "PUT", "DELETE"):
        with pytest.raises(ReadOnlyViolation):
            client.request(method, "/api/v1/x/", json={})
    scratch = ScratchResources(client, config)
    # Without --plane-project, read-only mode reads the first existing project; none here.
    with pytest.raises(pytest.skip.Exception, match="no project to read"):
        scratch.project  # noqa: B018 - the property is the action
    assert scratch.cleanup() == 0 and sweep_projects(client, config) == 0
    assert client.requests_sent == 1  # the GET of the project list, nothing else


def test_read_only_works_in_the_first_existing_project() -> None:
    theirs = {"id": "p-1", "name": "Customer project", "identifier": "CUS"}

    def only_reads(request: httpx.Request) -> httpx.Response:
        assert request.method == "GET", f"a {request.method} reached the network"
        return httpx.Response(200, json={"results": [theirs]})

    config = resolve_config(
        base_url="http://t", api_key="k", workspace="ws", read_only=True, env={}
    )
    client = TargetClient(
        "http://t", "k", "ws", transport=httpx.MockTransport(only_reads), read_only=True
    )
    scratch = ScratchResources(client, config)
    assert scratch.project_id == "p-1" and scratch.identifier == "CUS"
    assert scratch.cleanup() == 0  # never deleted: the suite did not create it


def test_the_schema_campaigns_project_is_made_by_the_scratch_resources() -> None:
    """Before: the campaign created and set up its project itself (a second copy of the setup,
    without the learned dialect or the look at a refused create). One place now makes projects."""
    from conformance.fuzz.project import FuzzProject

    plane, config, scratch, client = _setup(plane=OlderPlane())
    campaign = FuzzProject(client, scratch, "ws")
    detail = f"/api/v1/workspaces/ws/projects/{campaign.ids['project']}/"
    assert plane.objects[detail]["name"].startswith(f"{config.prefix}schema project")
    assert all(plane.objects[detail][setting] for setting in SETTINGS)  # features on
    campaign.features.require("cycles")
    assert campaign.get("cycle") is not None  # owned_by, then project_id: the one dialect
    assert [row["field"] for row in scratch.dialect.take_new()] == ["owned_by", "project_id"]
    assert scratch.cleanup() == 0 and plane.objects == {}

    _, _, other, other_client = _setup(plane=FakePlane(project_status=403))
    with pytest.raises(SetupRefused, match=r"schema project could not be created.*403"):
        FuzzProject(other_client, other, "ws")
    assert [step["status"] for step in other.take_new_refusals()] == [403]
