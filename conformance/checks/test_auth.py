"""Authentication: the X-API-Key header (API introduction, "Authentication").

AUTH-009 (OAuth bearer tokens) is untestable without an OAuth app and has no check.
"""

from __future__ import annotations

import random
import re
import uuid
from typing import Any

import httpx
import pytest

from conformance.spec.openapi import Operation, operations
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig

ME = "/api/v1/users/me/"
QUICK_SAMPLE = 8  # keyless requests in the quick profile (AUTH-007)
MISSING_WORDS = re.compile(r"authenticat|credential", re.IGNORECASE)
INVALID_WORDS = re.compile(r"authenticat|credential|key|token", re.IGNORECASE)
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")


def _protected(client: TargetClient) -> list[str]:
    """Two protected resources: the current user and the workspace's projects."""
    return [ME, client.ws("projects/")]


def _unknown_key(rng: random.Random) -> str:
    """A well-formed key no server issued (reproducible from the run seed)."""
    return f"plane_api_{uuid.UUID(int=rng.getrandbits(128)).hex}"


def _refusal_message(client: TargetClient, key: bool | str, how: str) -> str:
    """The JSON message of the 401 to GET /users/me/ sent `how`; a failure when not refused."""
    response = client.get(ME, key=key)
    assert response.status_code == 401, (
        f"no refusal to inspect: GET {ME} {how} answered {response.status_code}"
    )
    return _json_message(response)


def _json_message(response: httpx.Response) -> str:
    """The body as JSON (asserting it is JSON), flattened to its text for word matching."""
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(
            f"{response.request.url.path}: the {response.status_code} body is not JSON: "
            f"{response.text[:200]!r}"
        ) from None
    return str(body)


@pytest.mark.requirement("AUTH-001")
def test_valid_key_is_accepted(client: TargetClient) -> None:
    """GET /users/me/ with the configured key answers 200."""
    response = client.get(ME)
    assert response.status_code == 200, f"GET {ME} with a valid key answered {response.status_code}"


@pytest.mark.requirement("AUTH-002")
def test_missing_key_is_refused(client: TargetClient) -> None:
    """A request without X-API-Key answers 401."""
    for path in _protected(client):
        response = client.get(path, key=False)
        assert response.status_code == 401, (
            f"GET {path} without a key answered {response.status_code}, expected 401"
        )


@pytest.mark.requirement("AUTH-003")
def test_missing_key_refusal_says_authentication_required(client: TargetClient) -> None:
    """The 401 for a missing key has a JSON body mentioning authentication or credentials."""
    message = _refusal_message(client, False, "without a key")
    assert MISSING_WORDS.search(message), f"the 401 body does not mention authentication: {message}"


@pytest.mark.requirement("AUTH-004")
def test_invalid_key_is_refused(client: TargetClient, rng: random.Random) -> None:
    """A random, unknown key answers 401."""
    bogus = _unknown_key(rng)
    for path in _protected(client):
        response = client.get(path, key=bogus)
        assert response.status_code == 401, (
            f"GET {path} with an unknown key answered {response.status_code}, expected 401"
        )


@pytest.mark.requirement("AUTH-005")
def test_invalid_key_refusal_says_authentication_failed(
    client: TargetClient, rng: random.Random
) -> None:
    """The 401 for an invalid key has a JSON body mentioning authentication, key or token."""
    message = _refusal_message(client, _unknown_key(rng), "with an unknown key")
    assert INVALID_WORDS.search(message), f"the 401 body does not say why: {message}"


@pytest.mark.requirement("AUTH-006")
def test_empty_key_counts_as_missing(client: TargetClient) -> None:
    """An empty X-API-Key header answers 401."""
    for path in _protected(client):
        response = client.get(path, key="")
        assert response.status_code == 401, (
            f"GET {path} with an empty key answered {response.status_code}, expected 401"
        )


