"""The route map: which spelling of a documented path the target routes, discovered once and
applied by the one client (conformance/target/routes.py).

Before: every check, fixture and campaign recipe wrote `work-items/`, so on a target that routes
only the older `issues/` spelling (Plane v1.0.0) dozens of requirements were blocked or judged on
an unrouted 404, and the rate-limit permission probe never reached the permission check.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from conformance.checks import test_ratelimit as rl
from conformance.plugin.run_wide import judge_run
from conformance.target.client import TargetClient
from conformance.target.routes import RouteMap, discover_routes

WS = "/api/v1/workspaces/ws"
KEY = "plane_api_k"
UNROUTED = {"error": "Page not found."}


class Target:
    """A Plane-like target that routes before it authenticates. `spellings` says which
    work-item spellings it routes; attachments follow Plane v1.0.0 (issue-attachments/ under
    issues/, attachments/ under work-items/). An unknown project is refused with 403 and no
    rate-limit headers, as Plane's permission check does."""

    def __init__(self, spellings: tuple[str, ...], *, authenticate_first: bool = False) -> None:
        self.spellings = spellings
        self.authenticate_first = authenticate_first
        self.sent: list[str] = []

    def routed(self, path: str) -> bool:
        if path == "/api/v1/users/me/" or re.fullmatch(f"{WS}/projects/([^/]+/)?", path):
            return True
        for spelling in self.spellings:
            attachments = "issue-attachments" if spelling == "issues" else "attachments"
            if re.fullmatch(f"{WS}/{spelling}/search/", path):
                return True
            inside = f"{WS}/projects/[^/]+/{spelling}/([^/]+/)?"
            if re.fullmatch(inside + f"({attachments}/|comments/)?([^/]+/)?", path):
                return True
        return False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.sent.append(f"{request.method} {path}")
        keyed = request.headers.get("X-API-Key") == KEY
        if not keyed and (self.authenticate_first or self.routed(path)):
            return httpx.Response(401, json={"detail": "Authentication credentials missing."})
        if not self.routed(path):
            return httpx.Response(404, json=UNROUTED)
        headers = {"X-RateLimit-Remaining": "59", "X-RateLimit-Reset": "9999999999"}
        if "/projects/00000000-0000-4000-8000-00000000dead/" in path:
            return httpx.Response(403, json={"detail": "You do not have permission."})
        return httpx.Response(200, json={"results": []}, headers=headers)


def connect(target: Target, base: str = "http://t") -> TargetClient:
    return TargetClient(base, KEY, "ws", transport=httpx.MockTransport(target))


def test_a_target_routing_only_the_older_spelling_gets_it_for_every_documented_path() -> None:
    target = Target(("issues",))
    client = connect(target)
    routes = discover_routes(client)
    assert client.requests_sent == 4 + 2 * len(routes.families) == 10  # the cost, once a run
    assert routes.families and all(route.adapted for route in routes.families)
    assert routes.routes_before_auth
    client.routes = routes
    for documented, sent in (
        (f"{WS}/projects/p/work-items/", f"{WS}/projects/p/issues/"),
        (f"{WS}/projects/p/work-items/w/comments/?per_page=5",
         f"{WS}/projects/p/issues/w/comments/?per_page=5"),
        (f"{WS}/projects/p/work-items/w/attachments/a/",
         f"{WS}/projects/p/issues/w/issue-attachments/a/"),
        (f"{WS}/projects/p/work-items", f"{WS}/projects/p/issues"),  # the slashless spelling too
        (f"{WS}/work-items/search/", f"{WS}/issues/search/"),
        (f"{WS}/projects/p/work-items/w/relations/", f"{WS}/projects/p/work-items/w/relations/"),
        (f"{WS}/projects/p/labels/", f"{WS}/projects/p/labels/"),
    ):  # fmt: skip
        assert routes.spelling(documented) == sent
    client.get(f"{WS}/projects/p/work-items/w/")
    client.get(f"{WS}/projects/p/work-items/w/", as_written=True)  # CAP-001 probes as written
    assert target.sent[-2:] == [
        f"GET {WS}/projects/p/issues/w/",
        f"GET {WS}/projects/p/work-items/w/",
    ]
    rows = client.ledger.take()
    assert rows[-2].path == f"{WS}/projects/p/issues/w/"  # the path actually sent
    assert rows[-2].written == f"{WS}/projects/p/work-items/w/"  # and what it stood for
    assert rows[-1].written == ""
    assert len(routes.adaptations()) == len(routes.families)


