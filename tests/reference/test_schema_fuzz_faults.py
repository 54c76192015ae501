"""The schema area (schemathesis) against the reference server: clean passes, schema faults fail.

Each case starts the reference server (with one fault switched on, or none), runs
conformance/checks/test_schema.py in a subprocess through the plugin in the quick profile, and
reads the verdicts from results.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

launcher = pytest.importorskip("conformance.reference.launcher")

SCHEMA_MODULE = Path(__file__).resolve().parents[2] / "conformance" / "checks" / "test_schema.py"
# fault name -> the requirement the schema area must fail because of it
SCHEMA_FAULTS = {
    "wrong-field-type": "SCHEMA-002",
    "enum-accepts-anything": "SCHEMA-004",
    "not-found-500": "STATUS-010",
    "wrong-content-type": "HTTP-001",
    "create-returns-200": "SCHEMA-001",
}


def _verdicts(tmp_path: Path, faults: tuple[str, ...], profile: str) -> dict[str, str]:
    server = launcher.start_reference_server(faults=faults)
    try:
        env = {
            **os.environ,
            "PLANE_BASE_URL": server.base_url,
            "PLANE_API_KEY": server.api_key,
            "PLANE_WORKSPACE_SLUG": server.workspace,
        }
        report_dir = tmp_path / "report"
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(SCHEMA_MODULE),
             f"--plane-profile={profile}", "--plane-seed=1", f"--plane-report-dir={report_dir}"],
            env=env, capture_output=True, text=True, timeout=240, check=False,
        )  # fmt: skip
    finally:
        server.stop()
    results = json.loads((report_dir / "results.json").read_text())
    return {r["id"]: r["status"] for r in results["requirements"] if r["area"] in ("schema",)} | {
        r["id"]: r["status"] for r in results["requirements"] if r["id"] in SCHEMA_FAULTS.values()
    }


def test_clean_reference_server_passes_the_schema_area(tmp_path: Path) -> None:
    verdicts = _verdicts(tmp_path, (), "standard")
    assert set(verdicts.values()) <= {"passed", "skipped"}, verdicts
    assert "passed" in verdicts.values()


@pytest.mark.parametrize(("fault", "requirement"), sorted(SCHEMA_FAULTS.items()))
def test_schema_fault_is_caught(tmp_path: Path, fault: str, requirement: str) -> None:
    profile = "standard" if requirement == "SCHEMA-004" else "quick"
    verdicts = _verdicts(tmp_path, (fault,), profile)
    assert verdicts.get(requirement) == "failed", verdicts
