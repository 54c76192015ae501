"""`--read-only` against a workspace holding someone's data: GET requests only, nothing changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from conformance.reference.launcher import start_reference_server


def _snapshot(client: httpx.Client, ws: str, project_id: str) -> list[tuple[str, str]]:
    items = client.get(f"{ws}/projects/{project_id}/work-items/").json()["results"]
    projects = client.get(f"{ws}/projects/").json()["results"]
    return sorted((p["id"], p["name"]) for p in projects + items)


def test_read_only_run_sends_only_gets_and_changes_nothing(tmp_path: Path) -> None:
    with start_reference_server() as server:
        ws = f"/api/v1/workspaces/{server.workspace}"
        headers = {"X-API-Key": server.api_key}
        with httpx.Client(base_url=server.base_url, headers=headers) as client:
            project = client.post(f"{ws}/projects/", json={"name": "Theirs", "identifier": "THR"})
            project_id = project.json()["id"]
            for n in range(3):
                client.post(f"{ws}/projects/{project_id}/work-items/", json={"name": f"item {n}"})
            before = _snapshot(client, ws, project_id)

            env = {k: v for k, v in os.environ.items() if not k.startswith("PLANE_")}
            env["PLANE_API_KEY"] = server.api_key
            done = subprocess.run(
                [sys.executable, "-m", "conformance", "run", "--target", server.base_url,
                 "--workspace", server.workspace, "--read-only", "--profile", "quick",
                 "--report-dir", str(tmp_path)],
                capture_output=True, text=True, env=env, timeout=240, check=False,
            )  # fmt: skip
            after = _snapshot(client, ws, project_id)

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    methods = {e["method"] for c in results["checks"] for e in c["exchanges"]}
    assert methods == {"GET"}, f"read-only run sent {methods}"
    assert results["summary"]["passed"] > 0, "a read-only run should still check something"
    assert after == before, "the read-only run changed the workspace"