@pytest.mark.requirement("AUTH-008")
@pytest.mark.parametrize("spelling", ["x-api-key", "X-API-KEY", "X-Api-Key"])
def test_key_header_name_is_case_insensitive(client: TargetClient, spelling: str) -> None:
    """The key is accepted whatever the case of the header name."""
    response = client.get(ME, key_header=spelling)
    assert response.status_code == 200, (
        f"GET {ME} with the key in a {spelling!r} header answered {response.status_code}"
    )


# -- AUTH-007: every documented operation refuses a keyless request ---------------------------


def _selected_operations(target: TargetConfig) -> list[Operation]:
    """The operations to probe: reads always, writes unless read-only; a sample when quick."""
    chosen = [
        op
        for op in operations()
        if op.alias_of is None and (op.method == "GET" or not target.read_only)
    ]
    if target.profile == "quick":
        sampler = random.Random(target.seed)
        reads = [op for op in chosen if op.method == "GET"]
        writes = [op for op in chosen if op.method != "GET"]
        chosen = sampler.sample(reads, min(QUICK_SAMPLE, len(reads)))
        chosen += sampler.sample(writes, min(QUICK_SAMPLE // 4, len(writes)))
    return sorted(chosen, key=lambda op: (op.path, op.method))


def _fill_path(op: Operation, target: TargetConfig, real_ids: dict[str, str], seed: str) -> str:
    """Path parameters: real ids for reads (a leak would show), random UUIDs for writes.

    A keyless write never names an existing object: if the target wrongly accepted it, nothing
    of anyone's would change.
    """
    sampler = random.Random(f"{seed}:{op.method}:{op.path}")
    path = op.path
    for name in op.path_params:
        if name == "workspace_slug":
            value = target.workspace
        elif op.method == "GET" and name in real_ids:
            value = real_ids[name]
        elif name == "project_identifier":
            value = "PLC"
        elif name == "issue_identifier":
            value = str(sampler.randint(1, 99999))
        else:
            value = str(uuid.UUID(int=sampler.getrandbits(128), version=4))
        path = path.replace("{" + name + "}", value)
    return path


@pytest.fixture(scope="module")
def real_ids(target: TargetConfig, request: pytest.FixtureRequest) -> dict[str, str]:
    """Ids of real objects to read keylessly: the scratch (or configured) project."""
    if target.read_only and not target.project_id:
        return {}
    scratch = request.getfixturevalue("scratch")
    return {"project_id": scratch.project_id}


def _leaks(body: Any, secrets: list[str]) -> str | None:
    """What in a refusal body looks like resource data, or None."""
    if isinstance(body, list):
        return "the body is a list"
    if isinstance(body, dict):
        for field in ("results", "id", "name", "identifier", "email"):
            if field in body:
                return f"the body has a {field!r} field"
    text = str(body)
    return next((f"the body contains {s}" for s in secrets if s and s in text), None)


@pytest.mark.requirement("AUTH-007")
def test_every_operation_refuses_keyless_requests(
    client: TargetClient, target: TargetConfig, real_ids: dict[str, str]
) -> None:
    """Every documented operation answers a keyless request with 401 and none of its data."""
    problems: list[str] = []
    secrets = list(real_ids.values())
    selected = _selected_operations(target)
    for op in selected:
        path = _fill_path(op, target, real_ids, str(target.seed))
        body: dict[str, object] | None = {} if op.method in ("POST", "PATCH", "PUT") else None
        response = client.request(op.method, path, key=False, json=body)
        allowed = (401,) if op.core else (401, 404)
        if response.status_code not in allowed:
            problems.append(f"{op.method} {path} answered {response.status_code}")
            continue
        try:
            leak = _leaks(response.json(), secrets) if response.content else None
        except ValueError:
            leak = None  # a non-JSON refusal leaks nothing; AUTH-003 judges the body
        if leak:
            problems.append(f"{op.method} {path}: {leak}")
    assert selected, "the spec lists no operations to probe"
    assert not problems, (
        f"{len(problems)} of {len(selected)} keyless requests were not refused cleanly: "
        + "; ".join(problems[:10])
    )
