"""Benchmark of plane-conformance on this machine, in one command.

    python benchmarks/suite.py [--skip-slow] [--skip-peer] [--json FILE]

Measures, against reference servers it starts on 127.0.0.1 only:

1. wall time and requests sent (results.json `requests_sent`) of the quick and standard profiles,
   with `--workers 1` and `--workers 2`;
2. the standard profile against `--rate-limit 60` (minutes; `--skip-slow` skips it): wall time
   against the floor requests / 60 per minute, and the 429 answers seen;
3. the peer baseline: the schemathesis CLI alone on the same spec and server at a comparable
   request budget (counted by a loopback counting proxy), and how many fault switches each
   approach catches per 100 requests;
4. peak memory of a standard run.

Every subprocess runs with a timeout in its own process group, so a hung run is killed with
everything it started. The figures are printed next to their goals with PASS/MISS.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "specs" / "plane-v1.openapi.yaml"
TIME_BIN = Path("/usr/bin/time")
KEY_ENV = "PLC_BENCH_API_KEY"  # the CLI config reads the key from here, never from argv

# Goals of issue 8.
GOAL_STANDARD_WALL_S = 30.0
GOAL_WORKER_SPEEDUP = 1.5
GOAL_FLOOR_RATIO = 1.1
GOAL_FAULT_EFFICIENCY_RATIO = 2.0

# The CLI's request budget grows with these, in this order; calibration walks the ladder until
# the CLI sends at least as many requests as our quick run, then keeps the closer of the last two.
CLI_LADDER: tuple[tuple[str, int], ...] = (
    *(("fuzzing,stateful", n) for n in (1, 2, 4, 8, 16, 32)),
    *(("examples,coverage,fuzzing,stateful", n) for n in (1, 2, 4, 8)),
)


# --- pure helpers (unit-tested) ----------------------------------------------------------------


def floor_seconds(requests: int, per_minute: int) -> float:
    """The shortest wall time a client can need for `requests` at `per_minute` requests/min."""
    return requests * 60.0 / per_minute


def floor_after_burst_seconds(requests: int, per_minute: int) -> float:
    """The floor when the first window's allowance can be spent at once (a fresh key)."""
    return max(0, requests - per_minute) * 60.0 / per_minute


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def per_100_requests(caught: int, requests: Sequence[int]) -> float | None:
    """Faults caught per 100 requests, with the budget = mean requests of one run."""
    if not requests:
        return None
    mean = sum(requests) / len(requests)
    return 100.0 * caught / mean if mean else None


def efficiency_ratio(ours: float | None, theirs: float | None) -> float | None:
    """ours / theirs; infinite when only ours catches anything."""
    if ours is None or theirs is None:
        return None
    if theirs == 0:
        return math.inf if ours > 0 else None
    return ours / theirs


def verdict(value: float | None, goal: float, *, at_most: bool) -> str:
    if value is None:
        return "n/a"
    ok = value <= goal if at_most else value >= goal
    return "PASS" if ok else "MISS"


def statuses_in_results(results: dict[str, Any]) -> Counter[int]:
    """HTTP status counts over every exchange recorded in results.json `checks`."""
    counts: Counter[int] = Counter()
    for check in results.get("checks", []):
        for exchange in check.get("exchanges", []):
            if exchange.get("status") is not None:
                counts[int(exchange["status"])] += 1
    return counts


def checks_hit_by_429(results: dict[str, Any]) -> list[str]:
    """Failed or erred checks that received a 429: failures the rate limit may have caused."""
    hit = []
    for check in results.get("checks", []):
        if check.get("outcome") not in ("failed", "error"):
            continue
        if any(e.get("status") == 429 for e in check.get("exchanges", [])):
            hit.append(check.get("nodeid", "?"))
    return hit


