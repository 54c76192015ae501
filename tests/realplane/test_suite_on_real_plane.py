"""The suite against real Plane: its verdict must be right on the servers people really run.

Every run here goes through `plane-conformance run`, as a user's would. On every release of the
kit, with the admin key and no `--project`, the failed (and not-verified) MUST requirements must
be exactly that release's departures, verified by hand against the docs
(docs/plane-<release>-departures.md, shipped as the baseline
`specs/baselines/plane-<release>.yaml`): nothing the suite caused, no suite error, no blocked
setup, no leftovers. On the default release, with `--project` the user's project is left exactly
as it was; with the member and guest keys what the key may not do is *blocked* with Plane's
words, never failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.realplane.conftest import RealPlane
from tests.realplane.kit import DEFAULT_RELEASE

REPO = Path(__file__).resolve().parents[2]
BASELINES = REPO / "specs" / "baselines"
RUN_TIMEOUT_S = 900


@dataclass
class SuiteRun:
    exit_code: int
    results: dict[str, Any]
    stdout: str
    stderr: str = field(repr=False)

    def ids(self, *statuses: str, level: str | None = "MUST") -> set[str]:
        return {
            r["id"]
            for r in self.results["requirements"]
            if r["status"] in statuses and (level is None or r["level"] == level)
        }

    def rows(self, *statuses: str) -> list[dict[str, Any]]:
        return [r for r in self.results["requirements"] if r["status"] in statuses]

    def explain(self, *statuses: str) -> str:
        return "\n".join(
            f"{r['id']} {r['status']}: {r['reason'][:300]}" for r in self.rows(*statuses)
        )


def baseline_of(release: str) -> Path:
    return BASELINES / f"plane-{release}.yaml"


def known_departures(*statuses: str, release: str = DEFAULT_RELEASE) -> set[str]:
    entries = yaml.safe_load(baseline_of(release).read_text(encoding="utf-8"))["requirements"]
    return {e["id"] for e in entries if e.get("status", "failed") in statuses}


def run_suite(
    plane: RealPlane, key: str, report_dir: Path, *options: str, profile: str = "standard"
) -> SuiteRun:
    command = [
        sys.executable, "-m", "conformance", "run",
        "--target", plane.base_url, "--workspace", plane.workspace,
        "--profile", profile, "--seed", "1", "--report-dir", str(report_dir), *options,
    ]  # fmt: skip
    env = {**os.environ, "PLANE_API_KEY": key}
    env.pop("PLANE_BASE_URL", None)
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT_S, check=False
    )
    results_file = report_dir / "results.json"
    assert results_file.is_file(), f"no results (exit {done.returncode}): {done.stderr[-2000:]}"
    assert key not in done.stdout + done.stderr, "the key appeared in the run's output"
    for written in report_dir.iterdir():
        assert key not in written.read_text(encoding="utf-8", errors="replace"), written.name
    results = json.loads(results_file.read_text(encoding="utf-8"))
    return SuiteRun(done.returncode, results, done.stdout, done.stderr)


def assert_exactly_the_departures(run: SuiteRun, release: str) -> None:
    failed, not_verified = run.ids("failed"), run.ids("not_verified")
    known_failed = known_departures("failed", release=release)
    assert failed == known_failed, (
        f"failed MUSTs differ from the known departures of Plane {release}:\n"
        f"  unexpected: {sorted(failed - known_failed)}\n"
        f"  missing: {sorted(known_failed - failed)}\n{run.explain('failed')}"
    )
    assert not_verified == known_departures("not_verified", release=release), (
        f"not-verified MUSTs differ from the baseline of {release}:\n{run.explain('not_verified')}"
    )


# -- admin key, the suite's own scratch project, on every release ------------------------------


@dataclass
class AdminRun:
    plane: RealPlane
    run: SuiteRun


@pytest.fixture(scope="session")
def admin_run(each_plane: RealPlane, tmp_path_factory: pytest.TempPathFactory) -> AdminRun:
    report_dir = tmp_path_factory.mktemp(f"admin-{each_plane.release}")
    return AdminRun(each_plane, run_suite(each_plane, each_plane.api_key, report_dir))


def test_admin_run_fails_exactly_the_known_departures(admin_run: AdminRun) -> None:
    run, release = admin_run.run, admin_run.plane.release
    assert baseline_of(release).is_file(), f"no departures baseline for Plane {release}"
    assert run.exit_code == 1, run.stderr[-2000:]
    assert not run.rows("error"), run.explain("error")
    assert not run.rows("blocked"), run.explain("blocked")
    assert run.results["leftovers"] == 0
    assert_exactly_the_departures(run, release)


def test_shipped_baseline_accepts_the_admin_run_and_nothing_more(admin_run: AdminRun) -> None:
    """What a self-hoster gates on: no departure beyond those known for their release."""
    from conformance.report.baseline import apply_baseline
    from conformance.report.model import RunResult, verdict_of

    result = RunResult.from_dict(admin_run.run.results)
    code = apply_baseline(result, baseline_of(admin_run.plane.release), fail_on_stale=True)
    verdict = verdict_of(result)
    assert code == 0, f"{verdict.headline} failed={verdict.failed} incomplete={verdict.incomplete}"


# -- --project: the user's project is used, never changed ---------------------------------------


def _api(plane: RealPlane) -> httpx.Client:
    return httpx.Client(base_url=plane.base_url, headers={"X-API-Key": plane.api_key}, timeout=30.0)


def _settings(project: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in project.items() if k not in ("updated_at", "total_members")}


@pytest.fixture(scope="module")
def users_project(real_plane: RealPlane) -> Iterator[dict[str, Any]]:
    """Somebody's project, with cycles and modules off (Plane's default), and one work item."""
    with _api(real_plane) as api:
        projects = f"/api/v1/workspaces/{real_plane.workspace}/projects/"
        tag = uuid.uuid4().hex[:5].upper()
        made = api.post(
            projects, json={"name": f"Lane users project {tag}", "identifier": f"U{tag}"}
        )
        assert made.status_code == 201, made.text
        project = made.json()
        item = api.post(f"{projects}{project['id']}/work-items/", json={"name": "their item"})
        assert item.status_code == 201, item.text
        yield project
        api.delete(f"{projects}{project['id']}/")


def test_project_mode_changes_nothing_of_the_users_project(
    real_plane: RealPlane, users_project: dict[str, Any], tmp_path: Path
) -> None:
    projects = f"/api/v1/workspaces/{real_plane.workspace}/projects/"
    detail = f"{projects}{users_project['id']}/"
    with _api(real_plane) as api:
        before_projects = {p["id"] for p in api.get(projects).json()["results"]}
        before_items = {i["id"] for i in api.get(f"{detail}work-items/").json()["results"]}
    run = run_suite(real_plane, real_plane.api_key, tmp_path, "--project", users_project["id"])
    with _api(real_plane) as api:
        after = api.get(detail).json()
        after_projects = {p["id"] for p in api.get(projects).json()["results"]}
        after_items = {i["id"] for i in api.get(f"{detail}work-items/").json()["results"]}
    assert _settings(after) == _settings(users_project), "the user's project settings changed"
    assert after_projects == before_projects, "projects were created or deleted"
    assert after_items == before_items, "work items of the user's project changed"
    assert run.results["leftovers"] == 0
    assert not run.rows("error"), run.explain("error")
    # Cycles and modules are off in that project and --project changes no settings: blocked,
    # with the reason; every failed MUST is a known departure.
    assert run.ids("failed") <= known_departures("failed"), run.explain("failed")
    for row in run.rows("blocked"):
        assert row["reason"], f"{row['id']} is blocked without a reason"


# -- member and guest keys ----------------------------------------------------------------------


def assert_blocked_by_the_key(run: SuiteRun) -> None:
    """What the key may not do is blocked, with Plane's own words (its 403), never failed."""
    for row in run.rows("blocked"):
        assert "403" in row["reason"] or "permission" in row["reason"].lower(), (
            f"{row['id']} blocked without Plane's words: {row['reason']}"
        )


