"""Authentication: the X-API-Key header and OAuth access tokens (API introduction,
"Authentication", "Using an OAuth Token"; each operation page's "Scopes").

Each rule judges what it says, once: AUTH-002/004/006 judge the status of a refusal, AUTH-003/005
its body whatever the refusal's status ("an error indicating that authentication is required /
failed": a JSON body carrying a human-readable message; the docs give no words), and a request
that was not refused at all leaves AUTH-003/005 nothing to inspect (NotVerified, judged by the
status rule). The key's rules send keys (in X-API-Key) whatever the run's credential; the
token's rules (AUTH-009/010/011, in `_token_checks` below) send tokens.
"""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

import httpx
import pytest

from conformance.checks._operations import (
    JSON_TYPE,
    NOT_JSON,
    PROJECT_CREATE,
    UNROUTED,
    candidates,
    fill_path,
    is_absent,
    json_or_none,
    leaks,
    never_sent,
    sampled,
)
from conformance.credentials import ApiKey, BearerToken, Credential
from conformance.outcomes import (
    NotApplicable,
    NotSelected,
    NotVerified,
    SetupRefused,
    Units,
)
from conformance.report.model import UnitStatus
from conformance.spec.openapi import Operation
from conformance.target.client import OutsideScopes, TargetClient, scope_refusal
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources
from conformance.target.tokens import BearerReading, bearer_reading, unknown_token
from conformance.target.unrouted import without_path

ME = "/api/v1/users/me/"
MIN_MESSAGE_LETTERS = 3  # "a human-readable message": a text with some letters, not a code


def _protected(client: TargetClient) -> list[str]:
    """Two protected resources: the current user and the workspace's projects."""
    return [ME, client.ws("projects/")]


def _unknown_key(rng: random.Random) -> ApiKey:
    """A well-formed key no server issued (reproducible from the run seed), in X-API-Key."""
    return ApiKey(f"plane_api_{uuid.UUID(int=rng.getrandbits(128)).hex}")


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
    units: Units, rid: str, client: TargetClient, key: bool | Credential, how: str
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
    if not isinstance(client.credential, ApiKey):
        raise NotSelected("the run holds an access token, not an API key (AUTH-009 judges it)")
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
    _judge_statuses(units, "AUTH-006", client, ApiKey(""), "with an empty key")


@pytest.mark.requirement("AUTH-008")
@pytest.mark.parametrize("case", ["lower", "upper", "title"])
def test_key_header_name_is_case_insensitive(client: TargetClient, case: str) -> None:
    """The credential is accepted whatever the case of its header's name (X-API-Key, or
    Authorization for an access token)."""
    spelling = str(getattr(client.credential.header, case)())
    response = client.get(ME, key_header=spelling, owner=("AUTH-008",))
    assert response.status_code == 200, (
        f"GET {ME} with the key in a {spelling!r} header answered {response.status_code}"
    )


# -- every documented operation: without a credential (AUTH-007), with the token (AUTH-009) --------


@pytest.fixture(scope="module")
def real_ids(target: TargetConfig, request: pytest.FixtureRequest) -> dict[str, str]:
    """Ids of real objects to read: the scratch (or configured) project; none when the
    credential may not have one (requests to random ids still judge the refusal)."""
    if target.read_only and not target.project_id:
        return {}
    scratch = request.getfixturevalue("scratch")
    try:
        return {"project_id": scratch.project_id}
    except (SetupRefused, OutsideScopes):
        return {}


@pytest.fixture(scope="module")
def bearer(client: TargetClient, target: TargetConfig) -> BearerReading:
    """Whether the target reads access tokens: a token run's preflight showed it; a key run
    asks (an unknown token answered exactly as no credential: it reads none)."""
    if isinstance(target.credential, BearerToken):
        return BearerReading(True, "the run's access token authenticated")
    return bearer_reading(client, seed=target.seed)


def token_run(target: TargetConfig, bearer: BearerReading) -> str | None:
    """Why the run cannot judge its own access token (None: it can): the target reads no
    token (not applicable), or the run holds an API key (not selected)."""
    if not bearer.reads:
        return bearer.not_read
    if not isinstance(target.credential, BearerToken):
        return (
            "the run holds an API key: pass --access-token (the embedded server: run --auth "
            "bearer) to judge an access token"
        )
    return None


