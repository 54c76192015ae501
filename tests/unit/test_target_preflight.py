"""Preflight: each way a target can be unusable gives one actionable sentence."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from conformance.target.client import TargetClient
from conformance.target.config import resolve_config
from conformance.target.preflight import PreflightError, preflight

CONFIG = resolve_config(
    base_url="http://plane.test", api_key="secret-key-123", workspace="acme", env={}
)


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> TargetClient:
    return TargetClient(
        CONFIG.base_url, CONFIG.credential, "acme", transport=httpx.MockTransport(handler)
    )


def _target(me: int = 200, projects: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/users/me/":
            return httpx.Response(me, json={"id": "u1"})
        if request.url.path == "/api/v1/workspaces/acme/projects/":
            return httpx.Response(projects, json={"results": []})
        return httpx.Response(404, json={"detail": "not found"})

    return handle


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def test_a_healthy_target_passes() -> None:
    client = _client(_target())
    preflight(client, CONFIG)
    assert client.requests_sent == 2


@pytest.mark.parametrize(
    ("handler", "sentence"),
    [
        (_refused, "cannot reach the target http://plane.test (connection refused)."),
        (
            _target(me=401),
            "the target http://plane.test rejected the API key (401 on /api/v1/users/me/).",
        ),
        (_target(projects=404), "the workspace 'acme' was not found on http://plane.test"),
        (_target(projects=403), "the API key has no access to the workspace 'acme'"),
        (_target(me=500), "answered 500 on /api/v1/users/me/"),
    ],
)
def test_failures_are_one_sentence(
    handler: Callable[[httpx.Request], httpx.Response], sentence: str
) -> None:
    with pytest.raises(PreflightError) as caught:
        preflight(_client(handler), CONFIG)
    message = str(caught.value)
    assert sentence in message and "\n" not in message and CONFIG.credential.secret not in message


def test_unknown_project_is_reported() -> None:
    config = resolve_config(
        base_url="http://plane.test", api_key="k", workspace="acme", project_id="p-1", env={}
    )
    with pytest.raises(PreflightError, match="project p-1 is not usable"):
        preflight(_client(_target()), config)
