"""Status codes and bodies (API introduction, "HTTP Methods" and "Status Codes").

The create/read/update/delete round is run on five kinds of project objects. Every object is
created through `scratch`, so it is deleted at the end whatever happens; objects are built
lazily per module, so each test still works alone (and on any pytest-xdist worker).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from conformance.outcomes import Blocked, NotSelected, NotVerified
from conformance.target.client import TargetClient, is_json_media_type
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

ME = "/api/v1/users/me/"


@dataclass(frozen=True)
class Kind:
    name: str
    collection: str  # below the project path
    body: Callable[[str], dict[str, Any]]  # a valid create body for a given name


KINDS = [
    Kind("label", "labels/", lambda n: {"name": n, "color": "#1f77b4"}),
    Kind("state", "states/", lambda n: {"name": n, "color": "#2ca02c"}),
    Kind("work-item", "work-items/", lambda n: {"name": n, "priority": "high"}),
    Kind("cycle", "cycles/", lambda n: {"name": n, "description": "plane-conformance"}),
    Kind("module", "modules/", lambda n: {"name": n, "description": "plane-conformance"}),
]
KIND_IDS = [k.name for k in KINDS]


@dataclass
class Created:
    sent: dict[str, Any]
    response: httpx.Response
    detail: str | None  # the object's path, when the answer carried an id


@dataclass
class Lifecycle:
    """Objects of each kind, created on first use: one to keep, one to delete."""

    scratch: ScratchResources
    client: TargetClient
    kept: dict[str, Created] = field(default_factory=dict)
    deleted: dict[str, tuple[Created, httpx.Response]] = field(default_factory=dict)

    def create(self, kind: Kind) -> Created:
        collection = self.scratch.project_path(kind.collection)
        body = kind.body(self.scratch.name(kind.name))
        response = self.scratch.post(collection, body)
        detail = None
        if response.status_code < 300:
            data = _json(response)
            if isinstance(data, dict) and "id" in data:
                detail = f"{collection}{data['id']}/"
        return Created(body, response, detail)

    def keep(self, kind: Kind) -> Created:
        if kind.name not in self.kept:
            self.kept[kind.name] = self.create(kind)
        return self.kept[kind.name]

    def delete(self, kind: Kind) -> tuple[Created, httpx.Response]:
        if kind.name not in self.deleted:
            created = self.create(kind)
            detail = _require_detail(created, kind)
            answer = self.client.delete(detail)
            if answer.status_code < 300:
                self.scratch.forget(detail)
            self.deleted[kind.name] = (created, answer)
        return self.deleted[kind.name]


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _require_detail(created: Created, kind: Kind) -> str:
    if created.detail is None:
        answer = created.response
        raise Blocked(
            f"could not create a {kind.name} to work on ({answer.status_code}: "
            f"{answer.text[:150]}); STATUS-001/002 judge the create"
        )
    return created.detail


@pytest.fixture(scope="module")
def lifecycle(scratch: ScratchResources, client: TargetClient, target: TargetConfig) -> Lifecycle:
    if target.read_only:
        raise NotSelected("read-only mode: these checks create their own objects")
    return Lifecycle(scratch, client)


@pytest.fixture(params=KINDS, ids=KIND_IDS)
def kind(request: pytest.FixtureRequest) -> Kind:
    param: Kind = request.param
    return param


def _random_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _project_path(target: TargetConfig, client: TargetClient, rng: random.Random) -> str:
    """A project path that needs no write: the configured project, else a random id."""
    project = target.project_id or _random_uuid(rng)
    return client.ws(f"projects/{project}/")


# -- create, read, update, delete ------------------------------------------------------------


@pytest.mark.requirement("STATUS-001")
def test_create_answers_201(lifecycle: Lifecycle, kind: Kind) -> None:
    """A POST that creates an object answers 201 Created."""
    created = lifecycle.keep(kind)
    assert created.response.status_code == 201, (
        f"creating a {kind.name} answered {created.response.status_code}, expected 201"
    )


@pytest.mark.requirement("STATUS-002")
def test_create_returns_the_created_object(lifecycle: Lifecycle, kind: Kind) -> None:
    """The create body is the object: it has an id and the values sent."""
    created = lifecycle.keep(kind)
    if created.response.status_code >= 300:
        raise NotVerified(f"the create failed ({created.response.status_code}); see STATUS-001")
    body = _json(created.response)
    assert isinstance(body, dict), (
        f"the create answer is not a JSON object: {created.response.text[:200]!r}"
    )
    assert body.get("id"), f"the created {kind.name} has no id: {body}"
    for name, value in created.sent.items():
        got = body.get(name)
        same = got == value or (
            isinstance(got, str) and isinstance(value, str) and got.lower() == value.lower()
        )
        assert same, f"the created {kind.name} has {name}={got!r}, but {value!r} was sent"


@pytest.mark.requirement("STATUS-003")
def test_get_existing_answers_200(lifecycle: Lifecycle, client: TargetClient, kind: Kind) -> None:
    """GET of an existing object answers 200 with that object."""
    detail = _require_detail(lifecycle.keep(kind), kind)
    response = client.get(detail)
    assert response.status_code == 200, f"GET {detail} answered {response.status_code}"
    body = _json(response)
    wanted = detail.rstrip("/").rsplit("/", 1)[-1]
    assert isinstance(body, dict) and str(body.get("id")) == wanted, (
        f"GET {detail} did not return the object: {response.text[:200]!r}"
    )


@pytest.mark.requirement("STATUS-004")
def test_patch_answers_200_and_persists(
    lifecycle: Lifecycle, client: TargetClient, scratch: ScratchResources, kind: Kind
) -> None:
    """PATCH answers 200 with the object, and a GET afterwards shows the change."""
    detail = _require_detail(lifecycle.keep(kind), kind)
    new_name = scratch.name(f"{kind.name}-renamed")
    response = client.patch(detail, json={"name": new_name})
    assert response.status_code == 200, f"PATCH {detail} answered {response.status_code}"
    body = _json(response)
    assert isinstance(body, dict) and body.get("name") == new_name, (
        f"the PATCH answer does not carry the new name: {response.text[:200]!r}"
    )
    again = client.get(detail)
    got = (_json(again) or {}).get("name") if again.status_code == 200 else None
    assert got == new_name, f"after PATCH, GET {detail} shows name={got!r}, not {new_name!r}"


@pytest.mark.requirement("STATUS-005")
def test_delete_answers_204_with_empty_body(lifecycle: Lifecycle, kind: Kind) -> None:
    """DELETE answers 204 with an empty body."""
    created, answer = lifecycle.delete(kind)
    assert answer.status_code == 204, f"DELETE {created.detail} answered {answer.status_code}"
    assert answer.content == b"", (
        f"DELETE {created.detail} answered 204 with a body: {answer.text[:200]!r}"
    )


@pytest.mark.requirement("STATUS-006")
def test_get_after_delete_answers_404(
    lifecycle: Lifecycle, client: TargetClient, kind: Kind
) -> None:
    """GET of a just-deleted object answers 404."""
    created, answer = lifecycle.delete(kind)
    if answer.status_code >= 300:
        raise NotVerified(f"the delete failed ({answer.status_code}); see STATUS-005")
    response = client.get(created.detail or "")
    assert response.status_code == 404, (
        f"GET {created.detail} after its deletion answered {response.status_code}"
    )


@pytest.mark.requirement("STATUS-006")
def test_unknown_id_answers_404(
    client: TargetClient,
    target: TargetConfig,
    rng: random.Random,
    kind: Kind,
    request: pytest.FixtureRequest,
) -> None:
    """GET of a random (never existing) id answers 404."""
    if target.read_only:
        project = _project_path(target, client, rng)
    else:
        project = request.getfixturevalue("scratch").project_path()
    path = f"{project}{kind.collection}{_random_uuid(rng)}/"
    response = client.get(path)
    assert response.status_code == 404, f"GET {path} (unknown id) answered {response.status_code}"


@pytest.mark.requirement("STATUS-007")
@pytest.mark.parametrize("suffix", ["/api/v1/plc-no-such-route/", "ws:plc-no-such-collection/"])
def test_unknown_route_answers_404(client: TargetClient, suffix: str) -> None:
    """A URL the API does not know answers 404."""
    path = client.ws(suffix.removeprefix("ws:")) if suffix.startswith("ws:") else suffix
    response = client.get(path)
    assert response.status_code == 404, f"GET {path} answered {response.status_code}"


# -- invalid input -----------------------------------------------------------------------------

INVALID_BODIES = [
    # (collection, body, the field at fault)
    pytest.param("labels/", {"color": "#ff7f0e"}, "name", id="label-without-name"),
    pytest.param("work-items/", {"priority": "plc-not-a-priority"}, "priority", id="bad-priority"),
    pytest.param(
        "states/",
        {"color": "#ff7f0e", "name": ["not", "a", "string"]},
        "name",
        id="state-name-not-a-string",
    ),
]


@dataclass(frozen=True)
class InvalidPost:
    """A POST whose body is wrong in exactly one field, and the answer to it."""

    collection: str
    field_name: str
    response: httpx.Response


@pytest.fixture(params=[pytest.param(case.values, id=case.id) for case in INVALID_BODIES])
def invalid_post(
    request: pytest.FixtureRequest, scratch: ScratchResources, writable: None
) -> InvalidPost:
    collection, body, field_name = request.param
    if field_name != "name":  # only the field under test is wrong: give the rest a valid name
        body = {"name": scratch.name("invalid"), **body}
    response = scratch.post(scratch.project_path(collection), body)
    return InvalidPost(collection, field_name, response)


@pytest.mark.requirement("STATUS-008")
def test_invalid_body_answers_400(invalid_post: InvalidPost) -> None:
    """A body with a missing required field, a wrong type or an unknown enum value answers 400."""
    status = invalid_post.response.status_code
    assert status == 400, (
        f"POST {invalid_post.collection} with a bad {invalid_post.field_name!r} answered "
        f"{status}, expected 400"
    )


@pytest.mark.requirement("STATUS-011")
def test_invalid_body_400_names_the_field(invalid_post: InvalidPost) -> None:
    """The 400 for an invalid body names the offending field."""
    response = invalid_post.response
    if response.status_code != 400:
        raise NotVerified(f"no 400 to inspect (answered {response.status_code}; see STATUS-008)")
    assert invalid_post.field_name in response.text, (
        f"the 400 body does not name {invalid_post.field_name!r}: {response.text[:200]!r}"
    )


# -- every error is JSON, nothing is a 5xx -----------------------------------------------------


def _error_probes(
    client: TargetClient, target: TargetConfig, rng: random.Random
) -> list[tuple[str, Callable[[], httpx.Response]]]:
    """Requests that must each answer a 4xx, without writing anything."""
    project = _project_path(target, client, rng)
    return [
        ("no key", lambda: client.get(ME, key=False)),
        ("invalid key", lambda: client.get(ME, key=f"plc-invalid-{rng.getrandbits(64):x}")),
        ("unknown id", lambda: client.get(f"{project}labels/{_random_uuid(rng)}/")),
        ("unknown route", lambda: client.get("/api/v1/plc-no-such-route/")),
        ("unknown project", lambda: client.get(client.ws(f"projects/{_random_uuid(rng)}/"))),
    ]


@pytest.mark.requirement("STATUS-009")
def test_error_responses_are_json(
    client: TargetClient, target: TargetConfig, rng: random.Random
) -> None:
    """Every 4xx the suite provokes carries a JSON body."""
    problems = []
    for label, send in _error_probes(client, target, rng):
        response = send()
        if not 400 <= response.status_code < 500:
            continue  # the status itself is judged by AUTH-*/STATUS-006/007
        if _json(response) is None:
            problems.append(f"{label}: {response.status_code} with body {response.text[:80]!r}")
    assert not problems, "error bodies that are not JSON: " + "; ".join(problems)


def _odd_requests(
    client: TargetClient, target: TargetConfig, rng: random.Random, request: pytest.FixtureRequest
) -> list[tuple[str, Callable[[], httpx.Response]]]:
    """Strange but harmless input: malformed ids, parameters and (when writable) bodies."""
    project = _project_path(target, client, rng)
    probes: list[tuple[str, Callable[[], httpx.Response]]] = [
        ("malformed id", lambda: client.get(f"{project}labels/not-a-uuid/")),
        ("unknown id", lambda: client.get(f"{project}work-items/{_random_uuid(rng)}/")),
        ("per_page text", lambda: client.get(client.ws("projects/"), params={"per_page": "abc"})),
        ("per_page huge", lambda: client.get(client.ws("projects/"), params={"per_page": 10**9})),
        ("cursor garbage", lambda: client.get(client.ws("projects/"), params={"cursor": "x:y:z"})),
        ("fields odd", lambda: client.get(ME, params={"fields": ",,,id,"})),
    ]
    if not target.read_only:
        scratch: ScratchResources = request.getfixturevalue("scratch")
        labels = scratch.project_path("labels/")
        probes += [
            (
                "body not JSON",
                lambda: client.post(
                    labels, content="{not json", headers={"Content-Type": "application/json"}
                ),
            ),
            ("body a list", lambda: scratch.post(labels, ["name"])),
            ("name a number", lambda: scratch.post(labels, {"name": 12345})),
            ("name very long", lambda: scratch.post(labels, {"name": scratch.name("x") * 400})),
        ]
    return probes


@pytest.mark.requirement("STATUS-010")
def test_client_input_never_causes_5xx(
    client: TargetClient, target: TargetConfig, rng: random.Random, request: pytest.FixtureRequest
) -> None:
    """Odd ids, parameters and bodies answer 4xx (or 2xx), never 5xx.

    Every other response of the run is judged for STATUS-010 as well, on the controller
    (conformance/plugin/run_wide.py)."""
    problems = []
    for label, send in _odd_requests(client, target, rng, request):
        response = send()
        if response.status_code >= 500:
            problems.append(
                f"{label}: {response.request.method} {response.request.url} "
                f"answered {response.status_code}"
            )
    assert not problems, "server errors on client input: " + "; ".join(problems)


@pytest.mark.requirement("HTTP-001")
def test_bodies_are_json_with_json_content_type(
    client: TargetClient, target: TargetConfig, rng: random.Random
) -> None:
    """Responses carry application/json (every other response of the run is judged run-wide)."""
    project = _project_path(target, client, rng)
    problems = []
    for path in (ME, client.ws("projects/"), f"{project}labels/{_random_uuid(rng)}/"):
        response = client.get(path)
        media = response.headers.get("content-type")
        if response.content and not is_json_media_type(media):
            problems.append(f"GET {path} -> {response.status_code} {media or 'no Content-Type'}")
        elif response.content and _json(response) is None:
            problems.append(f"GET {path} -> body is not JSON: {response.text[:80]!r}")
    assert not problems, "responses without a JSON media type: " + "; ".join(problems)


@pytest.mark.requirement("HTTP-002")
def test_unsupported_method_answers_405(
    client: TargetClient, scratch: ScratchResources, writable: None
) -> None:
    """PUT on a collection (a method it does not offer) answers 405 or 404."""
    path = scratch.project_path("labels/")
    response = client.put(path, json={"name": scratch.name("put")})
    assert response.status_code in (405, 404), f"PUT {path} answered {response.status_code}"