def test_a_target_routing_both_spellings_or_only_the_documented_one_is_left_alone() -> None:
    for spellings in (("work-items", "issues"), ("work-items",)):
        routes = discover_routes(connect(Target(spellings)))
        assert not any(route.adapted for route in routes.families)
        assert routes.spelling(f"{WS}/projects/p/work-items/") == f"{WS}/projects/p/work-items/"
        legacy = {route.legacy_status for route in routes.families}
        assert legacy == ({"served"} if "issues" in spellings else {"absent"})  # information


def test_a_target_that_authenticates_first_is_probed_with_keyed_reads() -> None:
    target = Target(("issues",), authenticate_first=True)
    routes = discover_routes(connect(target))
    assert not routes.routes_before_auth
    assert all(route.adapted for route in routes.families)
    probes = [s for s in target.sent if "plc-no-such-route" not in s]
    assert all(s.startswith("GET ") for s in probes)  # reads only


def test_the_map_reaches_the_workers_intact() -> None:
    routes = discover_routes(connect(Target(("issues",))))
    again = RouteMap.from_dict(routes.to_dict())
    assert again.to_dict() == routes.to_dict()
    assert again.spelling(f"{WS}/projects/p/work-items/") == f"{WS}/projects/p/issues/"
    unrouted = httpx.Response(404, json=UNROUTED, request=httpx.Request("GET", f"http://t{WS}/x/"))
    assert again.looks_unrouted(unrouted)
    found = httpx.Response(404, json={"error": "Project not found"}, request=unrouted.request)
    assert not again.looks_unrouted(found)


def test_the_rate_limit_permission_probe_reaches_the_permission_check() -> None:
    """Before: the probe went to work-items/ on a target that routes only issues/, got the
    unrouted 404 that RATE-001/002 leave aside, and both passed though the refusal carries no
    rate-limit headers (Plane's permission check answers before its throttle)."""
    target = Target(("issues",))
    client = connect(target)
    client.routes = discover_routes(client)
    refused = rl.refused_read(client)
    assert refused.status_code == 403 and "/issues/" in refused.request.url.path
    units = judge_run(client.ledger.take(), ["RATE-001"])
    assert [u.status for u in units if "dead" in u.unit] == ["failed"]


def test_a_target_mounted_under_a_path_has_its_ledger_read_as_at_the_root() -> None:
    """Before: the ledger kept /plane/api/v1/... and the every-response rules matched no
    documented path, so RATE-001/002 were never judged behind a gateway mounted under a path."""
    seen: list[str] = []

    def mounted(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        reset = str(int(time.time()) + 30)
        headers = {"X-RateLimit-Remaining": "59", "X-RateLimit-Reset": reset}
        return httpx.Response(200, json={"id": "me"}, headers=headers)

    client = TargetClient("http://t/plane", KEY, "ws", transport=httpx.MockTransport(mounted))
    client.get("/api/v1/users/me/")
    assert seen == ["/plane/api/v1/users/me/"]
    [row] = client.ledger.take()
    assert row.path == "/api/v1/users/me/"
    assert [u.status for u in judge_run([row], ["RATE-001", "RATE-002"])] == ["verified"] * 2


PROJECT = "3f8e4c2a-1b7d-4e9f-8a6b-2c5d7e9f1a3b"


@pytest.mark.parametrize("written", ["", f"{WS}/projects/{PROJECT}/work-items/"])
def test_an_older_spelling_is_judged_as_documented_only_where_it_stood_for_one(
    written: str,
) -> None:
    """An answer under issues/ is a documented operation's only when the suite sent it in place
    of the documented path; RES-003's own look at issues/ is information, never a MUST."""
    target = Target(("issues",))
    client = connect(target)
    response: Any = client.get(f"{WS}/projects/{PROJECT}/issues/")
    assert response.status_code == 200
    [row] = client.ledger.take()
    row.remaining = None  # an answer without the header
    row.written = written
    units = judge_run([row], ["RATE-001"])
    assert [u.status for u in units] == (["failed"] if written else [])
