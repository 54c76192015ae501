"""`plane-conformance replay` against the reference server with faults switched on: a failed
requirement's recorded exchange, sent again in a fresh scratch project, answers the recorded
status, and the replay leaves nothing behind (the target's projects before and after are the
same), after a failure and an interruption too; a report made on the embedded server is
replayed on an equal one, started again from the report's run context."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.reference.launcher import RunningServer, start_reference_server
from conformance.replay import command
from conformance.replay.arguments import add_replay_arguments

# Each breaks one requirement the replay then reproduces: a GET with a query (ORD-003), a POST
# with a body that makes an object (STATUS-001), a GET of an object deleted before (STATUS-006).
FAULTS = ("unknown-order-by-500", "create-returns-200", "not-found-500")


def _environment(key: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANE_")}
    if key:
        env["PLANE_API_KEY"] = key  # the key travels in the environment only
    return env


def _suite(report: Path, *options: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--only", "ordering,status",
         "--profile", "quick", "--seed", "11", "--report-dir", str(report), *options],
        capture_output=True, text=True, env=_environment(key), timeout=240, check=False,
    )  # fmt: skip


def _replay(report: Path, rid: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", "replay", str(report), rid],
        capture_output=True, text=True, env=_environment(key), timeout=120, check=False,
    )  # fmt: skip


def _projects(server: RunningServer) -> list[str]:
    answer = httpx.get(
        f"{server.base_url}/api/v1/workspaces/{server.workspace}/projects/",
        headers={"X-API-Key": server.api_key},
        params={"per_page": 100},
    )
    assert answer.status_code == 200, answer.text
    return sorted(project["id"] for project in answer.json()["results"])


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, Path]]:
    """A server with the faults on, and the report of a run against it."""
    report = tmp_path_factory.mktemp("replay-report")
    with start_reference_server(faults=FAULTS) as server:
        done = _suite(
            report, "--target", server.base_url, "--workspace", server.workspace,
            key=server.api_key,
        )  # fmt: skip
        assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
        yield server, report


@pytest.mark.parametrize("rid", ["ORD-003", "STATUS-001", "STATUS-006"])
def test_replay_reproduces_the_recorded_status_and_leaves_nothing(
    faulty: tuple[RunningServer, Path], rid: str
) -> None:
    server, report = faulty
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    verdict = next(r for r in results["requirements"] if r["id"] == rid)
    assert verdict["status"] == "failed", verdict["reason"]
    before = _projects(server)
    done = _replay(report, rid, key=server.api_key)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert server.api_key not in output
    recorded = next(line for line in done.stdout.splitlines() if "recorded:" in line)
    now = next(line for line in done.stdout.splitlines() if "  now:" in line)
    assert recorded.split()[1] == now.split()[1], output  # the same status
    assert f"reproduced: the recorded status, {recorded.split()[1]} (exit 0)" in done.stdout
    assert "(a fresh scratch project)" in done.stdout
    assert _projects(server) == before, "the replay left a project behind"


def test_a_deleted_object_is_made_and_deleted_again(faulty: tuple[RunningServer, Path]) -> None:
    """STATUS-006's first exchange is a GET after a DELETE: the replay deletes it again."""
    server, report = faulty
    done = _replay(report, "STATUS-006.1", key=server.api_key)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "made and deleted again, as before the request" in done.stdout


def test_not_reproduced_exits_1_and_cannot_replay_exits_2(
    faulty: tuple[RunningServer, Path], tmp_path: Path
) -> None:
    server, report = faulty
    # The same report against a server without the fault: the 500 is not reproduced.
    with start_reference_server() as clean:
        before = _projects(clean)
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "replay", str(report), "ORD-003",
             "--target", clean.base_url, "--workspace", clean.workspace],
            capture_output=True, text=True, env=_environment(clean.api_key), timeout=120,
            check=False,
        )  # fmt: skip
        assert done.returncode == 1, done.stdout + done.stderr
        assert "not reproduced: recorded 500, now 400 (exit 1)" in done.stdout
        assert _projects(clean) == before
    # Things that cannot be replayed: one sentence, exit 2.
    passed = _replay(report, "ORD-001", key=server.api_key)
    assert passed.returncode == 2
    assert passed.stderr.strip() == (
        "plane-conformance: cannot replay ORD-001: the report records no exchange of it (passed)."
    )
    unknown = _replay(report, "NOPE-1", key=server.api_key)
    assert unknown.returncode == 2 and "shows no requirement, evidence or finding" in unknown.stderr
    missing = _replay(tmp_path, "ORD-003", key=server.api_key)
    assert missing.returncode == 2 and missing.stderr.startswith("plane-conformance: cannot replay")


def test_an_interrupted_replay_cleans_up(
    faulty: tuple[RunningServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after the objects are made: everything made is deleted on the way out."""
    server, report = faulty
    before = _projects(server)
    made: list[str] = []

    def interrupted(*_args: object) -> None:
        made.extend(p for p in _projects(server) if p not in before)
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "_send", interrupted)
    parser = argparse.ArgumentParser()
    add_replay_arguments(parser)
    args = parser.parse_args([str(report), "ORD-003", "--api-key", server.api_key])
    with pytest.raises(KeyboardInterrupt):
        command.replay(args, environ=_environment())
    assert made, "the replay had made its project when it was interrupted"
    assert _projects(server) == before


def test_an_embedded_run_is_replayed_on_an_equal_server(tmp_path: Path) -> None:
    """No --target: the report's embedded server (its faults) is started again for the replay."""
    done = _suite(tmp_path, "--fault", "unknown-order-by-500")
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    replayed = _replay(tmp_path, "ORD-003")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    first = replayed.stdout.splitlines()[0]
    assert "the embedded reference server again: --fault unknown-order-by-500" in first