def keyless_verdict(
    op_core: bool, status: int, body: object, unrouted_status: int, secrets: list[str]
) -> tuple[UnitStatus, str]:
    """(unit status, reason) of one keyless request to a documented operation.

    401 without resource data: verified. A 404 (or 405) where a keyless request to a surely
    unrouted URL also answers 404 means the target does not serve the operation at all: nothing
    was there to refuse; a core operation's absence is CAP-001's to judge (not verified here),
    a commercial one's is not applicable. Anything else is a failure.
    """
    absent = is_absent(status, unrouted_status)
    if absent and op_core:
        return "not_verified", (
            f"answered {status} like an unrouted URL: the operation is not served "
            "(CAP-001 judges that), there was nothing to refuse"
        )
    if absent:
        return "not_applicable", f"answered {status}: a commercial operation the target lacks"
    if status != 401:
        return "failed", f"answered {status}"
    leak = leaks(body, secrets)
    return ("failed", leak) if leak else ("verified", "")


@pytest.mark.requirement("AUTH-007")
def test_every_operation_refuses_keyless_requests(
    client: TargetClient, target: TargetConfig, real_ids: dict[str, str], units: Units
) -> None:
    """Every documented operation answers a keyless request with 401 and none of its data."""
    secrets = list(real_ids.values())
    unrouted = client.get(client.ws(UNROUTED), key=False).status_code
    chosen = candidates(target)
    sample = sampled(target, chosen)
    assert chosen, "the spec lists no operations to probe"
    for op in chosen:
        label = f"{op.method} {op.path}"
        if op not in sample:
            units.not_selected("AUTH-007", label, "quick profile: a sample of the operations")
            continue
        path = fill_path(op, target, real_ids, str(target.seed))
        body: dict[str, object] | None = {} if op.method in ("POST", "PATCH", "PUT") else None
        response = client.request(op.method, path, key=False, json=body, owner=("AUTH-007",))
        data = json_or_none(response)
        status, reason = keyless_verdict(op.core, response.status_code, data, unrouted, secrets)
        units.record("AUTH-007", label, status, f"{op.method} {path} {reason}")
    units.conclude()


def token_verdict(
    op_core: bool, answer: httpx.Response, path: str, unrouted: httpx.Response
) -> tuple[UnitStatus, str]:
    """(unit status, reason) of the run's token sent to a documented operation: any answer but
    401 shows it authenticated, unless the operation is not served at all (405, or a 404 like
    the token's answer to a surely-unrouted URL): nothing was there to authenticate."""
    status = answer.status_code
    like_unrouted = status == 404 and without_path(answer.text, path) == without_path(
        unrouted.text, unrouted.request.url.path
    )
    if status == 405 or like_unrouted:
        why = f"answered {status} like an unrouted URL: not served, nothing to authenticate"
        if op_core:
            return "not_verified", why + " (CAP-001 judges it)"
        return "not_applicable", why
    if status == 401:
        return "failed", "refused the token: 401"
    return "verified", ""


@pytest.mark.requirement("AUTH-009")
def test_every_operation_takes_the_access_token(
    client: TargetClient,
    target: TargetConfig,
    real_ids: dict[str, str],
    bearer: BearerReading,
    units: Units,
) -> None:
    """Every documented operation within the token's scopes takes the run's access token (any
    answer but 401): reads at real ids; writes at ids that name nothing, with a body no server
    can act on, so that nothing can change."""
    no_token = token_run(target, bearer)
    if no_token is not None:
        raise (NotApplicable if not bearer.reads else NotSelected)(no_token)
    unrouted = client.get(client.ws(UNROUTED), owner=("AUTH-009",))
    chosen = candidates(target)
    sample = sampled(target, chosen)
    for op in chosen:
        label = f"{op.method} {op.path}"
        path = fill_path(op, target, real_ids, str(target.seed))
        if op not in sample:
            units.not_selected("AUTH-009", label, "quick profile: a sample of the operations")
        elif scope_refusal(op.method, path, client.outside_scopes):
            units.not_selected("AUTH-009", label, "outside the token's scopes (AUTH-010's)")
        elif (why := never_sent(op)) is not None:
            units.not_selected("AUTH-009", label, f"never sent with a credential: {why}")
        else:
            if op.method == "GET":
                answer = client.get(path, owner=("AUTH-009",))
            else:
                answer = client.request(
                    op.method, path, content=NOT_JSON, headers=JSON_TYPE, owner=("AUTH-009",)
                )
            status, reason = token_verdict(op.core, answer, path, unrouted)
            units.record("AUTH-009", label, status, f"{op.method} {path} {reason}")
    units.conclude()


# -- the access token's scopes (AUTH-010) and an unknown token (AUTH-011) ---------------------


