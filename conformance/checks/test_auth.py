"""Authentication: the X-API-Key header (API introduction, "Authentication").

Each rule judges what it says, once: AUTH-002/004/006 judge the status of a refusal, AUTH-003/005
its body whatever the refusal's status ("an error indicating that authentication is required /
failed": a JSON body carrying a human-readable message; the docs give no words), and a request
that was not refused at all leaves AUTH-003/005 nothing to inspect (NotVerified, judged by the
status rule).

AUTH-009 (OAuth bearer tokens) is untestable without an OAuth app and has no check.
"""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

import httpx
import pytest

from conformance.outcomes import NotVerified, SetupRefused, Units
from conformance.spec.openapi import Operation, operations
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig

ME = "/api/v1/users/me/"
QUICK_SAMPLE = 8  # keyless requests in the quick profile (AUTH-007)
MIN_MESSAGE_LETTERS = 3  # "a human-readable message": a text with some letters, not a code
UNROUTED = "plc-no-such-collection/"  # below the workspace: routed by no server


def _protected(client: TargetClient) -> list[str]:
    """Two protected resources: the current user and the workspace's projects."""
    return [ME, client.ws("projects/")]


def _unknown_key(rng: random.Random) -> str:
    """A well-formed key no server issued (reproducible from the run seed)."""
    return f"plane_api_{uuid.UUID(int=rng.getrandbits(128)).hex}"


def _texts(value: Any) -> list[str]:
    """Every string in a JSON value (keys aside), depth first."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []


def message_problems(status: int, content_type: str | None, body: bytes) -> list[str]:
    """What keeps a refusal body from being "an error indicating" why: it must be JSON and
    carry a human-readable message (a string with letters), whatever its wording."""
    try:
        data = json.loads(body)
    except ValueError:
        return [
            f"the {status} body is not JSON ({content_type or 'no Content-Type'}): {body[:120]!r}"
        ]
    readable = [t for t in _texts(data) if sum(c.isalpha() for c in t) >= MIN_MESSAGE_LETTERS]
    if not readable:
        return [f"the {status} body carries no message: {str(data)[:120]}"]
    return []


def _judge_refusal_body(
    units: Units, rid: str, response: httpx.Response, how: str, by: str
) -> None:
    """One unit of AUTH-003/005: the refusal's body, whatever its 4xx status."""
    if not 400 <= response.status_code < 500:
        raise NotVerified(
            f"GET {ME} {how} answered {response.status_code}: no refusal to inspect "
            f"(judged by {by})"
        )
    problems = message_problems(
        response.status_code, response.headers.get("content-type"), response.content
    )
    units.judge(rid, f"GET {ME} {how} -> {response.status_code}", problems)
    units.conclude()


def _judge_statuses(
    units: Units, rid: str, client: TargetClient, key: bool | str, how: str
) -> None:
    """One unit per protected resource: the request must answer 401 (the probe owns its answer:
    a 5xx here is this requirement's departure, not STATUS-010's as well)."""
    for path in _protected(client):
        response = client.get(path, key=key, owner=(rid,))
        problems = [] if response.status_code == 401 else [f"answered {response.status_code}"]
        units.judge(rid, f"GET {path} {how}", problems)
    units.conclude()


@pytest.mark.requirement("AUTH-001")
def test_valid_key_is_accepted(client: TargetClient) -> None:
    """GET /users/me/ with the configured key answers 200."""
    response = client.get(ME)
    assert response.status_code == 200, f"GET {ME} with a valid key answered {response.status_code}"


@pytest.mark.requirement("AUTH-002")
def test_missing_key_is_refused(client: TargetClient, units: Units) -> None:
    """A request without X-API-Key answers 401."""
    _judge_statuses(units, "AUTH-002", client, False, "without a key")


@pytest.mark.requirement("AUTH-003")
def test_missing_key_refusal_says_authentication_required(
    client: TargetClient, units: Units
) -> None:
    """The refusal of a request without a key has a JSON body with a human-readable message."""
    response = client.get(ME, key=False)
    _judge_refusal_body(units, "AUTH-003", response, "without a key", "AUTH-002")


@pytest.mark.requirement("AUTH-004")
def test_invalid_key_is_refused(client: TargetClient, rng: random.Random, units: Units) -> None:
    """A random, unknown key answers 401."""
    _judge_statuses(units, "AUTH-004", client, _unknown_key(rng), "with an unknown key")


@pytest.mark.requirement("AUTH-005")
def test_invalid_key_refusal_says_authentication_failed(
    client: TargetClient, rng: random.Random, units: Units
) -> None:
    """The refusal of an unknown key has a JSON body with a human-readable message (whatever
    its 4xx status: the status is AUTH-004's to judge)."""
    response = client.get(ME, key=_unknown_key(rng))
    _judge_refusal_body(units, "AUTH-005", response, "with an unknown key", "AUTH-004")


