"""The scratch fixtures through the plugin: a key that may not create the scratch project makes
the checks that need it *blocked* with the server's words (before issue 14 they failed, as if
the server broke every write requirement), and the adaptations learned reach results.json."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpcore  # noqa: F401 - see tests/unit/test_plugin.py
import pytest

pytest_plugins = ["pytester"]

GUEST_REFUSAL = {"detail": "You do not have permission to perform this action."}


class GuestPlane(BaseHTTPRequestHandler):
    """A workspace where the key may read but not create projects (Plane's guest role)."""

    def _answer(self, status: int, body: object) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        if self.path.startswith("/api/v1/users/me/"):
            self._answer(200, {"id": "user-1", "display_name": "guest"})
        else:
            self._answer(200, {"results": [], "next_page_results": False})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer(403, GUEST_REFUSAL)

    def log_message(self, *args: object) -> None:
        pass


class CyclePlane(GuestPlane):
    """A workspace where projects are created and a cycle create wants `project_id` in the body
    (Plane v1.3.1)."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if self.path.endswith("/cycles/") and "project_id" not in body:
            self._answer(400, {"non_field_errors": ["Project ID is required"]})
        else:
            self._answer(201, {"id": "p-1", "identifier": "PLC", **body})

    def do_PATCH(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self._answer(200, {"id": "p-1", **body})

    def do_DELETE(self) -> None:
        self._answer(204, {})


def serve(handler: type[BaseHTTPRequestHandler], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("PLANE_API_KEY", "plane_api_unit_test_key_000000")
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def guest_plane(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    yield from serve(GuestPlane, monkeypatch)


@pytest.fixture
def cycle_plane(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    yield from serve(CyclePlane, monkeypatch)


def run(pytester: pytest.Pytester, url: str, checks: str) -> tuple[pytest.RunResult, dict]:
    pytester.makepyfile(checks)
    reports = pytester.path / "reports"
    result = pytester.runpytest(
        "-p", "no:cacheprovider", f"--plane-url={url}", "--plane-workspace=ws",
        "--plane-skip-preflight", f"--plane-report-dir={reports}",
    )  # fmt: skip
    return result, json.loads((reports / "results.json").read_text(encoding="utf-8"))


CHECKS = """
import pytest

@pytest.mark.requirement("RT-002")
def test_needs_the_scratch_project(scratch):
    scratch.create(scratch.project_path("work-items/"), {"name": scratch.name("x")})

@pytest.mark.requirement("RT-004")
def test_needs_it_too(scratch, me, members):
    assert members == [me] == ["user-1"]
    scratch.project_path("labels/")
"""


def test_a_key_that_may_not_create_projects_blocks_instead_of_failing(
    pytester: pytest.Pytester, guest_plane: str
) -> None:
    result, data = run(pytester, guest_plane, CHECKS)
    result.assert_outcomes(skipped=2)
    verdicts = {r["id"]: r for r in data["requirements"]}
    for rid in ("RT-002", "RT-004"):
        assert verdicts[rid]["status"] == "blocked"
        assert "403" in verdicts[rid]["reason"] and "permission" in verdicts[rid]["reason"]
    assert data["verdict"]["exit_code"] == 3  # incomplete, never a conforming 0 nor a failure


CYCLE_CHECKS = """
import pytest

@pytest.mark.requirement("RES-006")
def test_makes_cycles(scratch):
    for _ in range(2):
        scratch.create(scratch.project_path("cycles/"), {"name": scratch.name("cycle")})
"""


def test_a_learned_body_field_is_listed_once_as_an_adaptation(
    pytester: pytest.Pytester, cycle_plane: str
) -> None:
    result, data = run(pytester, cycle_plane, CYCLE_CHECKS)
    result.assert_outcomes(passed=1)
    assert [(a["field"], a["refusal"]) for a in data["extra"]["adaptations"]] == [
        ("project_id", '400 {"non_field_errors": ["Project ID is required"]}')
    ]
    assert data["leftovers"] == 0