def scope_verdict(
    method: str, status: int, body: object, secrets: list[str], found: bool
) -> tuple[UnitStatus, str]:
    """(unit status, reason) of a request outside the token's scopes. The docs give no status
    for the refusal: any 4xx refuses (the weakest claim), with none of the operation's data. A
    404 or 405 says the operation is not served, or the object was looked up before the scope:
    nothing to judge; a write's 400 refused the body it carried (no server can act on it),
    not the scope. A served operation fails the rule when the user said the token lacks its
    scope; when that was only `found` (a refusal before the checks), the refusal then was not
    the scope's (a role's, a missing object's), and nothing is judged."""
    if 200 <= status < 300 and found:
        return "not_verified", (
            f"answered {status}, though refused when asked before the checks: that refusal "
            "was not the scope's (--token-scopes tells the token's scopes)"
        )
    if 200 <= status < 300:
        return "failed", f"answered {status}: the operation was served"
    if status >= 500:
        return "not_verified", f"answered {status} (STATUS-010 judges it)"
    if status in (404, 405) or (status == 400 and method != "GET"):
        return "not_verified", f"answered {status}: no refusal of the scope to judge"
    leak = leaks(body, secrets)
    return ("failed", f"the {status} refusal carries data: {leak}") if leak else ("verified", "")


def _project_body(scratch: ScratchResources) -> dict[str, object]:
    """A project create any server accepts: were the scope not enforced, a project of the
    suite's own would be made (and deleted at once)."""
    return {"name": scratch.name("scope probe"), "identifier": scratch.new_identifier("PLS")}


def _outside_scopes(
    client: TargetClient, op: Operation, path: str, scratch: ScratchResources
) -> httpx.Response:
    """The request of an operation outside the token's scopes (sent: it exists to be refused).
    A project create carries a valid body (a created project shows the scope unenforced, and is
    deleted); every other write a body no server can act on, at ids that name nothing."""
    owner = ("AUTH-010",)
    if op.method == "GET":
        return client.get(path, owner=owner, scope_probe=True)
    if f"{op.method} {op.path}" == PROJECT_CREATE:
        body = _project_body(scratch)
        response = client.post(path, json=body, owner=owner, scope_probe=True)
        created = json_or_none(response)
        if response.is_success and isinstance(created, dict) and "id" in created:
            project = f"{path}{created['id']}/"
            if not client.delete(project, owner=owner, scope_probe=True).is_success:
                scratch.adopt(project)
        return response
    return client.request(
        op.method, path, content=NOT_JSON, headers=JSON_TYPE, owner=owner, scope_probe=True
    )


@pytest.mark.requirement("AUTH-010")
def test_operations_outside_the_token_scopes_are_refused(
    client: TargetClient,
    target: TargetConfig,
    real_ids: dict[str, str],
    bearer: BearerReading,
    scratch: ScratchResources,
    units: Units,
) -> None:
    """Every documented operation the token's scopes do not cover is refused (a 4xx) with
    none of its data."""
    no_token = token_run(target, bearer)
    if no_token is not None:
        raise (NotApplicable if not bearer.reads else NotSelected)(no_token)
    how = "found from the answers" if target.scopes_found else "told by --token-scopes"
    secrets = list(real_ids.values())
    for op in candidates(target):
        label = f"{op.method} {op.path}"
        path = fill_path(op, target, real_ids, str(target.seed))
        if not op.scopes:
            units.not_applicable("AUTH-010", label, "its page names no scope")
        elif not scope_refusal(op.method, path, client.outside_scopes):
            units.not_applicable("AUTH-010", label, f"not outside the token's scopes ({how})")
        elif (why := never_sent(op)) is not None:
            units.not_selected("AUTH-010", label, f"never sent with a credential: {why}")
        else:
            response = _outside_scopes(client, op, path, scratch)
            status, reason = scope_verdict(
                op.method,
                response.status_code,
                json_or_none(response),
                secrets,
                target.scopes_found,
            )
            units.record("AUTH-010", label, status, f"{op.method} {path} {reason}")
    units.conclude()


@pytest.mark.requirement("AUTH-011")
def test_unknown_access_token_is_refused(
    client: TargetClient, target: TargetConfig, bearer: BearerReading, units: Units
) -> None:
    """A well-formed access token no server issued answers 401 with none of the data."""
    if not bearer.reads:
        raise NotApplicable(bearer.not_read)
    token = unknown_token(f"{target.seed}:AUTH-011")
    for path in _protected(client):
        response = client.get(path, key=token, owner=("AUTH-011",))
        problems = [] if response.status_code == 401 else [f"answered {response.status_code}"]
        leak = leaks(json_or_none(response), [])
        problems += [leak] if leak and response.status_code < 500 else []
        units.judge("AUTH-011", f"GET {path} with an unknown access token", problems)
    units.conclude()
