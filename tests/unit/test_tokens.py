"""OAuth access tokens in the suite, without a server: the options (one credential, the token's
scopes), the scopes the derived spec carries, the client's scope gate, the discovery of what a
token may do, and the probe that tells a target reading no token."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from conformance.credentials import ApiKey, BearerToken
from conformance.options import OptionError
from conformance.spec.docs_pages import parse_scopes
from conformance.spec.openapi import load_openapi, operations
from conformance.spec.scopes import (
    documented_scopes,
    grants,
    operation_for,
    outside,
    read_scopes,
    scoped_operations,
)
from conformance.target.client import OutsideScopes, TargetClient
from conformance.target.config import resolve_config
from conformance.target.preflight import PreflightError, preflight
from conformance.target.tokens import bearer_reading, discover_scopes

WS = "/api/v1/workspaces/acme"
TOKEN = "tok-" + "1" * 20
Handler = Callable[[httpx.Request], httpx.Response]


# -- options -----------------------------------------------------------------------------------


def test_a_run_holds_one_credential_said_once() -> None:
    with pytest.raises(OptionError, match=r"^give --api-key or --access-token, not both\.$"):
        resolve_config(base_url="http://t", workspace="w", api_key="k" * 8, access_token="t" * 8)
    both = {"PLANE_API_KEY": "k" * 8, "PLANE_ACCESS_TOKEN": "t" * 8}
    with pytest.raises(OptionError, match="both PLANE_API_KEY and PLANE_ACCESS_TOKEN are set"):
        resolve_config(base_url="http://t", workspace="w", env=both)
    flag_wins = resolve_config(base_url="http://t", workspace="w", access_token="t" * 8, env=both)
    assert flag_wins.credential == BearerToken("t" * 8)
    pytest_spelling = "give --plane-api-key or --plane-access-token, not both."
    with pytest.raises(OptionError, match=pytest_spelling):
        resolve_config(
            base_url="http://t", workspace="w", api_key="k" * 8, access_token="t" * 8, pytest=True
        )


def test_told_scopes_become_what_the_token_may_not_do() -> None:
    config = resolve_config(
        base_url="http://t", workspace="w", access_token=TOKEN, token_scopes="*:read", env={}
    )
    assert config.token_scopes and all(s.endswith(":read") for s in config.token_scopes)
    assert config.outside_scopes == outside(config.token_scopes)
    assert "projects:write" in config.outside_scopes and not config.scopes_found
    with pytest.raises(OptionError, match="describes an access token; this run holds an API key"):
        resolve_config(base_url="http://t", workspace="w", api_key="k" * 8, token_scopes="*")
    with pytest.raises(OptionError, match="--token-scopes: 'projects:wirte' is no scope"):
        resolve_config(
            base_url="http://t", workspace="w", access_token=TOKEN, token_scopes="projects:wirte"
        )


# -- the scopes of the operations ---------------------------------------------------------------


def test_a_scopes_section_is_read_as_alternatives() -> None:
    page = "### Scopes\n\n`write` or `projects:write`\n\n</div>\n"
    assert parse_scopes(page) == (("write",), ("projects:write",))
    both = "### Scopes\n\n`projects.epics:read` `projects.work-items:read`\n</div>"
    assert parse_scopes(both) == (("projects.epics:read", "projects.work-items:read"),)
    assert parse_scopes("### Scopes\n\nAPI key authentication or an OAuth token.\n</div>") == ()
    assert parse_scopes("no such section") == ()


def test_every_core_operation_carries_its_pages_scopes() -> None:
    ops = [op for op in operations() if op.alias_of is None]
    unnamed = {op.source.split("/")[0] for op in ops if not op.scopes}
    assert unnamed == {"workspace-invitations"}  # "Workspace admin or owner permission required"
    create = next(
        op
        for op in ops
        if op.method == "POST" and op.path == f"{WS}/projects/".replace("acme", "{workspace_slug}")
    )
    assert create.scopes == ("projects:write",)
    aliases = {op.operation_id: op for op in operations()}
    for alias in (op for op in operations() if op.alias_of):
        assert alias.scopes == aliases[alias.alias_of].scopes
    assert "BearerAuth" in load_openapi()["components"]["securitySchemes"]


def test_a_request_finds_its_operation_and_scopes() -> None:
    archive = operation_for("POST", f"{WS}/projects/0b6e/archive/")
    assert archive is not None and archive.path.endswith("/projects/{project_id}/archive/")
    labels = operation_for("GET", f"{WS}/projects/p1/labels")  # without its slash too
    assert labels is not None and labels.requirement == ("projects.labels:read",)
    assert operation_for("PUT", f"{WS}/projects/") is None
    assert operation_for("GET", f"{WS}/plc-nowhere/") is None
    assert grants({"write"}, ("write", "projects:write")) and not grants(set(), ("a",))
    assert grants({"a", "b"}, ("a b",)) and not grants({"a"}, ("a b",)) and grants(set(), ())


def test_scope_lists_take_patterns_and_exceptions() -> None:
    reads = read_scopes("*:read")
    assert reads == {s for s in documented_scopes() if s.endswith(":read")}
    assert read_scopes("*, -workspaces.members:read") == set(documented_scopes()) - {
        "workspaces.members:read"
    }
    assert outside(documented_scopes()) == frozenset()
    every = {op.key for op in scoped_operations() if op.requirement}
    assert outside(()) == every
    with pytest.raises(ValueError, match="names no scope"):
        read_scopes(" , ")


# -- the client's gate, the discovery and the bearer probe --------------------------------------


def _client(handler: Handler, outside_scopes: frozenset[str] = frozenset()) -> TargetClient:
    return TargetClient(
        "http://plane.test",
        BearerToken(TOKEN),
        "acme",
        transport=httpx.MockTransport(handler),
        outside_scopes=outside_scopes,
    )


def test_the_token_is_not_sent_outside_its_scopes_unless_to_see_it_refused() -> None:
    sent: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path}")
        return httpx.Response(403, json={"detail": "no"})

    client = _client(handle, outside(read_scopes("*:read")))
    with pytest.raises(OutsideScopes, match=r"POST .*/projects/ needs projects:write"):
        client.post(f"{WS}/projects/", json={})
    assert sent == []
    client.get(f"{WS}/projects/")  # a read: within the scopes
    client.post(f"{WS}/projects/", json={}, key=False)  # no credential: no scope to hold
    client.post(f"{WS}/projects/", json={}, scope_probe=True)
    assert sent == [f"GET {WS}/projects/", f"POST {WS}/projects/", f"POST {WS}/projects/"]


def _scoped_target(refuse: Callable[[str, str], bool]) -> Handler:
    """A target reading tokens: 403 where `refuse(method, path)`, else a served answer."""

    def handle(request: httpx.Request) -> httpx.Response:
        method, path = request.method, request.url.path
        if refuse(method, path):
            return httpx.Response(403, json={"detail": "scope"})
        if method == "GET" and path == f"{WS}/projects/":
            return httpx.Response(200, json={"results": [{"id": "p-1"}]})
        return httpx.Response(404 if method != "POST" else 400, json={"detail": "nothing"})

    return handle


def test_discovery_finds_what_the_token_may_not_do() -> None:
    config = resolve_config(
        base_url="http://plane.test", workspace="acme", access_token=TOKEN, env={}
    )
    seen: list[str] = []

    def refuse_writes(method: str, path: str) -> bool:
        seen.append(f"{method} {path}")
        return method != "GET"

    found = discover_scopes(_client(_scoped_target(refuse_writes)), config)
    assert found.scopes_found and found.outside_scopes is not None
    ops = [op for op in scoped_operations() if op.requirement]
    written_only = {op.key for op in ops} - {op.key for op in ops if op.method == "GET"}
    assert found.outside_scopes == written_only  # one request per scope requirement
    assert "projects:write" in found.outside_scopes
    reads_in_project = [s for s in seen if s.startswith("GET") and "/projects/p-1/" in s]
    writes = [s for s in seen if not s.startswith("GET")]
    assert reads_in_project and writes
    assert not any("/projects/p-1/" in s for s in writes)  # a write never names a real object
    read_only = discover_scopes(
        _client(_scoped_target(refuse_writes)), resolve_config(
            base_url="http://plane.test", workspace="acme", access_token=TOKEN, env={},
            read_only=True,
        ),
    )  # fmt: skip
    assert read_only.outside_scopes == frozenset()


def _plane_1_3_1(request: httpx.Request) -> httpx.Response:
    """Open-source Plane on /api/v1/: the Authorization header is not read."""
    if request.headers.get("x-api-key") == "plane_api_good":
        return httpx.Response(200, json={"id": "u1"})
    return httpx.Response(401, json={"detail": "Authentication credentials were not provided."})


def test_a_target_that_reads_no_token_is_told_by_one_probe() -> None:
    reading = bearer_reading(_client(_plane_1_3_1))
    assert not reading.reads and "exactly as without a credential" in reading.not_read

    def reads_tokens(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization"):
            return httpx.Response(401, json={"detail": "Invalid token."})
        return _plane_1_3_1(request)

    assert bearer_reading(_client(reads_tokens)).reads


def test_a_token_run_on_such_a_target_stops_in_one_sentence() -> None:
    config = resolve_config(
        base_url="http://plane.test", workspace="acme", access_token=TOKEN, env={}
    )
    with pytest.raises(PreflightError) as refused:
        preflight(_client(_plane_1_3_1), config)
    sentence = str(refused.value)
    assert sentence.startswith("the target http://plane.test does not accept access tokens")
    assert TOKEN not in sentence and sentence.count(".") >= 1

    def rejects(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization"):
            return httpx.Response(401, json={"detail": "Invalid token."})
        return _plane_1_3_1(request)

    with pytest.raises(PreflightError, match="rejected the access token"):
        preflight(_client(rejects), config)
    key_run = resolve_config(base_url="http://plane.test", workspace="acme", api_key="bad", env={})
    with pytest.raises(PreflightError, match="rejected the API key"):
        preflight(
            TargetClient(
                "http://plane.test",
                ApiKey("bad"),
                "acme",
                transport=httpx.MockTransport(_plane_1_3_1),
            ),
            key_run,
        )


def test_a_token_lacking_the_profile_scope_still_runs() -> None:
    config = resolve_config(
        base_url="http://plane.test", workspace="acme", access_token=TOKEN, env={}
    )

    def scoped(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/users/me/":
            return httpx.Response(403, json={"detail": "scope"})
        return httpx.Response(200, json=json.loads('{"results": []}'))

    preflight(_client(scoped), config)  # no PreflightError: the token authenticated
