"""`plane-conformance run` end to end: a clean run against the embedded server, and bad configs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.reference.launcher import start_reference_server


def _run(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANE_")}
    return subprocess.run(
        [sys.executable, "-m", "conformance", "run", *args],
        capture_output=True, text=True, env=env, timeout=timeout, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[object]:
    with start_reference_server() as running:
        yield running


def test_quick_run_of_auth_and_status_passes(tmp_path: Path) -> None:
    done = _run("--only", "auth,status", "--profile", "quick", "--seed", "7",
                "--report-dir", str(tmp_path))  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "seed 7" in done.stdout
    results = json.loads((tmp_path / "results.json").read_text())
    statuses = {v["id"]: v["status"] for v in results["requirements"]}
    assert statuses["AUTH-001"] == "passed" and statuses["STATUS-004"] == "passed"
    assert statuses["PAG-004"] == "not_selected"  # area not selected
    assert results["leftovers"] == 0 and results["requests_sent"] > 0 and results["seed"] == 7


def _one_line_failure(done: subprocess.CompletedProcess[str], words: str) -> None:
    assert done.returncode == 2, done.stdout[-1000:] + done.stderr[-1000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_unreachable_target_exits_2() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = _run("--target", f"http://127.0.0.1:{port}", "--api-key", "k", "--workspace", "w",
                timeout=30)  # fmt: skip
    _one_line_failure(done, "cannot reach the target")


def test_wrong_key_exits_2(server: object) -> None:
    url = server.base_url  # type: ignore[attr-defined]
    done = _run("--target", url, "--api-key", "plane_api_wrong", "--workspace", "conformance")
    _one_line_failure(done, "rejected the API key (401 on /api/v1/users/me/)")
    assert "plane_api_wrong" not in done.stdout + done.stderr


def test_compare_shapes_adds_the_drift_to_the_results(tmp_path: Path) -> None:
    """--compare-shapes records the target after the checks and compares it with Plane
    v1.3.1's recording (the embedded server's listed differences from Plane show as drift)."""
    done = _run("--only", "auth", "--profile", "quick", "--compare-shapes",
                "--report-dir", str(tmp_path))  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    drift = json.loads((tmp_path / "results.json").read_text())["extra"]["shape_drift"]
    assert (drift["operations_compared"], drift["abandoned"]) == (118, [])
    assert drift["drifts"] == len(drift["lines"]) == sum(drift["by_kind"].values()) > 0
    printed = f"shapes against Plane v1.3.1: {drift['drifts']} drifts in "
    assert printed + f"{drift['operations_drifting']} of 118 operations" in done.stdout


def test_compare_shapes_refuses_read_only(server: object) -> None:
    url, key = server.base_url, server.api_key  # type: ignore[attr-defined]
    done = _run("--target", url, "--api-key", key, "--workspace", "conformance", "--read-only",
                "--compare-shapes")  # fmt: skip
    _one_line_failure(done, "--compare-shapes creates and deletes a project of its own")


def test_unknown_workspace_exits_2(server: object) -> None:
    url, key = server.base_url, server.api_key  # type: ignore[attr-defined]
    done = _run("--target", url, "--api-key", key, "--workspace", "no-such-ws")
    _one_line_failure(done, "the workspace 'no-such-ws' was not found")
    assert key not in done.stdout + done.stderr


def test_target_without_key_exits_2() -> None:
    done = _run("--target", "http://127.0.0.1:9", "--workspace", "w", timeout=30)
    _one_line_failure(done, "no API key")


@pytest.mark.parametrize(
    "option",
    [["--fault", "auth-missing-key-accepted"], ["--rate-limit", "5"], ["--latency-ms", "9"]],
)
def test_embedded_server_options_are_refused_with_a_target(option: list[str]) -> None:
    done = _run("--target", "http://127.0.0.1:9", "--api-key", "k", "--workspace", "w", *option,
                timeout=30)  # fmt: skip
    _one_line_failure(done, "only apply to the embedded reference server")


def test_full_profile_large_window_leaves_the_exhaustion_not_verified(tmp_path: Path) -> None:
    """The user chose the full profile: a window the suite declines to spend (the embedded
    server allows 6,000 a minute) leaves RATE-004/005 *not verified* with why, never "not
    selected" (issue 20: only the user's choices make not selected)."""
    done = _run("--only", "ratelimit", "--profile", "full", "--seed", "3",
                "--report-dir", str(tmp_path))  # fmt: skip
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text())
    verdicts = {v["id"]: v for v in results["requirements"]}
    for rid in ("RATE-004", "RATE-005"):
        assert verdicts[rid]["status"] == "not_verified", verdicts[rid]
        assert "more than the 300 the suite spends" in verdicts[rid]["reason"]
    assert "RATE-004" in done.stdout and "could not be verified" in done.stdout