def requests_per_area(results: dict[str, Any]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for check in results.get("checks", []):
        counts[check.get("area", "?")] += len(check.get("exchanges", []))
    return dict(counts.most_common())


def slowest_checks(results: dict[str, Any], n: int = 5) -> list[tuple[str, float, int]]:
    """(nodeid, seconds, exchanges) of the n slowest checks."""
    rows = [
        (c.get("nodeid", "?"), float(c.get("duration_s", 0.0)), len(c.get("exchanges", [])))
        for c in results.get("checks", [])
    ]
    return sorted(rows, key=lambda row: row[1], reverse=True)[:n]


_FAILURE_TITLE = re.compile(r"^- (.+?)\s*$", re.MULTILINE)


def junit_failure_signatures(xml_text: str) -> set[str]:
    """One signature per (operation, failure title) in a schemathesis JUnit report.

    A test case may hold several numbered failures; each names its kind on a "- TITLE" line.
    Errors count as findings too (the CLI reports them as failures of the run).
    """
    signatures: set[str] = set()
    root = ET.fromstring(xml_text)
    for case in root.iter("testcase"):
        name = case.get("name", "?")
        for node in [*case.findall("failure"), *case.findall("error")]:
            titles = _FAILURE_TITLE.findall(node.text or "") or [node.get("message") or node.tag]
            signatures.update(f"{name} | {title}" for title in titles)
    return signatures


def pick_closest(budget: int, tried: Sequence[tuple[Any, int]]) -> tuple[Any, int]:
    """The (config, requests) whose request count is closest to budget on a log scale."""
    return min(tried, key=lambda item: abs(math.log(max(item[1], 1) / max(budget, 1))))


def fault_caught_by_ours(
    declared: Sequence[str], flagged: Collection[str], clean_flagged: Collection[str] = ()
) -> bool:
    """Our run catches a fault when it flags every requirement the fault declares, and at least
    one of them is not flagged on the clean server already (else the flag proves nothing)."""
    return (
        bool(declared)
        and all(rid in flagged for rid in declared)
        and any(rid not in clean_flagged for rid in declared)
    )


def fault_caught_by_cli(clean: set[str], faulty: set[str]) -> bool:
    """The CLI catches a fault when it reports a failure the clean server's run did not."""
    return bool(faulty - clean)


def redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


# --- process running -------------------------------------------------------------------------


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


# --- our suite ---------------------------------------------------------------------------------


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


def suite_command(
    profile: str,
    workers: int,
    report_dir: Path,
    rate_limit: int | None,
    latency_ms: int | None = None,
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "conformance",
        "run",
        "--profile",
        profile,
        "--workers",
        str(workers),
        "--seed",
        "1",
        "--report-dir",
        str(report_dir),
    ]
    if rate_limit:
        command += ["--rate-limit", str(rate_limit)]
    if latency_ms:
        command += ["--latency-ms", str(latency_ms)]
    return command


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
        suite_command(profile, workers, report_dir, rate_limit, latency_ms),
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
        run.slowest = slowest_checks(results)
        run.checks_hit_by_429 = checks_hit_by_429(results)
        waited = results.get("extra", {}).get("pacer_waited_s")
        run.pacer_waited_s = float(waited) if waited is not None else None
        paced = results.get("extra", {}).get("paced_429s")
        run.paced_429s = int(paced) if paced is not None else None
    return run


# --- counting proxy and the schemathesis CLI ---------------------------------------------------

_HOP_HEADERS = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
}


class CountingProxy(ThreadingHTTPServer):
    """A loopback reverse proxy that forwards every request to one upstream and counts them."""

    daemon_threads = True

    def __init__(self, upstream_port: int) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream_port = upstream_port
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def count(self, status: int) -> None:
        with self._lock:
            self.statuses[status] += 1

    def upstream(self, fresh: bool = False) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None or fresh:
            if connection is not None:
                connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=30)
            connection.connect()
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._local.connection = connection
        return connection

    def __enter__(self) -> CountingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (40 ms each)
    server: CountingProxy

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.server.count(code)  # a request the proxy itself refused was still sent by the CLI
        super().send_error(code, message, explain)

    def __getattr__(self, name: str) -> Callable[[], None]:
        if name.startswith("do_"):  # any method, including the odd ones the CLI probes with
            return self._forward
        raise AttributeError(name)

    def _read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    def _exchange(self, body: bytes | None, fresh: bool) -> http.client.HTTPResponse:
        connection = self.server.upstream(fresh)
        connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in _HOP_HEADERS:
                connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        return connection.getresponse()

    def _forward(self) -> None:
        body = self._read_body()
        try:
            try:
                response = self._exchange(body, fresh=False)
            except (http.client.RemoteDisconnected, ConnectionError, http.client.CannotSendRequest):
                response = self._exchange(body, fresh=True)  # idle keep-alive closed upstream
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.server.upstream(fresh=True)
            self.send_error(502)
            return
        self.server.count(response.status)
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in _HOP_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


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
def reference_server(faults: Sequence[str], log: Path) -> Iterator[Any]:
    """A fresh reference server; its stderr (it logs deliberate 500s) goes to `log`.

    The launcher lets the server inherit fd 2, so fd 2 points at the log while it starts.
    """
    from conformance.reference.launcher import start_reference_server

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
    from conformance.proof import run_suite
    from conformance.reference.faults import FAULTS

    ours_dir = workdir / "ours-faults"
    clean_flagged = run_suite(ours_dir, profile="quick").flagged

    def one(name: str) -> FaultRow:
        try:
            return compare_one(name)
        except Exception as exc:  # one broken fault must not lose the other figures
            print(f"  {name}: not compared ({type(exc).__name__}: {exc})", flush=True)
            declared = tuple(FAULTS[name].requirements) if name in FAULTS else ()
            return FaultRow(name, declared, False, False, None, False, 0, [], error=str(exc))

    def compare_one(name: str) -> FaultRow:
        outcome = run_suite(ours_dir, fault=name, profile="quick")
        results_path = ours_dir / name / "results.json"
        requests = None
        if results_path.exists():
            requests = json.loads(results_path.read_text(encoding="utf-8")).get("requests_sent")
        faulty = run_cli(workdir, clean.phases, clean.max_examples, fault=name, timeout=timeout)
        new = sorted(faulty.signatures - clean.signatures)
        declared = tuple(FAULTS[name].requirements)
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


