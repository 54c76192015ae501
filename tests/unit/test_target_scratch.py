"""Scratch resources: prefixed names, cleanup of exactly what was created, read-only safety."""

from __future__ import annotations

import json

import httpx
import pytest

from conformance.target.client import ReadOnlyViolation, TargetClient
from conformance.target.config import resolve_config
from conformance.target.scratch import ScratchError, ScratchResources, sweep_projects


class FakePlane:
    """Just enough of a workspace to create, list and delete projects and labels."""

    def __init__(self) -> None:
        self.objects: dict[str, dict] = {}
        self.calls: list[str] = []
        self.counter = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append(f"{request.method} {path}")
        if request.method == "POST":
            self.counter += 1
            obj = {"id": f"id{self.counter}", **json.loads(request.content)}
            self.objects[f"{path}{obj['id']}/"] = obj
            return httpx.Response(201, json=obj)
        if request.method == "DELETE":
            gone = [p for p in self.objects if p.startswith(path)]
            for p in gone:
                del self.objects[p]
            return httpx.Response(204 if gone else 404)
        if path.endswith("/projects/"):
            rows = [o for p, o in self.objects.items() if p.rsplit("/", 2)[0] + "/" == path]
            return httpx.Response(200, json={"results": rows, "next_page_results": False})
        return httpx.Response(404, json={"detail": "no"})


def _setup(read_only: bool = False, project_id: str | None = None):
    plane = FakePlane()
    config = resolve_config(
        base_url="http://t", api_key="k", workspace="ws", read_only=read_only,
        project_id=project_id, env={},
    )  # fmt: skip
    client = TargetClient(
        "http://t", "k", "ws", transport=httpx.MockTransport(plane), read_only=read_only
    )
    return plane, config, ScratchResources(client, config), client


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


def test_create_asserts_the_status_but_still_registers() -> None:
    _, _, scratch, _ = _setup()
    with pytest.raises(ScratchError, match="expected \\(200,\\)"):
        scratch.create(scratch.project_path("labels/"), {"name": "x"}, expected=(200,))
    assert scratch.cleanup() == 0


def test_a_configured_project_is_never_deleted() -> None:
    plane, _, scratch, _ = _setup(project_id="given")
    plane.objects["/api/v1/workspaces/ws/projects/given/"] = {"id": "given", "name": "theirs"}
    original = FakePlane.__call__

    def get_project(self: FakePlane, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/projects/given/"):
            return httpx.Response(200, json={"id": "given", "name": "theirs"})
        return original(self, request)

    FakePlane.__call__ = get_project  # type: ignore[method-assign]
    try:
        scratch.create(scratch.project_path("labels/"), {"name": scratch.name("label")})
        assert scratch.cleanup() == 0
    finally:
        FakePlane.__call__ = original  # type: ignore[method-assign]
    assert "/api/v1/workspaces/ws/projects/given/" in plane.objects
    assert "DELETE /api/v1/workspaces/ws/projects/given/" not in plane.calls


def test_sweep_deletes_only_this_runs_prefix() -> None:
    plane, config, _, client = _setup()
    client.post(client.ws("projects/"), json={"name": f"{config.prefix}crashed"})
    client.post(client.ws("projects/"), json={"name": "plc-otherrun-keep"})
    client.post(client.ws("projects/"), json={"name": "Customer project"})
    assert sweep_projects(client, config) == 0
    assert sorted(o["name"] for o in plane.objects.values()) == [
        "Customer project",
        "plc-otherrun-keep",
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
