"""The API key never appears in a recorded exchange or its curl line."""

from __future__ import annotations

import json
from dataclasses import asdict

import httpx

from conformance.target.client import TargetClient

KEY = "plane_api_0123456789abcdef0123456789abcdef"
OTHER = "plane_api_ffffffffffffffffffffffffffffffff"


def _echo(request: httpx.Request) -> httpx.Response:
    # A careless server echoing the key in its body and a header.
    body = {"you_sent": request.headers.get("x-api-key"), "url": str(request.url)}
    return httpx.Response(
        200, json=body, headers={"X-Debug-Key": request.headers.get("x-api-key", "")}
    )


def _client() -> TargetClient:
    return TargetClient("http://plane.test", KEY, "ws", transport=httpx.MockTransport(_echo))


def test_configured_key_is_replaced_everywhere() -> None:
    client = _client()
    client.post(f"/api/v1/users/me/?token={KEY}", json={"note": f"key={KEY}"})
    (exchange,) = client.recorder.take()
    text = json.dumps(asdict(exchange))
    assert KEY not in text
    assert exchange.request_headers["X-API-Key"] == "$PLANE_API_KEY"
    assert '"X-API-Key: $PLANE_API_KEY"' in exchange.curl
    assert "$PLANE_API_KEY" in exchange.url


def test_other_keys_sent_are_redacted_too() -> None:
    client = _client()
    client.get("/api/v1/users/me/", key=OTHER)
    client.get("/api/v1/users/me/", key_header="x-api-key")
    text = json.dumps([asdict(e) for e in client.recorder.take()])
    assert OTHER not in text and KEY not in text
    assert "<redacted>" in text


def test_empty_and_missing_keys_are_recorded_as_sent() -> None:
    client = _client()
    client.get("/a/", key="")
    client.get("/b/", key=False)
    empty, missing = client.recorder.take()
    assert empty.request_headers["X-API-Key"] == ""
    assert "X-API-Key" not in missing.request_headers
    assert client.requests_sent == 2


def test_repr_and_config_do_not_show_the_key() -> None:
    from conformance.target.config import resolve_config

    config = resolve_config(base_url="http://x", api_key=KEY, workspace="ws", env={})
    assert KEY not in repr(config) and KEY not in str(config)
    assert KEY not in repr(_client())


def test_the_reference_server_never_shows_a_character_of_its_key() -> None:
    from conformance.reference.config import generate_api_key, mask_key

    key = generate_api_key()
    shown = mask_key(key)
    secret = key.removeprefix("plane_api_")
    # (4-character windows: the mask's own words hold digits and letters a key also holds)
    assert not any(secret[i : i + 4] in shown for i in range(len(secret) - 3))
