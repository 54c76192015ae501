"""A real run against a fault: report.html, junit.xml and results.json all name the failing
requirement, the capability matrix reaches the HTML and JSON, and the key is in none of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conformance.reference.launcher import start_reference_server

OUTPUTS = ("report.html", "junit.xml", "results.json")


def test_outputs_name_the_failing_requirement_and_never_the_key(tmp_path: Path) -> None:
    with start_reference_server(faults=("create-returns-200",)) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLANE_")}
        env["PLANE_API_KEY"] = server.api_key  # the key travels in the environment only
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "run", "--target", server.base_url,
             "--workspace", server.workspace, "--only", "status,capability",
             "--profile", "quick", "--seed", "3", "--report-dir", str(tmp_path)],
            capture_output=True, text=True, env=env, timeout=240, check=False,
        )  # fmt: skip
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert server.api_key not in done.stdout + done.stderr

    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    statuses = {r["id"]: r["status"] for r in results["requirements"]}
    assert statuses["STATUS-001"] == "failed"
    assert results["capabilities"], "the capability matrix is missing from results.json"

    for name in OUTPUTS:
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "STATUS-001" in text, f"{name} does not name the failing requirement"
        assert server.api_key not in text, f"{name} holds the API key in clear"
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "served" in html and "capabilit" in html.lower()
