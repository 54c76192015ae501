"""Ctrl-C mid-run: exit code 130 (never a passing verdict), partial reports, nothing left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from conformance.reference.launcher import start_reference_server


def test_interrupted_run_cleans_up_and_does_not_pass(tmp_path: Path) -> None:
    # A low limit keeps the run busy (paced) long enough to be interrupted mid-way.
    with start_reference_server(rate_limit=100, rate_window=2) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLANE_")}
        env["PLANE_API_KEY"] = server.api_key
        run = subprocess.Popen(
            [sys.executable, "-m", "conformance", "run", "--target", server.base_url,
             "--workspace", server.workspace, "--profile", "standard",
             "--report-dir", str(tmp_path)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        time.sleep(5)
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=120)
        projects = httpx.get(
            f"{server.base_url}/api/v1/workspaces/{server.workspace}/projects/",
            headers={"X-API-Key": server.api_key},
        ).json()["results"]

    assert run.returncode == 130, output[-1500:]
    assert "interrupted" in output
    assert (tmp_path / "results.json").exists(), "partial reports are written"
    assert projects == [], f"left behind: {[p['name'] for p in projects]}"
