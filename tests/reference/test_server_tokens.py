"""The reference server's OAuth access token: it authenticates like the admin's key within its
scopes (each operation's, from the derived spec), is refused 401 when unknown, is not read at all
as Plane's releases do, and the fault switches break exactly that."""

from __future__ import annotations

import re
import stat
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from conformance import cli
from conformance.reference.app import create_app
from conformance.reference.config import ServerConfig
from conformance.spec.scopes import read_scopes
from tests.reference.conftest import Api

TOKEN = "plane_oauth_" + "7" * 40
READ_ONLY = read_scopes("*:read")


class TokenApi(Api):
    """An Api whose requests carry the access token instead of the key."""

    def __init__(self, client: TestClient, config: ServerConfig) -> None:
        super().__init__(client, config)
        del self.client.headers["X-API-Key"]
        self.client.headers["Authorization"] = f"Bearer {TOKEN}"
        self.key = {"X-API-Key": config.api_key, "Authorization": ""}


_APPS: list[Any] = []  # the servers a test made, each removing its database afterwards


@pytest.fixture(autouse=True)
def _shut_down_apps() -> Iterator[None]:
    yield
    while _APPS:
        _APPS.pop().shutdown()


def token_api(
    *,
    faults: tuple[str, ...] = (),
    scopes: frozenset[str] | None = None,
    behaviours: tuple[str, ...] = (),
) -> TokenApi:
    config = ServerConfig(
        faults=frozenset(faults),
        behaviours=frozenset(behaviours),
        access_token=TOKEN,
        token_scopes=scopes,
    )
    _APPS.append(app := create_app(config))
    return TokenApi(TestClient(app, raise_server_exceptions=False), config)


def _project(api: TokenApi) -> str:
    """A project made with the key (the token may lack the scope)."""
    body = {"name": "Scoped", "identifier": "SCO"}
    response = api.post(f"{api.ws}/projects/", body, headers=api.key)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


# Each probe runs against a server whose token holds only the read scopes (but the one named);
# its observation must differ between the clean server and the faulty one.
Probe = Callable[[TokenApi], Any]
PROBES: dict[str, Probe] = {
    "bearer-token-unchecked": lambda api: (
        api.get(
            "/api/v1/users/me/", headers={"Authorization": "Bearer plc_token_unknown0000"}
        ).status_code
    ),
    "scopes-not-enforced": lambda api: (
        api.post(f"{api.ws}/projects/", {"name": "Nope", "identifier": "NOPE"}).status_code
    ),
    "scope-refusal-leaks-data": lambda api: sorted(api.get(f"{api.ws}/members/").json()),
    "bearer-ignored-on-activities": lambda api: (
        api.get(
            api.project_url(_project(api), f"work-items/{uuid.uuid4()}/activities/")
        ).status_code
    ),
}
PROBE_SCOPES = {"scope-refusal-leaks-data": read_scopes("*,-workspaces.members:read")}


@pytest.mark.parametrize("name", sorted(PROBES))
def test_fault_changes_behaviour(name: str) -> None:
    scopes = PROBE_SCOPES.get(name, READ_ONLY)
    clean = PROBES[name](token_api(scopes=scopes))
    faulty = PROBES[name](token_api(faults=(name,), scopes=scopes))
    assert clean != faulty, f"{name}: the fault changed nothing ({clean!r})"


def test_a_token_authenticates_like_the_key_within_its_scopes() -> None:
    api = token_api(scopes=READ_ONLY)
    me = api.get("/api/v1/users/me/")
    assert me.status_code == 200 and me.headers["x-ratelimit-remaining"]
    project = _project(api)
    assert api.get(api.project_url(project, "labels/")).status_code == 200
    refused = api.post(api.project_url(project, "labels/"), {"name": "l"})
    assert refused.status_code == 403, refused.text
    assert set(refused.json()) == {"detail"} and "projects.labels:write" in refused.json()["detail"]
    assert refused.headers["x-ratelimit-remaining"]  # counted, as any authenticated answer
    # Routing still comes first: an unrouted URL is a 404, whatever the scopes.
    assert api.post(f"{api.ws}/plc-nowhere/", {}).status_code == 404
    # The key is not limited by the token's scopes.
    assert api.post(api.project_url(project, "labels/"), {"name": "l"}, headers=api.key).is_success


def test_an_unknown_token_is_refused_like_an_unknown_key() -> None:
    api = token_api()
    for token in ("plc_token_" + "0" * 32, ""):
        answer = api.get("/api/v1/users/me/", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401 and "invalid or expired" in answer.json()["detail"]
    other_scheme = api.get("/api/v1/users/me/", headers={"Authorization": "Basic eDp5"})
    assert other_scheme.json() == {"detail": "Authentication credentials were not provided."}


def test_plane_releases_do_not_read_the_token() -> None:
    api = token_api(behaviours=("plane-1.3.1",))
    keyless = api.get("/api/v1/users/me/", headers={"Authorization": ""})
    with_token = api.get("/api/v1/users/me/")
    assert with_token.status_code == 401
    assert (with_token.status_code, with_token.content) == (keyless.status_code, keyless.content)


def test_serve_issues_a_scoped_token_in_a_private_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`serve --token-scopes '*:read'`: the token is in a file only its user reads (named on
    stderr, never printed, removed when the server stops); the server it configures serves
    reads with it and refuses writes."""
    monkeypatch.delenv("PLANE_ACCESS_TOKEN", raising=False)
    seen: dict[str, Any] = {}

    def fake_serve(config: ServerConfig) -> int:
        err = capsys.readouterr().err
        found = re.search(r"access token in (\S+) \(export PLANE_ACCESS_TOKEN=", err)
        assert found, err
        path = Path(found.group(1))
        token = path.read_text().strip()
        assert token == config.access_token and token not in err
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert config.token_scopes == READ_ONLY
        _APPS.append(app := create_app(config))
        client = TestClient(app, raise_server_exceptions=False)
        bearer = {"Authorization": f"Bearer {token}"}
        ws = f"/api/v1/workspaces/{config.workspace}"
        seen["read"] = client.get(f"{ws}/projects/", headers=bearer).status_code
        body = {"name": "token project", "identifier": "TKN"}
        seen["write"] = client.post(f"{ws}/projects/", json=body, headers=bearer).status_code
        seen["path"] = path
        return 0

    monkeypatch.setattr("conformance.reference.server.serve", fake_serve)
    assert cli.main(["serve", "--port", "8123", "--token-scopes", "*:read"]) == 0
    assert (seen["read"], seen["write"]) == (200, 403)
    assert not seen["path"].exists()
