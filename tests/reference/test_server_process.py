"""End to end through the launcher: a real subprocess on a free port."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from conformance.reference.launcher import start_reference_server


def test_serve_starts_fast_and_answers() -> None:
    started = time.monotonic()
    with start_reference_server(rate_limit=60) as server:
        assert time.monotonic() - started < 2.0
        assert server.api_key.startswith("plane_api_") and server.api_key not in repr(server)
        me = httpx.get(f"{server.base_url}/api/v1/users/me/", headers={"X-API-Key": server.api_key})
        assert me.status_code == 200 and me.headers["x-ratelimit-remaining"] == "59"
    assert server.process.poll() is not None


def test_data_survives_a_restart_with_db(tmp_path: Path) -> None:
    db = str(tmp_path / "reference.sqlite3")
    with start_reference_server(db_path=db) as server:
        headers = {"X-API-Key": server.api_key}
        created = httpx.post(
            f"{server.base_url}/api/v1/workspaces/{server.workspace}/projects/",
            json={"name": "Kept", "identifier": "KEPT"},
            headers=headers,
        ).json()
        me = httpx.get(f"{server.base_url}/api/v1/users/me/", headers=headers).json()
    with start_reference_server(db_path=db) as server:
        headers = {"X-API-Key": server.api_key}
        again = httpx.get(
            f"{server.base_url}/api/v1/workspaces/{server.workspace}/projects/{created['id']}/",
            headers=headers,
        )
        assert again.status_code == 200 and again.json()["name"] == "Kept"
        assert httpx.get(f"{server.base_url}/api/v1/users/me/", headers=headers).json() == me


def test_stopping_removes_the_temporary_database(tmp_path: Path, monkeypatch: Any) -> None:
    """Without --db the server keeps its data in a temp file, and must take it away on stop."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the server process makes its temp file here
    with start_reference_server() as server:
        headers = {"X-API-Key": server.api_key}
        httpx.post(
            f"{server.base_url}/api/v1/workspaces/{server.workspace}/projects/",
            json={"name": "Temp", "identifier": "TEMP"},
            headers=headers,
        )
        assert list(tmp_path.glob("plane-reference-*.sqlite3")), "the database is a temp file"
    assert server.process.returncode == 0, "SIGTERM ends the server cleanly"
    assert list(tmp_path.glob("plane-reference-*")) == []


def test_latency_holds_api_answers_back() -> None:
    with start_reference_server(latency_ms=150) as server, httpx.Client() as client:
        client.get(f"{server.base_url}/health")  # connect first: only the delay is measured
        started = time.monotonic()
        client.get(f"{server.base_url}/health")
        health_s = time.monotonic() - started
        started = time.monotonic()
        me = client.get(
            f"{server.base_url}/api/v1/users/me/", headers={"X-API-Key": server.api_key}
        )
        api_s = time.monotonic() - started
    assert me.status_code == 200
    assert api_s >= 0.15 and health_s < 0.15
