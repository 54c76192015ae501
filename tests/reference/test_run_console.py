"""What a person sees after `plane-conformance run`: a short summary on the console (tracebacks
only with -v), and nothing left behind in the temp directory."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

# Together they break exactly AUTH-002, AUTH-004, AUTH-006 and AUTH-007; AUTH-003 and AUTH-005
# then have no refusal to read (not verified: one line each too).
FAULTS = ("--fault", "auth-missing-key-accepted", "--fault", "auth-invalid-key-accepted")
FAILED = ("AUTH-002", "AUTH-004", "AUTH-006", "AUTH-007")
YAML_CACHE = "plane-conformance-yaml"  # spec/yaml_cache.py: one copy per file content, kept
Done = subprocess.CompletedProcess[str]


def _run(
    tmp_path: Path, *extra: str, columns: int = 120, terminal: bool = False
) -> subprocess.CompletedProcess[str]:
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANE_")}
    env.update(TMPDIR=str(temp), COLUMNS=str(columns))
    if terminal:  # rich then prints as on a terminal of that width (no colours: plain text)
        env.update(TTY_COMPATIBLE="1", NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "conformance", "run", *FAULTS, "--only", "auth",
         "--profile", "quick", "--seed", "5", "--report-dir", str(tmp_path / "reports"), *extra],
        capture_output=True, text=True, env=env, timeout=240, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def failing_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    tmp_path = tmp_path_factory.mktemp("console")
    # Two workers: xdist's own status lines and temp dirs are part of what must not show.
    return tmp_path, _run(tmp_path, "--workers", "2")


def test_four_failures_fit_in_a_short_summary(failing_run: tuple[Path, Done]) -> None:
    _, done = failing_run
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]
    lines = output.strip().splitlines()
    assert len(lines) <= 20, output
    for rid in FAILED:
        line = next(line for line in done.stdout.splitlines() if f" {rid} " in line)
        assert line.lstrip().startswith("FAILED") and " MUST " in line
    assert "Traceback" not in output and "====" not in output and "____" not in output
    assert "bringing up nodes" not in output
    # one set of counts (requirements), the checks only as how many ran
    assert any(line.startswith("requirements: 4 failed,") and line.endswith(" checks ran)")
               for line in lines)  # fmt: skip
    headline = "Does not conform: 4 MUST requirements failed. (exit 1)"
    assert done.stdout.strip().splitlines()[-1] == headline  # the verdict is the last word
    assert "report.html, junit.xml, results.json" in done.stdout


def test_a_run_leaves_nothing_in_the_temp_dir(failing_run: tuple[Path, Done]) -> None:
    tmp_path, _ = failing_run
    left = sorted(p.name for p in (tmp_path / "tmp").iterdir() if p.name != YAML_CACHE)
    assert left == []


def test_verbose_shows_pytest_failure_sections(tmp_path: Path) -> None:
    done = _run(tmp_path, "-v")
    assert done.returncode == 1
    assert "FAILURES" in done.stdout and "test_missing_key_is_refused" in done.stdout
    assert done.stdout.strip().splitlines()[-1].startswith("Does not conform")


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_on_80_columns_each_failure_wraps_instead_of_cutting_its_reason(tmp_path: Path) -> None:
    """Issue 24: on an 80-column terminal a failure's entry wraps under its label; its reason
    (results.json's, word for word) is all there, and no line of it is wider than the terminal."""
    done = _run(tmp_path, columns=80, terminal=True)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    summary = ANSI.sub("", done.stdout.split("\r")[-1])  # after the progress line's last redraw
    lines = summary.splitlines()
    results = json.loads((tmp_path / "reports" / "results.json").read_text(encoding="utf-8"))
    reasons = {r["id"]: r["reason"] for r in results["requirements"]}
    for rid in FAILED:
        start = next(i for i, line in enumerate(lines) if line.startswith(f"  FAILED  {rid} "))
        entry = [lines[start], *_continuation(lines[start + 1 :])]
        assert all(len(line.rstrip()) <= 80 for line in entry), summary
        written = "".join("".join(entry).split())
        assert "".join(reasons[rid].split()) in written, (rid, reasons[rid], entry)


def _continuation(lines: list[str]) -> list[str]:
    """The lines that continue an entry: indented under its label, up to the next entry."""
    kept = []
    for line in lines:
        if not line.startswith(" " * 10) or not line.strip():
            break
        kept.append(line)
    return kept
