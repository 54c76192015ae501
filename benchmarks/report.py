"""The printed report: every figure next to its goal with PASS/MISS, and the rerun commands."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.figures import (
    GOAL_AT_60_PER_MINUTE_S,
    GOAL_FAULT_EFFICIENCY_RATIO,
    GOAL_FLOOR_RATIO,
    GOAL_STANDARD_WALL_S,
    GOAL_WORKER_SPEEDUP,
    ratio,
    verdict,
)

REPO = Path(__file__).resolve().parent.parent


def _fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def goal_rows(figures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(goal, figure, target, PASS/MISS/n/a) rows from the collected figures."""
    rows = []
    standard = figures.get("runs", {}).get("standard w1")
    if standard:
        wall = standard["measured"]["wall_s"]
        rows.append(
            (
                "standard profile wall time (w1)",
                _fmt(wall, " s"),
                f"<= {GOAL_STANDARD_WALL_S:.0f} s",
                verdict(wall, GOAL_STANDARD_WALL_S, at_most=True),
            )
        )
    latency = figures.get("latency_ms")
    for profile, suffix, name in (
        ("quick", "", "quick"),
        ("standard", "", "standard"),
        ("standard", f" lat{latency}", f"standard +{latency} ms"),
    ):
        one = figures.get("runs", {}).get(f"{profile} w1{suffix}")
        two = figures.get("runs", {}).get(f"{profile} w2{suffix}")
        if one and two:
            speedup = ratio(one["measured"]["wall_s"], two["measured"]["wall_s"])
            rows.append(
                (
                    f"{name}: 2 workers vs 1 speed-up",
                    _fmt(speedup, "x", 2),
                    f">= {GOAL_WORKER_SPEEDUP}x",
                    verdict(speedup, GOAL_WORKER_SPEEDUP, at_most=False),
                )
            )
    for profile, slow in figures.get("rate_limited", {}).items():
        wall = slow["run"]["measured"]["wall_s"]
        goal = GOAL_AT_60_PER_MINUTE_S.get(profile)
        if goal is not None:
            rows.append(
                (
                    f"{profile} at 60 req/min: wall time",
                    _fmt(wall, " s", 0),
                    f"<= {goal:.0f} s",
                    verdict(wall, goal, at_most=True),
                )
            )
        rows.append(
            (
                f"{profile} at 60 req/min: wall / floor",
                _fmt(slow["floor_ratio"], "x", 2),
                f"<= {GOAL_FLOOR_RATIO}x",
                verdict(slow["floor_ratio"], GOAL_FLOOR_RATIO, at_most=True),
            )
        )
        hit = len(slow["run"]["checks_hit_by_429"])
        rows.append(
            (
                f"{profile} at 60 req/min: failures with a 429",
                str(hit),
                "0",
                verdict(float(hit), 0.0, at_most=True),
            )
        )
    peer = figures.get("peer")
    if peer and peer.get("efficiency_ratio") is not None:
        rows.append(
            (
                "faults caught / 100 req, ours vs CLI",
                _fmt(peer["efficiency_ratio"], "x", 2),
                f">= {GOAL_FAULT_EFFICIENCY_RATIO}x",
                verdict(peer["efficiency_ratio"], GOAL_FAULT_EFFICIENCY_RATIO, at_most=False),
            )
        )
    return rows


def print_report(figures: dict[str, Any]) -> None:
    print("\n== plane-conformance benchmark ==", f"({os.cpu_count()} cores)")
    print(
        f"\n{'run':<22}{'wall s':>8}{'pytest s':>10}{'requests':>10}{'exit':>6}"
        f"{'max RSS MB':>12}{'tree RSS MB':>13}{'MUSTs':>7}{'MUST units/100 req':>20}"
    )
    runs = dict(figures.get("runs", {}))
    runs.update(
        {slow["run"]["label"]: slow["run"] for slow in figures.get("rate_limited", {}).values()}
    )
    for label, run in runs.items():
        m = run["measured"]
        units = run.get("must_units_verified")
        print(
            f"{label:<22}{m['wall_s']:>8.1f}{_fmt(run['duration_s']):>10}"
            f"{run['requests'] if run['requests'] is not None else '-':>10}"
            f"{m['exit_code'] if m['exit_code'] is not None else 'TIMEOUT':>6}"
            f"{_fmt(m['max_rss_kb'] and m['max_rss_kb'] / 1024):>12}"
            f"{_fmt(m['tree_peak_rss_kb'] and m['tree_peak_rss_kb'] / 1024):>13}"
            f"{run.get('musts_verified') if run.get('musts_verified') is not None else '-':>7}"
            f"{_fmt(units and run['requests'] and 100.0 * units / run['requests']):>20}"
        )
    for profile, slow in figures.get("rate_limited", {}).items():
        run = slow["run"]
        print(
            f"\n{profile} at 60 req/min: {run['measured']['wall_s']:.0f} s for {run['requests']} "
            f"requests; floor {slow['floor_s']:.0f} s (after the first window's burst "
            f"{slow['floor_after_burst_s']:.0f} s; requests the target does not count cost "
            f"nothing); ratio {_fmt(slow['floor_ratio'], 'x', 2)}; "
            f"429s received {slow['received_429']} (counted from the status of every exchange "
            f"recorded in results.json checks); failed checks with a 429: "
            f"{len(run['checks_hit_by_429'])}; pacer waited {_fmt(run['pacer_waited_s'], ' s')}; "
            f"429s to paced requests (plugin count, all processes): {run.get('paced_429s', '-')}"
        )
    peer = figures.get("peer")
    if peer:
        cli = peer["cli_clean"]
        print(
            f"\npeer baseline: schemathesis CLI --phases {cli['phases']} -n {cli['max_examples']}:"
            f" {cli['measured']['wall_s']:.1f} s, {cli['requests']} requests "
            f"(ours quick: {peer['ours_budget']} requests); clean-server findings: "
            f"{len(cli['signatures'])}"
        )
        if peer.get("faults"):
            print(
                f"faults: {peer['fault_count']}; ours caught {peer['ours_caught']} "
                f"(strict proof criterion: {peer['ours_strict']}) at "
                f"{_fmt(peer['ours_mean_requests'], '', 0)} req/run -> "
                f"{_fmt(peer['ours_per_100'], '', 2)} per 100 req; CLI caught "
                f"{peer['cli_caught']} at {_fmt(peer['cli_mean_requests'], '', 0)} req/run -> "
                f"{_fmt(peer['cli_per_100'], '', 2)} per 100 req"
            )
        if peer.get("not_compared"):
            print(f"not compared (run failed): {', '.join(peer['not_compared'])}")
    print(f"\n{'goal':<40}{'figure':>10}  {'target':<10}{'':>6}")
    for goal, value, target, mark in goal_rows(figures):
        print(f"{goal:<40}{value:>10}  {target:<10}{mark:>6}")
    print("\nrerun:")
    for command in figures.get("commands", []):
        print("  " + command)


def display(command: Sequence[str], workdir: Path) -> str:
    text = shlex.join(command).replace(str(workdir), "$BENCH_DIR").replace(str(REPO) + "/", "")
    return text.replace(sys.executable, "python")
