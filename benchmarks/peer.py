"""The peer baseline: the schemathesis CLI alone, calibrated to our request budget, per fault.

The CLI runs on the same spec against a fresh reference server, through the counting proxy; a
fault is caught by it when it reports a failure the clean server's run did not.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.figures import (
    efficiency_ratio,
    fault_caught_by_cli,
    fault_caught_by_ours,
    junit_failure_signatures,
    per_100_requests,
    pick_closest,
    redact,
)
from benchmarks.proxy import CountingProxy
from benchmarks.report import display
from benchmarks.runs import REPO, Measured, measure, run_ours
from conformance.proof import run_suite
from conformance.reference.faults import all_faults
from conformance.reference.launcher import RunningServer, start_reference_server

SPEC = REPO / "specs" / "plane-v1.openapi.yaml"
KEY_ENV = "PLC_BENCH_API_KEY"  # the CLI config reads the key from here, never from argv
# The CLI's request budget grows with these, in this order; calibration walks the ladder until
# the CLI sends at least as many requests as our quick run, then keeps the closer of the last two.
CLI_LADDER: tuple[tuple[str, int], ...] = (
    *(("fuzzing,stateful", n) for n in (1, 2, 4, 8, 16, 32)),
    *(("examples,coverage,fuzzing,stateful", n) for n in (1, 2, 4, 8)),
)


@dataclass
class CliRun:
    phases: str
    max_examples: int
    measured: Measured
    requests: int
    statuses: dict[int, int]
    signatures: set[str]


def _schemathesis_bin() -> str:
    local = Path(sys.executable).with_name("schemathesis")
    return str(local) if local.exists() else (shutil.which("schemathesis") or "schemathesis")


def cli_config(workspace: str, project_id: str | None) -> str:
    """schemathesis.toml: the key from the environment, the path parameters a user would set."""
    lines = [
        f'headers = {{ "X-API-Key" = "${{{KEY_ENV}}}" }}',
        "",
        "[parameters]",
        f'"path.workspace_slug" = "{workspace}"',
    ]
    if project_id:
        lines.append(f'"path.project_id" = "{project_id}"')
    return "\n".join(lines) + "\n"


def cli_command(config: Path, url: str, phases: str, max_examples: int, junit: Path) -> list[str]:
    return [
        _schemathesis_bin(),
        "--config-file",
        str(config),
        "run",
        str(SPEC),
        "--url",
        url,
        "--phases",
        phases,
        "--max-examples",
        str(max_examples),
        "--seed",
        "1",
        "--workers",
        "1",
        "--report",
        "junit",
        "--report-junit-path",
        str(junit),
        "--no-color",
    ]


def _create_project(base_url: str, workspace: str, api_key: str) -> str | None:
    """One project for the CLI's project_id parameter, as a CLI user would prepare."""
    connection = http.client.HTTPConnection(base_url.split("//", 1)[1], timeout=10)
    body = json.dumps({"name": "bench", "identifier": "BENCH"})
    headers = {"X-API-Key": api_key, "Content-Type": "application/json"}
    try:
        connection.request("POST", f"/api/v1/workspaces/{workspace}/projects/", body, headers)
        response = connection.getresponse()
        data = json.loads(response.read() or b"{}")
        return data.get("id") if response.status == 201 else None
    except (OSError, ValueError):
        return None
    finally:
        connection.close()


_STDERR_LOCK = threading.Lock()


@contextlib.contextmanager
def reference_server(faults: Sequence[str], log: Path) -> Iterator[RunningServer]:
    """A fresh reference server; its stderr (it logs deliberate 500s) goes to `log`.

    The launcher lets the server inherit fd 2, so fd 2 points at the log while it starts.
    """
    with _STDERR_LOCK, log.open("ab") as sink:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            server = start_reference_server(faults=tuple(faults))
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    try:
        yield server
    finally:
        server.stop()


def run_cli(
    workdir: Path, phases: str, max_examples: int, *, fault: str = "", timeout: float
) -> CliRun:
    """The schemathesis CLI alone against a fresh reference server, through the counting proxy."""
    tag = f"{fault or 'clean'}-{phases.replace(',', '+')}-n{max_examples}"
    folder = workdir / "cli" / tag
    folder.mkdir(parents=True, exist_ok=True)
    junit = folder / "junit.xml"
    with reference_server([fault] if fault else [], folder / "server.log") as server:
        project_id = _create_project(server.base_url, server.workspace, server.api_key)
        config = folder / "schemathesis.toml"
        config.write_text(cli_config(server.workspace, project_id), encoding="utf-8")
        env = {**os.environ, KEY_ENV: server.api_key}
        with CountingProxy(server.port) as proxy:
            command = cli_command(config, proxy.url, phases, max_examples, junit)
            measured = measure(command, timeout=timeout, env=env, cwd=folder)
            measured.stderr_tail = redact(measured.stderr_tail, server.api_key)
            statuses = dict(sorted(proxy.statuses.items()))
            requests = proxy.requests
    signatures = set()
    if junit.exists():
        with contextlib.suppress(ET.ParseError):
            signatures = junit_failure_signatures(junit.read_text(encoding="utf-8"))
    return CliRun(phases, max_examples, measured, requests, statuses, signatures)


