"""The suite's verdict on the stand-in is the release's: `plane-conformance run --plane-VERSION`
fails exactly the hand-verified departures of Plane vVERSION (the shipped baseline,
docs/plane-VERSION-departures.md): nothing beyond them, none of them stale. The default embedded
server conforms (the fault matrix proves that on every commit)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.reference.behaviours import RELEASES


@pytest.mark.parametrize("release", RELEASES)
def test_the_stand_in_has_exactly_the_baselined_departures(release: str, tmp_path: Path) -> None:
    command = [
        sys.executable, "-m", "conformance", "run", f"--plane-{release}", "--seed", "1",
        "--baseline", f"plane-v{release}", "--fail-on-stale-baseline",
        "--report-dir", str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    verdict, baseline = results["verdict"], results["baseline"]
    assert done.returncode == 0, f"{verdict['headline']}\n{done.stderr[-2000:]}"
    assert not verdict["failed"] and not verdict["incomplete"], verdict
    assert not baseline["stale"] and not baseline["mismatched"], baseline
    accepted = {entry["id"] for entry in baseline["accepted"]}
    assert set(verdict["accepted"]) == accepted
