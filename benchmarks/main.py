"""`python -m benchmarks`: parse the options, run the measurements, print and save the figures."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.figures import (
    RATE_LIMITED_PROFILES,
    floor_after_burst_seconds,
    floor_seconds,
    ratio,
)
from benchmarks.peer import peer_baseline
from benchmarks.report import display, print_report
from benchmarks.runs import run_ours


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark of plane-conformance on this machine, in one command.",
    )
    parser.add_argument(
        "--skip-slow",
        action="store_true",
        help="skip the quick and standard runs against 60 requests/minute (takes minutes)",
    )
    parser.add_argument(
        "--skip-peer",
        action="store_true",
        help="skip the schemathesis CLI baseline and the fault comparison",
    )
    parser.add_argument(
        "--skip-profiles",
        action="store_true",
        help="skip the profile runs (the peer baseline then measures its budget)",
    )
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=20,
        help="also run standard w1/w2 against a server answering after this delay (0: skip)",
    )
    parser.add_argument("--faults", help="comma-separated fault names (default: every fault)")
    parser.add_argument(
        "--cli",
        metavar="PHASES:N",
        help="fix the CLI config, e.g. fuzzing,stateful:8 (default: calibrate)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="fault runs in parallel")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run")
    parser.add_argument(
        "--slow-timeout", type=float, default=3600, help="seconds for the rate-limited run"
    )
    parser.add_argument("--json", type=Path, help="save the figures to this file")
    parser.add_argument("--keep", type=Path, help="keep reports in this folder (default: temp)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.given = list(sys.argv[1:] if argv is None else argv)  # for the rerun line
    with contextlib.ExitStack() as stack:
        if args.keep:
            workdir = args.keep.resolve()
            workdir.mkdir(parents=True, exist_ok=True)
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="plc-bench-")))
        figures = collect(args, workdir)
    print_report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=sorted) + "\n", encoding="utf-8")
        print(f"\nfigures saved to {args.json}")
    return 0


def collect(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    figures: dict[str, Any] = {"cores": os.cpu_count(), "runs": {}, "commands": []}
    own = ["python", "-m", "benchmarks", *args.given]
    figures["commands"].append(shlex.join(own))
    if not args.skip_profiles:
        for profile in ("quick", "standard"):
            for workers in (1, 2):
                print(f"running {profile} profile with {workers} worker(s) ...", flush=True)
                run = run_ours(workdir, profile, workers, timeout=args.timeout)
                figures["runs"][run.label] = asdict(run)
                figures["commands"].append(display(run.measured.command, workdir))
        if args.latency_ms:
            # The same runs against a target that answers after a network-like delay: where a
            # run waits on the target rather than on its own CPU, a second worker pays off.
            figures["latency_ms"] = args.latency_ms
            for workers in (1, 2):
                print(
                    f"running standard profile with {workers} worker(s), "
                    f"{args.latency_ms} ms latency ...",
                    flush=True,
                )
                run = run_ours(
                    workdir, "standard", workers, latency_ms=args.latency_ms, timeout=args.timeout
                )
                figures["runs"][run.label] = asdict(run)
                figures["commands"].append(display(run.measured.command, workdir))
    if not args.skip_slow:
        figures["rate_limited"] = {}
        for profile in RATE_LIMITED_PROFILES:
            print(f"running the {profile} profile against 60 requests/minute (minutes) ...",
                  flush=True)  # fmt: skip
            run = run_ours(workdir, profile, 1, rate_limit=60, timeout=args.slow_timeout)
            floor = floor_seconds(run.requests or 0, 60)
            figures["rate_limited"][profile] = {
                "run": asdict(run),
                "floor_s": floor,
                "floor_ratio": ratio(run.measured.wall_s, floor),
                "floor_after_burst_s": floor_after_burst_seconds(run.requests or 0, 60),
                "received_429": run.statuses.get(429, 0),
            }
            figures["commands"].append(display(run.measured.command, workdir))
    if not args.skip_peer:
        try:
            figures["peer"] = peer_baseline(args, workdir, figures)
        except Exception as exc:  # keep the figures measured so far
            figures["peer_error"] = f"{type(exc).__name__}: {exc}"
            print(f"peer baseline failed: {figures['peer_error']}", flush=True)
    return figures