def calibrate_cli(workdir: Path, budget: int, timeout: float) -> tuple[CliRun, list[CliRun]]:
    """Walk CLI_LADDER until the CLI sends at least `budget` requests; keep the closest run."""
    tried: list[CliRun] = []
    for phases, n in CLI_LADDER:
        run = run_cli(workdir, phases, n, timeout=timeout)
        tried.append(run)
        print(f"  calibration: --phases {phases} -n {n}: {run.requests} requests", flush=True)
        if run.requests >= budget:
            break
    best, _ = pick_closest(budget, [(run, run.requests) for run in tried[-2:]])
    return best, tried


# --- fault comparison ----------------------------------------------------------------------------


@dataclass
class FaultRow:
    fault: str
    declared: tuple[str, ...]
    ours_caught: bool
    ours_strict: bool  # conformance.proof's stricter "caught": exactly the declared ids, no noise
    ours_requests: int | None
    cli_caught: bool
    cli_requests: int
    cli_new_findings: list[str]
    error: str = ""  # the comparison could not run (e.g. a server that did not start)


def compare_faults(
    workdir: Path, faults: Sequence[str], clean: CliRun, jobs: int, timeout: float
) -> list[FaultRow]:
    """Per fault: our quick run (all areas) and the CLI at the calibrated config."""
    known = all_faults()
    ours_dir = workdir / "ours-faults"
    clean_flagged = run_suite(ours_dir, profile="quick").flagged

    def one(name: str) -> FaultRow:
        try:
            return compare_one(name)
        except Exception as exc:  # one broken fault must not lose the other figures
            print(f"  {name}: not compared ({type(exc).__name__}: {exc})", flush=True)
            declared = tuple(known[name].requirements) if name in known else ()
            return FaultRow(name, declared, False, False, None, False, 0, [], error=str(exc))

    def compare_one(name: str) -> FaultRow:
        outcome = run_suite(ours_dir, fault=name, profile="quick")
        results_path = ours_dir / name / "results.json"
        requests = None
        if results_path.exists():
            requests = json.loads(results_path.read_text(encoding="utf-8")).get("requests_sent")
        faulty = run_cli(workdir, clean.phases, clean.max_examples, fault=name, timeout=timeout)
        new = sorted(faulty.signatures - clean.signatures)
        declared = tuple(known[name].requirements)
        row = FaultRow(
            name,
            declared,
            fault_caught_by_ours(declared, outcome.flagged, clean_flagged),
            outcome.caught,
            requests,
            fault_caught_by_cli(clean.signatures, faulty.signatures),
            faulty.requests,
            new[:5],
        )
        print(
            f"  {name}: ours {'caught' if row.ours_caught else 'missed'} "
            f"({requests} req), CLI {'caught' if row.cli_caught else 'missed'} "
            f"({faulty.requests} req)",
            flush=True,
        )
        return row

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, faults))


def peer_baseline(args: argparse.Namespace, workdir: Path, figures: dict[str, Any]) -> dict:
    quick = figures["runs"].get("quick w1")
    if quick is None:
        print("measuring our quick-profile budget ...", flush=True)
        quick = asdict(run_ours(workdir, "quick", 1, timeout=args.timeout))
    budget = int(quick["requests"] or 0)
    print(f"peer baseline: calibrating the schemathesis CLI to ~{budget} requests ...", flush=True)
    if args.cli:
        phases, _, n = args.cli.rpartition(":")
        clean = run_cli(workdir, phases, int(n), timeout=args.timeout)
        tried = [clean]
    else:
        clean, tried = calibrate_cli(workdir, budget, args.timeout)
    shown = cli_command(
        Path("schemathesis.toml"),
        "$PLANE_BASE_URL",
        clean.phases,
        clean.max_examples,
        Path("junit.xml"),
    )
    figures["commands"].append(display(shown, workdir) + f"   # key via ${KEY_ENV} in the toml")
    peer: dict[str, Any] = {
        "ours_budget": budget,
        "cli_clean": asdict(clean),
        "calibration": [(r.phases, r.max_examples, r.requests) for r in tried],
        "faults": [],
    }
    names = args.faults.split(",") if args.faults else sorted(all_faults())
    if not names:
        return peer
    print(f"fault comparison over {len(names)} faults ...", flush=True)
    compared = compare_faults(workdir, names, clean, args.jobs, args.timeout)
    rows = [r for r in compared if not r.error]
    ours_requests = [r.ours_requests for r in rows if r.ours_requests is not None]
    cli_requests = [r.cli_requests for r in rows]
    ours_caught = sum(r.ours_caught for r in rows)
    cli_caught = sum(r.cli_caught for r in rows)
    peer.update(
        faults=[asdict(r) for r in compared],
        not_compared=[r.fault for r in compared if r.error],
        fault_count=len(rows),
        ours_caught=ours_caught,
        ours_strict=sum(r.ours_strict for r in rows),
        cli_caught=cli_caught,
        ours_mean_requests=sum(ours_requests) / len(ours_requests) if ours_requests else None,
        cli_mean_requests=sum(cli_requests) / len(cli_requests) if cli_requests else None,
        ours_per_100=per_100_requests(ours_caught, ours_requests),
        cli_per_100=per_100_requests(cli_caught, cli_requests),
    )
    peer["efficiency_ratio"] = efficiency_ratio(peer["ours_per_100"], peer["cli_per_100"])
    figures["commands"].append("python -m conformance.proof   # our fault matrix (area-scoped)")
    return peer