@pytest.mark.requirement("AUTH-006")
def test_empty_key_counts_as_missing(client: TargetClient, units: Units) -> None:
    """An empty X-API-Key header answers 401."""
    _judge_statuses(units, "AUTH-006", client, "", "with an empty key")


@pytest.mark.requirement("AUTH-008")
@pytest.mark.parametrize("spelling", ["x-api-key", "X-API-KEY", "X-Api-Key"])
def test_key_header_name_is_case_insensitive(client: TargetClient, spelling: str) -> None:
    """The key is accepted whatever the case of the header name."""
    response = client.get(ME, key_header=spelling, owner=("AUTH-008",))
    assert response.status_code == 200, (
        f"GET {ME} with the key in a {spelling!r} header answered {response.status_code}"
    )


# -- AUTH-007: every documented operation refuses a keyless request ---------------------------


def _candidates(target: TargetConfig) -> list[Operation]:
    """Every operation that may be probed: reads always, writes unless read-only."""
    chosen = [
        op
        for op in operations()
        if op.alias_of is None and (op.method == "GET" or not target.read_only)
    ]
    return sorted(chosen, key=lambda op: (op.path, op.method))


def _quick_sample(target: TargetConfig, chosen: list[Operation]) -> set[Operation]:
    """The quick profile's sample: a few reads and writes, reproducible from the seed."""
    sampler = random.Random(target.seed)
    reads = [op for op in chosen if op.method == "GET"]
    writes = [op for op in chosen if op.method != "GET"]
    picked = sampler.sample(reads, min(QUICK_SAMPLE, len(reads)))
    picked += sampler.sample(writes, min(QUICK_SAMPLE // 4, len(writes)))
    return set(picked)


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
    """Ids of real objects to read keylessly: the scratch (or configured) project; none when the
    key may not have one (keyless reads of random ids still judge the refusal)."""
    if target.read_only and not target.project_id:
        return {}
    scratch = request.getfixturevalue("scratch")
    try:
        return {"project_id": scratch.project_id}
    except SetupRefused:
        return {}


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


def keyless_verdict(
    op_core: bool, status: int, body: Any, unrouted_status: int, secrets: list[str]
) -> tuple[str, str]:
    """(unit status, reason) of one keyless request to a documented operation.

    401 without resource data: verified. A 404 (or 405) where a keyless request to a surely
    unrouted URL also answers 404 means the target does not serve the operation at all: nothing
    was there to refuse; a core operation's absence is CAP-001's to judge (not verified here),
    a commercial one's is not applicable. Anything else is a failure.
    """
    absent = status == 405 or (status == 404 and unrouted_status == 404)
    if absent and op_core:
        return "not_verified", (
            f"answered {status} like an unrouted URL: the operation is not served "
            "(CAP-001 judges that), there was nothing to refuse"
        )
    if absent:
        return "not_applicable", f"answered {status}: a commercial operation the target lacks"
    if status != 401:
        return "failed", f"answered {status}"
    leak = _leaks(body, secrets)
    return ("failed", leak) if leak else ("verified", "")


@pytest.mark.requirement("AUTH-007")
def test_every_operation_refuses_keyless_requests(
    client: TargetClient, target: TargetConfig, real_ids: dict[str, str], units: Units
) -> None:
    """Every documented operation answers a keyless request with 401 and none of its data."""
    secrets = list(real_ids.values())
    unrouted = client.get(client.ws(UNROUTED), key=False).status_code
    chosen = _candidates(target)
    sample = _quick_sample(target, chosen) if target.profile == "quick" else set(chosen)
    assert chosen, "the spec lists no operations to probe"
    for op in chosen:
        label = f"{op.method} {op.path}"
        if op not in sample:
            units.not_selected("AUTH-007", label, "quick profile: a sample of the operations")
            continue
        path = _fill_path(op, target, real_ids, str(target.seed))
        body: dict[str, object] | None = {} if op.method in ("POST", "PATCH", "PUT") else None
        response = client.request(op.method, path, key=False, json=body, owner=("AUTH-007",))
        try:
            data = response.json() if response.content else None
        except ValueError:
            data = None  # a non-JSON refusal leaks nothing; its body is AUTH-003's
        status, reason = keyless_verdict(op.core, response.status_code, data, unrouted, secrets)
        why = f"{op.method} {path} {reason}"
        if status == "verified":
            units.verified("AUTH-007", label)
        elif status == "not_verified":
            units.not_verified("AUTH-007", label, why)
        elif status == "not_applicable":
            units.not_applicable("AUTH-007", label, why)
        else:
            units.failed("AUTH-007", label, why)
    units.conclude()
