"""The gateway's routing before authentication, and the hostile-server harness's switches, each
seen on the wire (the fault matrix proves the suite catches them; here: that they do what they
say). The dropped connection and the dying process need a real socket: the matrix shows them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from conformance.reference.app import create_app
from conformance.reference.config import ServerConfig
from conformance.reference.variations import all_variations

# The faults these tests (and, for the dropped connection and the dying process, the fault
# matrix) show at work; tests/reference/test_server_faults.py counts them as probed.
PROBED = {
    "validation-error-html",
    "ratelimit-headers-partial",
    "activity-detail-unrouted",
    "auth-first-activity-unrouted",
    "project-create-forbidden",
    "members-list-forbidden",
    "invalid-body-drops-connection",
    "server-exits-mid-run",
}
WS = "/api/v1/workspaces/conformance"
NOWHERE = f"{WS}/plc-nowhere/"
RATE = "x-ratelimit-remaining"


@pytest.fixture
def serve() -> Iterator[Any]:
    apps: list[Any] = []

    def make(*, faults: tuple[str, ...] = (), variations: tuple[str, ...] = ()) -> TestClient:
        config = ServerConfig(faults=frozenset(faults), variations=frozenset(variations))
        app = create_app(config)
        apps.append(app)
        client = TestClient(app, raise_server_exceptions=False)
        client.headers["X-API-Key"] = config.api_key
        return client

    yield make
    for app in apps:
        app.shutdown()


def keyless(client: TestClient, method: str, url: str) -> Any:
    return client.request(method, url, headers={"X-API-Key": ""})


def new_project(client: TestClient) -> str:
    answer = client.post(f"{WS}/projects/", json={"name": "Evasion", "identifier": "EVA"})
    assert answer.status_code in (200, 201), answer.text
    return str(answer.json()["id"])


def test_routing_comes_before_authentication(serve: Any) -> None:
    client = serve()
    assert keyless(client, "POST", NOWHERE).status_code == 404
    assert keyless(client, "POST", f"{WS}/members/remove/").status_code == 401
    keyed = client.get(NOWHERE)
    assert keyed.status_code == 404 and RATE in keyed.headers  # a keyed answer is counted


def test_variations_keep_every_rule(serve: Any) -> None:
    names = serve(variations=("not-found-names-path",))
    assert NOWHERE in names.get(NOWHERE).text

    slash = serve(variations=("slashless-get-redirect",))
    moved = slash.get(f"{WS}/projects", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == f"{WS}/projects/"
    made = slash.post(f"{WS}/projects", json={"name": "Slashless", "identifier": "SLA"})
    assert made.status_code == 201  # a write is still served directly

    seconds = serve(variations=("second-resolution-timestamps",))
    project = new_project(seconds)
    assert "." not in seconds.get(f"{WS}/projects/{project}/").json()["created_at"]
    state = {"name": "Evasion done", "color": "#00aa00", "group": "completed"}
    # Plane's rules are the default (a state create answers 200, as its page documents)...
    assert seconds.post(f"{WS}/projects/{project}/states/", json=state).status_code == 200
    docs = serve(variations=("docs-only",))  # ...the docs alone: 201, and any project name
    project = str(
        docs.post(
            f"{WS}/projects/", json={"name": "Docs-only (any name!)", "identifier": "DOC"}
        ).json()["id"]
    )
    assert docs.post(f"{WS}/projects/{project}/states/", json=state).status_code == 201

    sliding = serve(variations=("sliding-rate-window",))
    answers = [sliding.get(f"{WS}/projects/") for _ in range(2)]
    remaining = [int(a.headers["x-ratelimit-remaining"]) for a in answers]
    reset = int(answers[1].headers["x-ratelimit-reset"])
    assert remaining[1] == remaining[0] - 1 and abs(reset - (time.time() + 60)) <= 2

    documented = serve(variations=("no-issues-spelling",))  # only the documented paths
    project = new_project(documented)
    assert documented.get(f"{WS}/projects/{project}/work-items/").status_code == 200
    older = documented.get(f"{WS}/projects/{project}/issues/")
    assert older.status_code == 404 and older.json() == documented.get(NOWHERE).json()

    cursor = serve(variations=("empty-cursor-on-last-page",))
    page = cursor.get(f"{WS}/projects/", params={"per_page": 100}).json()
    assert page["next_page_results"] is False and page["next_cursor"] == ""


def test_error_bodies_as_html_and_headers_on_some_answers_only(serve: Any) -> None:
    html = serve(faults=("validation-error-html",))
    refused = html.post(f"{WS}/projects/", json={"name": 5})
    assert refused.status_code == 400 and refused.headers["content-type"].startswith("text/html")

    partial = serve(faults=("ratelimit-headers-partial",))
    project = new_project(partial)
    assert RATE in partial.get(f"{WS}/projects/").headers
    assert RATE not in partial.get(f"{WS}/projects/{project}/labels/").headers


def test_a_missing_operation_hides_behind_a_path_bearing_404(serve: Any) -> None:
    detail = f"{WS}/projects/p/work-items/w/activities/a/"
    hidden = serve(faults=("activity-detail-unrouted",))
    assert keyless(hidden, "GET", detail).status_code == 404  # not 401: "not routed"
    answer = hidden.get(detail)
    assert answer.status_code == 404 and detail in answer.text and RATE in answer.headers

    first = serve(faults=("auth-first-activity-unrouted",))
    assert keyless(first, "GET", NOWHERE).status_code == 401  # keyless probes tell nothing


def test_obstacles_answer_403_with_planes_words(serve: Any) -> None:
    client = serve(faults=("project-create-forbidden", "members-list-forbidden"))
    for answer in (
        client.post(f"{WS}/projects/", json={"name": "No", "identifier": "NOP"}),
        client.get(f"{WS}/members/"),
    ):
        assert answer.status_code == 403 and "permission" in answer.json()["detail"]


def test_every_variation_is_exercised_here() -> None:
    assert set(all_variations()) == {
        "not-found-names-path",
        "slashless-get-redirect",
        "second-resolution-timestamps",
        "docs-only",
        "sliding-rate-window",
        "empty-cursor-on-last-page",
        "no-issues-spelling",
    }


def test_an_invalid_body_loses_its_connection_and_a_dying_server_goes_away() -> None:
    import subprocess

    import httpx

    from conformance.reference.launcher import start_reference_server
    from conformance.reference.rules.evasions import EXIT_AFTER

    faults = ("invalid-body-drops-connection", "server-exits-mid-run")
    with start_reference_server(faults=faults, stderr=subprocess.DEVNULL) as server:
        with httpx.Client(base_url=server.base_url, headers={"X-API-Key": server.api_key}) as http:
            assert http.get(f"{WS}/projects/").status_code == 200
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):  # no answer
                http.post(f"{WS}/projects/", json={"name": 5})
            for _ in range(EXIT_AFTER):
                try:
                    http.get("/api/v1/users/me/")
                except httpx.TransportError:
                    break
        with pytest.raises(httpx.ConnectError):  # a new connection: nobody listens any more
            httpx.get(f"{server.base_url}/api/v1/users/me/")
        assert server.process.wait(timeout=5) is not None
