"""Credentials as one concept: an API key and a bearer token, each with its header and its
redaction, used alike by the client, the redactor, the pacer, the scrubber and the wire."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import httpx
import pytest

from conformance.credentials import (
    CREDENTIAL_HEADERS,
    PLACEHOLDERS,
    SECRET_HEADERS,
    ApiKey,
    BearerToken,
    Credential,
    credential_types,
)
from conformance.report.scrub import known_secrets, scrub_data
from conformance.target.client import TargetClient
from conformance.target.pacing import state_path_for
from conformance.target.redaction import Redactor

TOKEN = "plane_oauth_0123456789abcdef0123456789abcdef"
KEY = "plane_api_0123456789abcdef0123456789abcdef"


def _echoing(seen: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        # A careless server echoing the credential in its body and a header.
        echoed = request.headers.get("authorization", "")
        return httpx.Response(200, json={"got": echoed}, headers={"X-Debug": echoed})

    return httpx.MockTransport(answer)


def test_each_credential_knows_its_header() -> None:
    assert ApiKey(KEY).headers() == {"X-API-Key": KEY}
    assert BearerToken(TOKEN).headers() == {"Authorization": f"Bearer {TOKEN}"}
    assert BearerToken(TOKEN).headers("authorization") == {"authorization": f"Bearer {TOKEN}"}
    assert ApiKey(KEY).redacted_value() == "$PLANE_API_KEY"
    assert BearerToken(TOKEN).redacted_value() == "Bearer $PLANE_ACCESS_TOKEN"


def test_every_credential_type_is_complete_and_its_header_secret() -> None:
    for kind in credential_types():
        assert kind.placeholder == f"${kind.variable}" and kind.placeholder in PLACEHOLDERS
        assert kind.header.lower() in CREDENTIAL_HEADERS <= SECRET_HEADERS
    assert {"x-api-key", "authorization"} <= SECRET_HEADERS


def test_a_credential_never_shows_its_secret() -> None:
    for credential in (ApiKey(KEY), BearerToken(TOKEN)):
        assert credential.secret not in repr(credential) + str(credential)
        assert credential.secret not in credential.fingerprint()


def test_credentials_compare_by_kind_and_secret_and_travel_as_data() -> None:
    assert ApiKey("same-secret") != BearerToken("same-secret")
    assert ApiKey("same-secret") == ApiKey("same-secret")
    for credential in (ApiKey(KEY), BearerToken(TOKEN)):
        wire = json.loads(json.dumps(credential.to_wire()))
        assert Credential.from_wire(wire) == credential
    with pytest.raises(TypeError):
        Credential.from_wire({"scheme": "basic", "secret": "x"})


def test_the_client_sends_a_bearer_token_and_records_it_redacted() -> None:
    seen: list[httpx.Request] = []
    client = TargetClient("http://t", BearerToken(TOKEN), "ws", transport=_echoing(seen))
    client.get("/api/v1/users/me/")
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert "X-API-Key" not in seen[0].headers
    (exchange,) = client.recorder.take()
    text = json.dumps(asdict(exchange))
    assert TOKEN not in text
    assert exchange.request_headers["Authorization"] == "Bearer $PLANE_ACCESS_TOKEN"
    assert '"Authorization: Bearer $PLANE_ACCESS_TOKEN"' in exchange.curl
    assert exchange.response_headers["x-debug"] == "Bearer $PLANE_ACCESS_TOKEN"


def test_another_token_no_token_and_another_spelling() -> None:
    seen: list[httpx.Request] = []
    client = TargetClient("http://t", BearerToken(TOKEN), "ws", transport=_echoing(seen))
    client.get("/a/", key="not-the-token-0000")
    client.get("/b/", key=False)
    client.get("/c/", key_header="AUTHORIZATION")
    client.get("/d/", key=ApiKey(KEY))
    other, none, spelled, api_key = seen
    assert other.headers["authorization"] == "Bearer not-the-token-0000"
    assert "authorization" not in none.headers and "x-api-key" not in none.headers
    assert spelled.headers.raw[-1] == (b"AUTHORIZATION", f"Bearer {TOKEN}".encode())
    assert api_key.headers["x-api-key"] == KEY and "authorization" not in api_key.headers
    text = json.dumps([asdict(e) for e in client.recorder.take()])
    assert "not-the-token-0000" not in text and TOKEN not in text and KEY not in text
    assert [row.key for row in client.ledger.take()] == ["other", "none", "configured", "other"]


def test_the_redactor_replaces_the_token_wherever_it_is() -> None:
    redactor = Redactor(BearerToken(TOKEN))
    assert redactor.text(f"token={TOKEN}&x=1") == "token=$PLANE_ACCESS_TOKEN&x=1"
    assert redactor.header_value("Authorization", f"Bearer {TOKEN}") == (
        "Bearer $PLANE_ACCESS_TOKEN"
    )
    redactor.add_secret("Bearer someone-elses-token")
    assert redactor.text("we saw someone-elses-token") == "we saw <redacted>"


def test_the_pacer_keeps_one_budget_per_credential(tmp_path: Path) -> None:
    paths = {
        state_path_for("http://t", credential, tmp_path)
        for credential in (ApiKey("k-000000"), BearerToken("k-000000"), ApiKey("other-000"))
    }
    assert len(paths) == 3
    assert all("k-000000" not in str(path) for path in paths)


def test_the_scrubber_knows_every_credential_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANE_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("PLANE_API_KEY", KEY)
    assert {TOKEN, KEY} <= set(known_secrets())
    cleaned = scrub_data({"Authorization": f"Bearer {TOKEN}", "note": f"sent {TOKEN}"}, [TOKEN])
    assert TOKEN not in json.dumps(cleaned)
