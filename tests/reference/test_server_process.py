"""End to end through the launcher: a real subprocess on a free port."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from conformance.reference.launcher import start_reference_server


def test_serve_starts_and_answers() -> None:
    # How fast it starts is a benchmark's figure (python -m benchmarks), not a timed test.
    with start_reference_server(rate_limit=60) as server:
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_with_member_and_guest_keys_and_a_request_log(tmp_path: Path) -> None:
    """`plane-conformance serve --log FILE`: the member's and the guest's keys are in private
    files named on stderr, they act as Plane's roles, and the log has one line per request,
    never a key."""
    port, log = _free_port(), tmp_path / "requests.log"
    env = {**os.environ, "PLANE_API_KEY": "plane_api_" + "a" * 32}
    for variable in ("PLANE_MEMBER_API_KEY", "PLANE_GUEST_API_KEY"):
        env.pop(variable, None)
    command = [sys.executable, "-m", "conformance", "serve", "--port", str(port), "--log", str(log)]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        lines: list[str] = []
        while not any(line.startswith("reference server on") for line in lines):
            line = process.stderr.readline() if process.stderr else ""
            assert line, f"serve ended before it answered: {lines}"
            lines.append(line)
        files = dict(re.findall(r"(member|guest) key in (\S+) ", "".join(lines)))
        keys = {who: Path(path).read_text().strip() for who, path in files.items()}
        assert set(keys) == {"member", "guest"}
        assert not any(key in "".join(lines) for key in keys.values())
        for _attempt in range(200):  # the log line comes before uvicorn listens
            with contextlib.suppress(httpx.TransportError):
                httpx.get(f"{base}/health")
                break
            time.sleep(0.05)
        ws = f"{base}/api/v1/workspaces/conformance"
        me = httpx.get(f"{base}/api/v1/users/me/", headers={"X-API-Key": keys["member"]})
        assert me.status_code == 200 and me.json()["display_name"] == "grace"
        guest = {"X-API-Key": keys["guest"]}
        assert httpx.get(f"{ws}/members/", headers=guest).status_code == 403
        body = {"name": "guest project", "identifier": "GST"}
        assert httpx.post(f"{ws}/projects/", json=body, headers=guest).status_code == 403
        assert httpx.get(f"{ws}/projects/", headers=guest).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    written = log.read_text().splitlines()
    assert any(
        re.fullmatch(r"\S+Z GET /api/v1/users/me/ 200 \d+\.\dms", line) for line in written
    ), written
    assert any(" POST /api/v1/workspaces/conformance/projects/ 403 " in line for line in written)
    assert not any(key in log.read_text() for key in [*keys.values(), env["PLANE_API_KEY"]])
    assert not any(Path(path).exists() for path in files.values())
