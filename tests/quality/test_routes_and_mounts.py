"""Discover, never assume: a target is judged on what it routes, wherever it is mounted.

Each test puts a small rewriting proxy (tests/rewriting_proxy.py) in front of the reference
server and runs `plane-conformance run --target` against it, all areas, quick profile:

* a gateway that mounts the API under a path (`http://host/plane`, API at /plane/api/v1/) is
  judged exactly as the server at the root: clean. Before, the every-response requirements never
  matched a ledger path (RATE-001/002 not verified), so a conforming server could only get exit 3;
* a server that routes the work-item paths only in the older `issues/` spelling (as Plane v1.0.0
  does) fails CAP-001 for the documented operations it lacks, once, and nothing else: every other
  check goes through the routed spelling, listed as an adaptation. Before, every check, fixture
  and campaign recipe wrote `work-items/`, and dozens of MUSTs were blocked or not verified.

(The opposite, a server that routes exactly the documented paths and not `issues/`, is the
reference's `no-issues-spelling` variation, which the fault matrix requires to pass clean.)
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.proof import suite_command
from conformance.reference.launcher import RunningServer, start_reference_server
from tests.rewriting_proxy import RewritingProxy, hiding, mounted

PROBLEMS = ("failed", "warned", "error", "blocked", "not_verified")


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with start_reference_server(stderr=subprocess.DEVNULL) as running:
        yield running


def run_through(proxy: RewritingProxy, url: str, server: RunningServer, report: Path) -> Any:
    """One suite run against `url` (served by `proxy`): its exit code and results.json."""
    command = suite_command(
        report, profile="quick", options=["--target", url, "--workspace", server.workspace]
    )
    environment = {**os.environ, "PLANE_API_KEY": server.api_key}
    with proxy:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=900, check=False, env=environment
        )
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    problems = {
        v["id"]: f"{v['status']}: {v['reason'][:160]}"
        for v in results["requirements"]
        if v["status"] in PROBLEMS
    }
    return done, results, problems


def test_a_gateway_mounted_under_a_path_is_judged_as_at_the_root(
    server: RunningServer, tmp_path: Path
) -> None:
    proxy = mounted(server.port, "/plane")
    done, results, problems = run_through(proxy, f"{proxy.url}/plane", server, tmp_path)
    assert problems == {}, f"{problems}\n{done.stderr[-1500:]}"
    assert done.returncode == 0 and results["leftovers"] == 0
    verdicts = {v["id"]: v for v in results["requirements"]}
    for rid in ("RATE-001", "RATE-002", "HTTP-001", "STATUS-010", "CAP-001"):
        # judged and verified (quick may sample: verified on what it selected, never unjudged)
        assert verdicts[rid]["status"] in ("passed", "sampled"), verdicts[rid]
        assert verdicts[rid]["coverage"]["verified"] > 0


def test_a_server_routing_only_the_older_spelling_is_adapted_to(
    server: RunningServer, tmp_path: Path
) -> None:
    # Plane v1.0.0's URL configuration: work items only under issues/, attachments only under
    # issues/{id}/issue-attachments/ (relations, which have no older spelling, stay routed).
    proxy = hiding(server.port, r"/work-items/(?![^/]+/relations/)|/issues/[^/]+/attachments/")
    done, results, problems = run_through(proxy, proxy.url, server, tmp_path)
    assert set(problems) == {"CAP-001"}, f"{problems}\n{done.stderr[-1500:]}"
    assert done.returncode == 1 and results["leftovers"] == 0
    cap = next(v for v in results["requirements"] if v["id"] == "CAP-001")
    absent = {u["unit"] for u in cap["units"] if u["status"] == "failed"}
    assert absent and all("work-items/" in unit for unit in absent), absent
    routes = results["extra"]["routes"]
    assert routes and all(route["adapted"] for route in routes)
    adaptations = results["extra"]["adaptations"]
    rerouted = [a for a in adaptations if "older spelling" in a.get("route", "")]
    assert len(rerouted) == len(routes)
    # The evidence shows the path actually sent.
    sent = [
        e["url"]
        for check in results["checks"]
        if check["area"] == "status"
        for e in check["exchanges"]
    ]
    assert any("/issues/" in url for url in sent)
    assert not any("/work-items/" in url for url in sent)