def test_member_key_fails_exactly_the_known_departures(
    real_plane: RealPlane, tmp_path: Path
) -> None:
    if not real_plane.member_key:
        pytest.skip("no PLANE_MEMBER_API_KEY for this Plane")
    run = run_suite(real_plane, real_plane.member_key, tmp_path)
    assert not run.rows("error"), run.explain("error")
    assert run.results["leftovers"] == 0
    failed = run.ids("failed")
    assert failed == known_departures("failed"), run.explain("failed")
    # A member may not list invitations: those operations are blocked with Plane's 403.
    assert_blocked_by_the_key(run)
    assert run.ids("not_verified") <= known_departures("not_verified"), run.explain("not_verified")


def test_guest_key_is_blocked_with_reasons_never_failed_for_it(
    real_plane: RealPlane, tmp_path: Path
) -> None:
    if not real_plane.guest_key:
        pytest.skip("no PLANE_GUEST_API_KEY for this Plane")
    run = run_suite(real_plane, real_plane.guest_key, tmp_path)
    assert not run.rows("error"), run.explain("error")
    assert run.exit_code in (1, 3), run.stderr[-2000:]
    assert run.ids("failed") <= known_departures("failed"), run.explain("failed")
    assert run.rows("blocked"), "a guest may not create projects: what needs one must be blocked"
    assert_blocked_by_the_key(run)
    assert run.results["leftovers"] == 0