# --- report --------------------------------------------------------------------------------------


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
    slow = figures.get("rate_limited")
    if slow:
        rows.append(
            (
                "60 req/min: wall / floor",
                _fmt(slow["floor_ratio"], "x", 2),
                f"<= {GOAL_FLOOR_RATIO}x",
                verdict(slow["floor_ratio"], GOAL_FLOOR_RATIO, at_most=True),
            )
        )
        hit = len(slow["run"]["checks_hit_by_429"])
        rows.append(
            (
                "60 req/min: failures with a 429",
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
        f"\n{'run':<18}{'wall s':>8}{'pytest s':>10}{'requests':>10}{'exit':>6}"
        f"{'max RSS MB':>12}{'tree RSS MB':>13}"
    )
    for label, run in figures.get("runs", {}).items():
        m = run["measured"]
        print(
            f"{label:<18}{m['wall_s']:>8.1f}{_fmt(run['duration_s']):>10}"
            f"{run['requests'] if run['requests'] is not None else '-':>10}"
            f"{m['exit_code'] if m['exit_code'] is not None else 'TIMEOUT':>6}"
            f"{_fmt(m['max_rss_kb'] and m['max_rss_kb'] / 1024):>12}"
            f"{_fmt(m['tree_peak_rss_kb'] and m['tree_peak_rss_kb'] / 1024):>13}"
        )
    slow = figures.get("rate_limited")
    if slow:
        run = slow["run"]
        print(
            f"\nstandard at 60 req/min: {run['measured']['wall_s']:.0f} s for {run['requests']} "
            f"requests; floor {slow['floor_s']:.0f} s (after the first window's burst "
            f"{slow['floor_after_burst_s']:.0f} s); ratio {_fmt(slow['floor_ratio'], 'x', 2)}; "
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


def _display(command: Sequence[str], workdir: Path) -> str:
    text = shlex.join(command).replace(str(workdir), "$BENCH_DIR").replace(str(REPO) + "/", "")
    return text.replace(sys.executable, "python")


# --- main ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/suite.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--skip-slow",
        action="store_true",
        help="skip the standard run against 60 requests/minute (takes minutes)",
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
    own = ["python", "benchmarks/suite.py", *(sys.argv[1:] if __name__ == "__main__" else [])]
    figures["commands"].append(shlex.join(own))
    if not args.skip_profiles:
        for profile in ("quick", "standard"):
            for workers in (1, 2):
                print(f"running {profile} profile with {workers} worker(s) ...", flush=True)
                run = run_ours(workdir, profile, workers, timeout=args.timeout)
                figures["runs"][run.label] = asdict(run)
                figures["commands"].append(_display(run.measured.command, workdir))
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
                figures["commands"].append(_display(run.measured.command, workdir))
    if not args.skip_slow:
        print("running the standard profile against 60 requests/minute (minutes) ...", flush=True)
        run = run_ours(workdir, "standard", 1, rate_limit=60, timeout=args.slow_timeout)
        floor = floor_seconds(run.requests or 0, 60)
        figures["rate_limited"] = {
            "run": asdict(run),
            "floor_s": floor,
            "floor_ratio": ratio(run.measured.wall_s, floor),
            "floor_after_burst_s": floor_after_burst_seconds(run.requests or 0, 60),
            "received_429": run.statuses.get(429, 0),
        }
        figures["commands"].append(_display(run.measured.command, workdir))
    if not args.skip_peer:
        try:
            figures["peer"] = peer_baseline(args, workdir, figures)
        except Exception as exc:  # keep the figures measured so far
            figures["peer_error"] = f"{type(exc).__name__}: {exc}"
            print(f"peer baseline failed: {figures['peer_error']}", flush=True)
    return figures


def peer_baseline(args: argparse.Namespace, workdir: Path, figures: dict[str, Any]) -> dict:
    from conformance.reference.faults import FAULTS

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
    figures["commands"].append(_display(shown, workdir) + f"   # key via ${KEY_ENV} in the toml")
    peer: dict[str, Any] = {
        "ours_budget": budget,
        "cli_clean": asdict(clean),
        "calibration": [(r.phases, r.max_examples, r.requests) for r in tried],
        "faults": [],
    }
    names = args.faults.split(",") if args.faults else sorted(FAULTS)
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


if __name__ == "__main__":
    sys.exit(main())
