"""Status codes and bodies (API introduction, "HTTP Methods" and "Status Codes"), and SCHEMA-005.

The create/read/update/delete round is run on five kinds of project objects. Every object is
created through `scratch`, so it is deleted at the end whatever happens; objects are built
lazily per module, so each test still works alone (and on any pytest-xdist worker). The creates
of the round are steps: they go on the way that works on this target (the scratch dialect adds
a body field the target is known to need) and a refused one blocks what needed it. What the
documented body itself earns is SCHEMA-005's to judge, once, on the minimal documented bodies.

Probes that exist to judge the status of their own answer name their requirement as `owner`, so
that a 5xx they provoke is that requirement's departure and not STATUS-010's as well.
"""

from __future__ import annotations

import functools
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from conformance.checks._refusals import require_json_refusal, require_refusal_of
from conformance.outcomes import Blocked, NotSelected, NotVerified, SetupRefused, Units
from conformance.spec.openapi import load_openapi
from conformance.target.answers import json_of as _json
from conformance.target.client import TargetClient, is_json_media_type
from conformance.target.config import TargetConfig
from conformance.target.dialect import error_fields
from conformance.target.scratch import ScratchResources

ME = "/api/v1/users/me/"
OK = range(200, 300)
PROJECT_TEMPLATE = "/api/v1/workspaces/{workspace_slug}/projects/{project_id}/"
WORK_ITEM_TEMPLATE = PROJECT_TEMPLATE + "work-items/{work_item_id}/"


@dataclass(frozen=True)
class Kind:
    name: str
    collection: str  # below the project path
    body: Callable[[str], dict[str, Any]]  # a valid create body for a given name
    # The create statuses the docs give: 201 (introduction, "Status Codes"), plus the code the
    # operation's own page documents where it differs (the docs contradict themselves there).
    documented: tuple[int, ...] = (201,)


KINDS = [
    Kind("label", "labels/", lambda n: {"name": n, "color": "#1f77b4"}),
    # States / Create a state documents its response as 200; the introduction says 201.
    Kind("state", "states/", lambda n: {"name": n, "color": "#2ca02c"}, (201, 200)),
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
            answer = self.client.delete(detail, owner=("STATUS-005",))
            if answer.status_code < 300:
                self.scratch.forget(detail)
            self.deleted[kind.name] = (created, answer)
        return self.deleted[kind.name]


def _refused(created: Created, kind: Kind) -> Blocked:
    answer = created.response
    request = answer.request
    return Blocked(
        f"the {kind.name} to work on could not be created: {request.method} {request.url.path} "
        f"answered {answer.status_code}: {answer.text[:200]}"
    )


def _require_detail(created: Created, kind: Kind) -> str:
    if created.detail is None:
        raise _refused(created, kind)
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
    """A POST that creates an object answers 201 Created (or the code its own page documents)."""
    created = lifecycle.keep(kind)
    if created.response.status_code not in OK:
        raise _refused(created, kind)
    wanted = " or ".join(str(code) for code in kind.documented)
    assert created.response.status_code in kind.documented, (
        f"creating a {kind.name} answered {created.response.status_code}, expected {wanted}"
    )


@pytest.mark.requirement("STATUS-002")
def test_create_returns_the_created_object(lifecycle: Lifecycle, kind: Kind) -> None:
    """The create body is the object: it has an id and the values sent."""
    created = lifecycle.keep(kind)
    if created.response.status_code not in OK:
        raise _refused(created, kind)
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
    response = client.get(detail, owner=("STATUS-003",))
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
    response = client.patch(detail, json={"name": new_name}, owner=("STATUS-004",))
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
    response = client.get(created.detail or "", owner=("STATUS-006",))
    assert response.status_code == 404, (
        f"GET {created.detail} after its deletion answered {response.status_code}"
    )


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


def post_owned(
    client: TargetClient, scratch: ScratchResources, path: str, body: Any, owner: str
) -> httpx.Response:
    """A POST whose answer `owner` judges; anything it wrongly creates is deleted at once."""
    response = client.post(path, json=body, owner=(owner,))
    created = _json(response) if response.status_code in OK else None
    if isinstance(created, dict) and "id" in created:
        client.delete(f"{path.rstrip('/')}/{created['id']}/")
    return response


@pytest.fixture(params=[pytest.param(case.values, id=case.id) for case in INVALID_BODIES])
def invalid_post(
    request: pytest.FixtureRequest, client: TargetClient, scratch: ScratchResources, writable: None
) -> InvalidPost:
    collection, body, field_name = request.param
    if field_name != "name":  # only the field under test is wrong: give the rest a valid name
        body = {"name": scratch.name("invalid"), **body}
    response = post_owned(client, scratch, scratch.project_path(collection), body, "STATUS-008")
    return InvalidPost(collection, field_name, response)


@pytest.mark.requirement("STATUS-008")
def test_invalid_body_answers_400(invalid_post: InvalidPost, client: TargetClient) -> None:
    """A body with a missing required field, a wrong type or an unknown enum value answers 400."""
    where = f"POST {invalid_post.collection} with a bad {invalid_post.field_name!r}"
    require_refusal_of(client, invalid_post.response, where, (invalid_post.field_name,))
    status = invalid_post.response.status_code
    assert status == 400, (
        f"POST {invalid_post.collection} with a bad {invalid_post.field_name!r} answered "
        f"{status}, expected 400"
    )


@pytest.mark.requirement("STATUS-011")
def test_invalid_body_400_names_the_field(invalid_post: InvalidPost, client: TargetClient) -> None:
    """The 400 for an invalid body names the offending field."""
    response = invalid_post.response
    if response.status_code != 400:
        raise NotVerified(f"no 400 to inspect (answered {response.status_code}; see STATUS-008)")
    where = f"POST {invalid_post.collection} with a bad {invalid_post.field_name!r}"
    require_refusal_of(client, response, where, (invalid_post.field_name,))
    require_json_refusal(response, f"the invalid {invalid_post.field_name!r} body")
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
    client: TargetClient, target: TargetConfig, rng: random.Random, units: Units
) -> None:
    """The 4xx answers of these probes carry a JSON body (every other 4xx of the run is judged
    run-wide, conformance/plugin/run_wide.py)."""
    for label, send in _error_probes(client, target, rng):
        response = send()
        if not 400 <= response.status_code < 500:
            continue  # the status itself is judged by AUTH-*/STATUS-006/007
        problems = (
            []
            if _json(response) is not None
            else [f"{response.status_code} with body {response.text[:80]!r}"]
        )
        units.judge("STATUS-009", label, problems)
    if not units.recorded:
        raise NotVerified("no probe was refused with a 4xx (the statuses are AUTH-*/STATUS-*'s)")
    units.conclude()


