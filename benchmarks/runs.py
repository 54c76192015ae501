"""Measured subprocesses, and the runs of our own suite (`plane-conformance run`) among them.

Every subprocess runs with a timeout in its own process group, so a hung run is killed with
everything it started; wall time and memory (GNU time's max RSS, a sampled process-tree RSS) are
measured around it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.figures import (
    checks_hit_by_429,
    must_coverage,
    requests_per_area,
    slowest_checks,
    statuses_in_results,
)
from conformance.proof import suite_command

REPO = Path(__file__).resolve().parent.parent
TIME_BIN = Path("/usr/bin/time")


@dataclass
class Measured:
    command: list[str]
    wall_s: float
    exit_code: int | None  # None: killed at the timeout
    max_rss_kb: int | None  # largest single process (GNU time %M), when /usr/bin/time exists
    tree_peak_rss_kb: int | None  # sampled peak of the RSS sum over the whole process tree
    stderr_tail: str = ""


def _children_map() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _tree_rss_kb(root: int) -> int:
    tree, total, todo = _children_map(), 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(tree.get(pid, []))
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def measure(
    command: list[str],
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Measured:
    """Run command in its own process group with a timeout; wall time and memory."""
    rss_file = None
    argv = list(command)
    if TIME_BIN.exists():
        handle, rss_file = tempfile.mkstemp(prefix="plc-bench-rss-")
        os.close(handle)
        argv = [str(TIME_BIN), "-f", "%M", "-o", rss_file, *argv]
    peak = 0
    started = time.monotonic()
    process = subprocess.Popen(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.25):
            with contextlib.suppress(OSError):
                peak = max(peak, _tree_rss_kb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    exit_code: int | None
    try:
        _, stderr = process.communicate(timeout=timeout)
        exit_code = process.returncode
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        _, stderr = process.communicate()
        exit_code = None
    finally:
        stop.set()
        sampler.join()
    wall = time.monotonic() - started
    max_rss = None
    if rss_file is not None:
        with contextlib.suppress(OSError, ValueError):
            max_rss = int(Path(rss_file).read_text().strip().splitlines()[-1])
        Path(rss_file).unlink(missing_ok=True)
    return Measured(command, wall, exit_code, max_rss, peak or None, (stderr or "")[-1500:])


@dataclass
class SuiteRun:
    label: str
    profile: str
    workers: int
    rate_limit: int | None
    measured: Measured
    requests: int | None = None
    duration_s: float | None = None  # results.json's own figure (pytest session only)
    summary: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    per_area: dict[str, int] = field(default_factory=dict)
    slowest: list[tuple[str, float, int]] = field(default_factory=list)
    checks_hit_by_429: list[str] = field(default_factory=list)
    pacer_waited_s: float | None = None
    paced_429s: int | None = None  # results.json extra: 429s to paced requests (all processes)
    musts_verified: int | None = None  # MUST requirements passed or verified on a sample
    must_units_verified: int | None = None  # their units verified, over every MUST


def _options(workers: int, rate_limit: int | None, latency_ms: int | None) -> list[str]:
    options = ["--workers", str(workers)]
    if rate_limit:
        options += ["--rate-limit", str(rate_limit)]
    if latency_ms:
        options += ["--latency-ms", str(latency_ms)]
    return options


def run_ours(
    workdir: Path,
    profile: str,
    workers: int,
    *,
    rate_limit: int | None = None,
    latency_ms: int | None = None,
    timeout: float,
) -> SuiteRun:
    label = (
        f"{profile} w{workers}"
        + (f" rl{rate_limit}" if rate_limit else "")
        + (f" lat{latency_ms}" if latency_ms else "")
    )
    report_dir = workdir / label.replace(" ", "-")
    measured = measure(
        suite_command(
            report_dir, profile=profile, options=_options(workers, rate_limit, latency_ms)
        ),
        timeout=timeout,
        cwd=REPO,
    )
    run = SuiteRun(label, profile, workers, rate_limit, measured)
    results_path = report_dir / "results.json"
    if results_path.exists():
        results = json.loads(results_path.read_text(encoding="utf-8"))
        run.requests = results.get("requests_sent")
        run.duration_s = results.get("duration_s")
        run.summary = results.get("summary", {})
        run.statuses = dict(sorted(statuses_in_results(results).items()))
        run.per_area = requests_per_area(results)
        run.musts_verified, run.must_units_verified = must_coverage(results)
        run.slowest = slowest_checks(results)
        run.checks_hit_by_429 = checks_hit_by_429(results)
        waited = results.get("extra", {}).get("pacer_waited_s")
        run.pacer_waited_s = float(waited) if waited is not None else None
        paced = results.get("extra", {}).get("paced_429s")
        run.paced_429s = int(paced) if paced is not None else None
    return run
