"""Fixtures for the reference server's own tests: an in-process app per test (fast), seeded with a
project, and helpers to build URLs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from conformance.reference.app import create_app
from conformance.reference.config import ServerConfig

# The keys of the seeded workspace member and guest (fixed: these are test servers).
MEMBER_KEY = "plane_api_" + "member" * 5
GUEST_KEY = "plane_api_" + "guest" * 6


class Api:
    """A TestClient bound to the key and workspace, with short URL helpers."""

    def __init__(self, client: TestClient, config: ServerConfig) -> None:
        self.client = client
        self.config = config
        self.ws = f"/api/v1/workspaces/{config.workspace}"
        self.client.headers["X-API-Key"] = config.api_key

    def project_url(self, project_id: str, tail: str = "") -> str:
        return f"{self.ws}/projects/{project_id}/{tail}"

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def post(self, url: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(url, json=json, **kw)

    def patch(self, url: str, json: Any = None, **kw: Any) -> Any:
        return self.client.patch(url, json=json, **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self.client.delete(url, **kw)

    def new_project(self, name: str = "Alpha", identifier: str = "ALP") -> dict[str, Any]:
        response = self.post(f"{self.ws}/projects/", {"name": name, "identifier": identifier})
        assert response.status_code == 201, response.text
        return response.json()

    def new_item(self, project_id: str, **fields: Any) -> dict[str, Any]:
        response = self.post(
            self.project_url(project_id, "work-items/"), {"name": "item", **fields}
        )
        assert response.status_code == 201, response.text
        return response.json()

    def members(self) -> list[dict[str, Any]]:
        return self.get(f"{self.ws}/members/").json()


ApiFactory = Callable[..., Api]


@pytest.fixture
def make_api() -> Iterator[ApiFactory]:
    apps: list[Any] = []

    def make(
        *, faults: tuple[str, ...] = (), rate_limit: int = 6000, behaviours: tuple[str, ...] = ()
    ) -> Api:
        # No behaviour unless asked: these tests hold whichever the server's default becomes.
        config = ServerConfig(
            faults=frozenset(faults),
            rate_limit=rate_limit,
            behaviours=frozenset(behaviours),
            member_api_key=MEMBER_KEY,
            guest_api_key=GUEST_KEY,
        )
        app = create_app(config)
        apps.append(app)
        return Api(TestClient(app, raise_server_exceptions=False), config)

    yield make
    for app in apps:
        app.shutdown()


@pytest.fixture
def api(make_api: ApiFactory) -> Api:
    return make_api()


@pytest.fixture
def project(api: Api) -> dict[str, Any]:
    return api.new_project()