Probe = tuple[str, Callable[[], httpx.Response]]


def _odd_reads(client: TargetClient, target: TargetConfig, rng: random.Random) -> list[Probe]:
    """Strange but harmless reads: malformed ids and parameters.

    Odd paging parameters (per_page=0, a malformed cursor) are PAG-011/012's probes, which own
    their answers: a 5xx there is their departure, not this one's too."""
    project = _project_path(target, client, rng)
    return [
        ("malformed id", lambda: client.get(f"{project}labels/not-a-uuid/")),
        ("unknown id", lambda: client.get(f"{project}work-items/{_random_uuid(rng)}/")),
        ("per_page huge", lambda: client.get(client.ws("projects/"), params={"per_page": 10**9})),
        ("fields odd", lambda: client.get(ME, params={"fields": ",,,id,"})),
    ]


def _odd_bodies(client: TargetClient, scratch: ScratchResources) -> list[Probe]:
    """Strange bodies for a label create in the scratch project."""
    labels = scratch.project_path("labels/")
    return [
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


@pytest.mark.requirement("STATUS-010")
def test_client_input_never_causes_5xx(
    client: TargetClient,
    target: TargetConfig,
    rng: random.Random,
    request: pytest.FixtureRequest,
    units: Units,
) -> None:
    """Odd ids, parameters and bodies answer 4xx (or 2xx), never 5xx.

    Every other response of the run is judged for STATUS-010 as well, on the controller
    (conformance/plugin/run_wide.py)."""
    probes = _odd_reads(client, target, rng)
    if not target.read_only:
        scratch: ScratchResources = request.getfixturevalue("scratch")
        try:
            probes += _odd_bodies(client, scratch)
        except SetupRefused as refused:
            units.blocked("STATUS-010", "odd bodies", str(refused))
    for label, send in probes:
        response = send()
        where = f"{response.request.method} {response.request.url.path}"
        problems = (
            [f"{where} answered {response.status_code}"] if response.status_code >= 500 else []
        )
        units.judge("STATUS-010", label, problems)
    units.conclude()


@pytest.mark.requirement("HTTP-001")
def test_bodies_are_json_with_json_content_type(
    client: TargetClient, target: TargetConfig, rng: random.Random, units: Units
) -> None:
    """Responses carry application/json (every other response of the run is judged run-wide)."""
    project = _project_path(target, client, rng)
    for path in (ME, client.ws("projects/"), f"{project}labels/{_random_uuid(rng)}/"):
        response = client.get(path)
        media = response.headers.get("content-type")
        problems = []
        if response.content and not is_json_media_type(media):
            problems.append(f"{response.status_code} {media or 'no Content-Type'}")
        elif response.content and _json(response) is None:
            problems.append(f"{response.status_code}: body is not JSON: {response.text[:80]!r}")
        units.judge("HTTP-001", f"GET {path}", problems)
    units.conclude()


@pytest.mark.requirement("HTTP-002")
def test_unsupported_method_answers_405(
    client: TargetClient, scratch: ScratchResources, writable: None
) -> None:
    """PUT on a collection (a method it does not offer) answers 405 or 404."""
    path = scratch.project_path("labels/")
    response = client.put(path, json={"name": scratch.name("put")}, owner=("HTTP-002",))
    assert response.status_code in (405, 404), f"PUT {path} answered {response.status_code}"


# -- SCHEMA-005: a documented body is not refused for a parameter the docs do not list ---------


@dataclass(frozen=True)
class Minimal:
    """The minimal documented create body of one kind: its documented required parameters."""

    name: str
    template: str  # the documented collection path
    body: Callable[[str], dict[str, Any]]
    parent: str | None = None  # a kind of the round whose object the path hangs below


MINIMAL = [
    Minimal("label", PROJECT_TEMPLATE + "labels/", lambda n: {"name": n}),
    Minimal("state", PROJECT_TEMPLATE + "states/", lambda n: {"name": n, "color": "#17becf"}),
    Minimal("work-item", PROJECT_TEMPLATE + "work-items/", lambda n: {"name": n}),
    Minimal("cycle", PROJECT_TEMPLATE + "cycles/", lambda n: {"name": n}),
    Minimal("module", PROJECT_TEMPLATE + "modules/", lambda n: {"name": n}),
    Minimal(
        "comment",
        WORK_ITEM_TEMPLATE + "comments/",
        lambda n: {"comment_html": f"<p>{n}</p>"},
        "work-item",
    ),
    Minimal(
        "link",
        WORK_ITEM_TEMPLATE + "links/",
        lambda n: {"url": "https://example.com/plc"},
        "work-item",
    ),
]


def _squashed(text: str) -> str:
    """Lower-case letters and digits only: "Project ID", "project_id" and "projectId" agree."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


@functools.cache
def documented_body_fields(template: str) -> frozenset[str]:
    """The body parameters the docs list for POST `template` (from the derived spec)."""
    spec = load_openapi()
    operation = spec["paths"].get(template, {}).get("post", {})
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return frozenset(schema.get("properties", {}))


def undocumented_named(
    refusal: str, documented: frozenset[str], path_params: tuple[str, ...]
) -> list[str]:
    """The parameters a refusal names that the docs do not list for the body: the keys of a
    DRF-style error object, and path parameters its words name ("Project ID is required")."""
    named = [k for k in error_fields(refusal) if k not in documented]
    text = _squashed(refusal)
    named += [
        p for p in path_params if p not in documented and p not in named and _squashed(p) in text
    ]
    return named


def optional_named(refusal: str, documented: frozenset[str], sent: dict[str, Any]) -> list[str]:
    """The documented body parameters a refusal of the minimal body is keyed by although the
    body did not carry them: the minimal body carries every required one, so these are the docs'
    optional parameters demanded (Plane v1.0.0: {"owned_by": ["This field is required."]})."""
    return [k for k in error_fields(refusal) if k in documented and k not in sent]


def schema005_verdict(
    response: httpx.Response,
    documented: frozenset[str],
    path_params: tuple[str, ...],
    sent: dict[str, Any] | None = None,
) -> tuple[str, str]:
    """(unit status, reason) of one minimal documented create (see SCHEMA-005)."""
    status, words = response.status_code, response.text[:200]
    if status in OK:
        return "verified", ""
    if status >= 500:
        return "not_verified", f"answered {status} (judged by STATUS-010)"
    named = undocumented_named(response.text, documented, path_params)
    if named:
        return "failed", f"refused for {', '.join(named)}, which the docs do not list: {words}"
    optional = optional_named(response.text, documented, sent) if sent is not None else []
    if optional and status == 400:
        return "failed", (
            f"refused for {', '.join(optional)}, which the docs list as optional: {words}"
        )
    if status in (401, 403, 404):
        return "blocked", f"answered {status}: {words}"
    return "not_verified", f"refused without naming an undocumented parameter ({status}: {words})"


@pytest.mark.requirement("SCHEMA-005")
def test_documented_create_bodies_are_accepted(
    lifecycle: Lifecycle, scratch: ScratchResources, units: Units
) -> None:
    """The minimal documented create body of each core kind (its documented required parameters,
    with valid values, exactly as the docs list them) is accepted."""
    by_name = {kind.name: kind for kind in KINDS}
    for minimal in MINIMAL:
        path = scratch.project_path(minimal.template.removeprefix(PROJECT_TEMPLATE))
        if minimal.parent is not None:
            try:
                parent = _require_detail(
                    lifecycle.keep(by_name[minimal.parent]), by_name[minimal.parent]
                )
            except Blocked as blocked:
                units.blocked("SCHEMA-005", minimal.name, blocked.reason)
                continue
            path = parent + minimal.template.removeprefix(WORK_ITEM_TEMPLATE)
        body = minimal.body(scratch.name(minimal.name))
        try:
            response = scratch.post(path, body, adapt=False)
        except Blocked as blocked:  # a feature off in the project (cycles, modules...)
            units.blocked("SCHEMA-005", minimal.name, blocked.reason)
            continue
        params = tuple(re.findall(r"\{([^{}]+)\}", minimal.template))
        status, reason = schema005_verdict(
            response, documented_body_fields(minimal.template), params, body
        )
        where = f"POST {response.request.url.path} {reason}".strip()
        if status == "verified":
            units.verified("SCHEMA-005", minimal.name)
        elif status == "failed":
            units.failed("SCHEMA-005", minimal.name, where)
        elif status == "blocked":
            units.blocked("SCHEMA-005", minimal.name, where)
        else:
            units.not_verified("SCHEMA-005", minimal.name, where)
    units.conclude()
