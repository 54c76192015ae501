"""Differential test: one client story through two published clients, against real Plane and
against the reference server; every step must end the same way (ok, or the same error status)
and return the same field set with the same JSON types. Ids, timestamps and values are ignored.

A failure lists every differing step, one line each. The step lists of both runs are also written
to reports/differential/ (field names and types only, never a key or a value) for review.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from conformance.reference.launcher import RunningServer, start_reference_server
from tests.realplane.adapters import PlanePyAdapter, PlaneSdkAdapter
from tests.realplane.conftest import REPO, RealPlane
from tests.realplane.differential import Adapter, Step, differences, run_scenario

CLIENTS: dict[str, Callable[[str, str, str], Adapter]] = {
    PlaneSdkAdapter.name: PlaneSdkAdapter,
    PlanePyAdapter.name: PlanePyAdapter,
}
REPORT_DIR = REPO / "reports" / "differential"


@pytest.fixture(scope="module")
def reference() -> Iterator[RunningServer]:
    with start_reference_server(stderr=subprocess.DEVNULL) as server:
        yield server


def _cleanup(base_url: str, api_key: str, workspace: str) -> Callable[[str], None]:
    def delete_project(project_id: str) -> None:
        url = f"{base_url}/api/v1/workspaces/{workspace}/projects/{project_id}/"
        with contextlib.suppress(httpx.HTTPError):  # best effort: the scenario deleted it already
            httpx.delete(url, headers={"X-API-Key": api_key}, timeout=30)

    return delete_project


def _run(make: Callable[[str, str, str], Adapter], url: str, key: str, ws: str) -> list[Step]:
    return run_scenario(make(url, key, ws), _cleanup(url, key, ws))


def _write(name: str, real: list[Step], ref: list[Step], lines: list[str]) -> Path:
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    path = REPORT_DIR / f"{name}.json"
    document = {
        "client": name,
        "differing_steps": lines,
        "real_plane": [step.__dict__ for step in real],
        "reference": [step.__dict__ for step in ref],
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("client_name", sorted(CLIENTS))
def test_same_steps_on_real_plane_and_reference(
    client_name: str, real_plane: RealPlane, reference: RunningServer
) -> None:
    make = CLIENTS[client_name]
    real = _run(make, real_plane.base_url, real_plane.api_key, real_plane.workspace)
    ref = _run(make, reference.base_url, reference.api_key, reference.workspace)
    lines = differences(real, ref)
    written = _write(client_name, real, ref, lines)
    assert not lines, (
        f"{client_name}: {len(lines)} of {len(real)} steps differ (real Plane vs reference; "
        f"details in {written.relative_to(REPO)}):\n" + "\n".join(lines)
    )
