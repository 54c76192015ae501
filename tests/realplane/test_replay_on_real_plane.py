"""`plane-conformance replay` on real Plane v1.3.1: four of its known departures, recorded by a
small run (auth, ordering, pagination and the quick schema campaign: about 650 requests), are
sent again in a fresh scratch project and answer as recorded, and what the replay made is gone
afterwards.

* ORD-003: `GET work-items/?order_by=plc_no_such_field` answers 500 (a query, in a new project);
* STATUS-010: `POST cycles/{id}/transfer-issues/` with a `new_cycle_id` that names no cycle
  answers 500 (a new cycle on the path, a new random id in the body);
* PAG-009: `GET work-items/{id}/comments/?per_page=101` answers 200 (a shared fixture's request,
  the evidence of its own probe; a new work item);
* AUTH-004: an invalid key answers 403 (another invalid key sent, never the recorded one).

Other developers use the same server at the same time, so "nothing left" is judged on the ids
the replay says it made, not on the whole project list.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.realplane.conftest import RealPlane
from tests.realplane.test_suite_on_real_plane import SuiteRun, run_suite

REPLAYED = ("ORD-003", "STATUS-010", "PAG-009", "AUTH-004")
MADE_PROJECT = re.compile(r"made:\s+project ([0-9a-f-]{36}) \(a fresh scratch project\)")


@pytest.fixture(scope="module")
def plane(real_plane: RealPlane) -> RealPlane:
    if real_plane.release != "v1.3.1":
        pytest.skip(f"the departures replayed here are Plane v1.3.1's, not {real_plane.release}'s")
    return real_plane


@pytest.fixture(scope="module")
def recorded(plane: RealPlane, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SuiteRun]:
    report = tmp_path_factory.mktemp("replay-real")
    run = run_suite(
        plane, plane.api_key, report, "--only", "auth,ordering,pagination,schema",
        profile="quick",
    )  # fmt: skip
    return report, run


def _replay(plane: RealPlane, report: Path, wanted: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANE_")}
    env["PLANE_API_KEY"] = plane.api_key
    return subprocess.run(
        [sys.executable, "-m", "conformance", "replay", str(report), wanted],
        capture_output=True, text=True, env=env, timeout=180, check=False,
    )  # fmt: skip


def _project_exists(plane: RealPlane, project: str) -> bool:
    answer = httpx.get(
        f"{plane.base_url}/api/v1/workspaces/{plane.workspace}/projects/{project}/",
        headers={"X-API-Key": plane.api_key},
        timeout=60,  # a shared server, under other developers' runs too
    )
    return answer.status_code == 200


@pytest.mark.parametrize("rid", REPLAYED)
def test_replay_reproduces_a_departure_of_plane(
    plane: RealPlane, recorded: tuple[Path, SuiteRun], rid: str
) -> None:
    report, run = recorded
    assert rid in run.ids("failed"), run.explain("failed")
    done = _replay(plane, report, rid)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert plane.api_key not in output
    if rid == "STATUS-010":
        assert "/transfer-issues/" in done.stdout.splitlines()[1], output
        assert "new_cycle_id: a new random id" in done.stdout, output
    if rid == "AUTH-004":
        assert "recorded: 403" in done.stdout and "now:      403" in done.stdout, output
    made = MADE_PROJECT.findall(done.stdout)
    assert made, output
    assert not any(_project_exists(plane, project) for project in made), "a project was left"


def test_the_report_marks_curl_lines_of_deleted_objects(recorded: tuple[Path, SuiteRun]) -> None:
    """ORD-003's curl line names the scratch project the run deleted: the page says so, and
    gives the replay command beside it."""
    report, _run = recorded
    html = (report / "report.html").read_text(encoding="utf-8")
    evidence = html[html.index('id="req-ORD-003"') :]
    evidence = evidence[: evidence.index("</details>")]
    assert "names objects the run created and deleted at its end" in evidence
    assert f"plane-conformance replay {report} ORD-003.1" in evidence
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    ord003 = next(r for r in results["requirements"] if r["id"] == "ORD-003")
    exchange = ord003["evidence"][0]["exchanges"][0]
    assert exchange["path_template"].endswith("/projects/{project_id}/work-items/")
    assert set(exchange["ids"].values()) == {"created"}
