"""A stop request at every phase of a run, on the embedded and on an external target.

Each run is stopped on an event, never after a sleep: the reference server itself sends the
signal when a chosen request arrives, before it answers it (tests/reference/signal_trap), so the
run is waiting for that very answer, in the phase that request belongs to, however busy the
machine. The report phase is held the same way: report.html is a FIFO, which the run writes first
and which this test reads only once it has sent the signal.

Every interrupted run must: exit 130 (SIGTERM: 143), say "interrupted" in results.json and on
stderr, show what never ran as *not run*, leave nothing on the target (the projects listed on the
external server; on the embedded one, the journal's creates and deletes), and end within 5 s of
its cleanup (the run's own timeline against the mtime of the results.json it writes last).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.exit_codes import EXIT_INTERRUPTED, EXIT_TERMINATED
from conformance.reference.launcher import RunningServer, start_reference_server

TRAP = Path(__file__).resolve().parent / "signal_trap"
CAMPAIGN = "x-schemathesis-testcaseid"  # the header schemathesis puts on the cases it generates
PROJECT = r"^/api/v1/workspaces/[^/]+/projects/[0-9a-f-]+/$"
PROJECTS = r"^/api/v1/workspaces/[^/]+/projects/$"
PROMPT_S = 5.0  # from the end of cleanup to the last report written

# The phases, each with the request that marks it (the signal comes while the run waits for it).
PREFLIGHT = {"method": "GET", "path": r"^/api/v1/users/me/$", "nth": 1}
SETUP = {"method": "POST", "path": PROJECTS, "nth": 1}  # the scratch project's create
CHECKS = {"path": r"^/api/v1/", "without_header": CAMPAIGN, "nth": 60}
CAMPAIGN_CASE = {"path": r"^/api/v1/", "header": CAMPAIGN, "nth": 15}
CLEANUP = {"method": "DELETE", "path": PROJECT, "without_header": CAMPAIGN, "nth": 1}


@dataclass
class Run:
    code: int
    output: str
    results: dict[str, Any]
    journal: list[dict[str, Any]]
    left_on_target: list[str] = field(default_factory=list)  # scratch projects still there
    mtime: float = 0.0  # of results.json, the last report written

    @property
    def statuses(self) -> set[str]:
        return {verdict["status"] for verdict in self.results["requirements"]}

    @property
    def timeline(self) -> dict[str, float]:
        return dict(self.results["extra"].get("timeline", {}))


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    old = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _trap_environment(
    tmp_path: Path, rules: Sequence[dict[str, Any]], group: bool
) -> dict[str, str]:
    trap = {
        "journal": str(tmp_path / "journal.jsonl"),
        "target": str(tmp_path / "run.pid"),
        "group": group,
        "rules": list(rules),
    }
    python_path = os.pathsep.join(p for p in (str(TRAP), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": python_path, "PLC_SIGNAL_TRAP": json.dumps(trap)}


def _journal(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _left_in_journal(journal: list[dict[str, Any]]) -> list[str]:
    """Projects the run created and did not delete, as the server saw it."""
    created = [row["created"] for row in journal if row.get("created")]
    deleted = {
        row["path"].rstrip("/").rsplit("/", 1)[-1]
        for row in journal
        if row["method"] == "DELETE"
        and re.match(PROJECT, row["path"])
        and row["status"] in (204, 404)
    }
    return [project for project in created if project not in deleted]


def _projects_on(server: RunningServer) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{server.base_url}/api/v1/workspaces/{server.workspace}/projects/",
        headers={"X-API-Key": server.api_key},
        params={"per_page": 100},
    )
    return list(answer.json()["results"])


def interrupted_run(
    tmp_path: Path,
    rules: Sequence[dict[str, Any]],
    *,
    external: bool,
    group: bool = False,
    options: Sequence[str] = (),
    report_fifo: bool = False,
    project: bool = False,
) -> Run:
    """`plane-conformance run` in a session of its own (a group signal is the run's, never this
    test's), stopped by the server at the request `rules` name. External: a reference server
    started here with the launcher; else the run's embedded one."""
    report_dir = tmp_path / "reports"
    report_dir.mkdir()
    environment = _trap_environment(tmp_path, rules, group)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANE_")} | environment
    command = [sys.executable, "-m", "conformance", "run", "--profile", "quick", "--seed", "1",
               "--report-dir", str(report_dir), *options]  # fmt: skip
    with contextlib.ExitStack() as stack:
        server = None
        if external:
            with _environment(**environment):  # the launcher hands its environment on
                server = stack.enter_context(start_reference_server())
            command += ["--target", server.base_url, "--workspace", server.workspace]
            env["PLANE_API_KEY"] = server.api_key
            if project:
                made = httpx.post(
                    f"{server.base_url}/api/v1/workspaces/{server.workspace}/projects/",
                    json={"name": "Given", "identifier": "GIVEN"},
                    headers={"X-API-Key": server.api_key},
                ).json()
                command += ["--project", made["id"]]
        reader = _FifoReader(report_dir / "report.html", tmp_path) if report_fifo else None
        run = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        (tmp_path / "run.pid").write_text(str(run.pid))
        if reader is not None:
            reader.start(run.pid)
        output, _ = run.communicate(timeout=900)  # a bound for a hung run, never a pace
        journal = _journal(tmp_path)
        left = _left_in_journal(journal)
        if server is not None:
            names = {p["id"]: p["name"] for p in _projects_on(server)}
            left = [name for name in names.values() if name.startswith("plc ")]
    results_path = report_dir / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    mtime = results_path.stat().st_mtime if results_path.exists() else 0.0
    return Run(run.returncode, output, results, journal, left, mtime)


class _FifoReader:
    """report.html as a FIFO: the run's report writing waits in its first open until this
    reader, having sent the signal, reads it (and again for the reports written anew)."""

    def __init__(self, path: Path, tmp_path: Path) -> None:
        os.mkfifo(path)
        self.path = path
        self.contents: list[str] = []
        self.thread: threading.Thread | None = None

    def start(self, pid: int) -> None:
        def read() -> None:
            for turn in range(2):
                with self.path.open(encoding="utf-8") as fifo:  # the run opened it to write
                    if turn == 0:
                        os.kill(pid, __import__("signal").SIGINT)
                    self.contents.append(fifo.read())

        self.thread = threading.Thread(target=read, daemon=True)
        self.thread.start()


def assert_stopped(run: Run, *, code: int = EXIT_INTERRUPTED, signal: str = "SIGINT") -> None:
    assert run.code == code, run.output[-2000:]
    assert run.results["completion"] == "interrupted", run.results.get("completion_reason")
    assert run.results["signal"] == signal
    assert "interrupted" in run.results["verdict"]["headline"]
    assert "No verdict: the run was interrupted" in run.output
    assert "the target stopped answering" not in run.output
    assert run.left_on_target == [], f"left on the target: {run.left_on_target}"
    assert run.results["leftovers"] == 0
    cleaned = run.timeline.get("cleaned up")
    if cleaned is not None:  # a run stopped before its check session has no cleanup
        assert run.mtime - cleaned <= PROMPT_S, f"{run.mtime - cleaned:.1f} s after cleanup"


TARGETS = [pytest.param(False, id="embedded"), pytest.param(True, id="external")]


@pytest.mark.parametrize("external", TARGETS)
def test_a_stop_in_the_preflight_leaves_everything_not_run(tmp_path: Path, external: bool) -> None:
    run = interrupted_run(tmp_path, [{**PREFLIGHT, "signals": ["SIGINT"]}], external=external)
    assert_stopped(run)
    assert run.statuses <= {"not_run", "not_selected"} and "not_run" in run.statuses
    assert not [row for row in run.journal if row["method"] != "GET"], "nothing was created"


@pytest.mark.parametrize("external", TARGETS)
def test_a_group_stop_during_setup_removes_the_half_made_project(
    tmp_path: Path, external: bool
) -> None:
    """The signal comes while the scratch project's create is answered: the project exists on
    the server, the run never saw its id; the final sweep (by the run's name prefix) deletes it.
    Sent to the whole process group, as a terminal's Ctrl-C: the embedded server, in a session
    of its own, keeps answering (the run is interrupted, not aborted). Pagination's checks all
    need the scratch project: its create is the run's first write, before any check passed."""
    run = interrupted_run(
        tmp_path,
        [{**SETUP, "signals": ["SIGINT"]}],
        external=external,
        group=True,
        options=["--only", "pagination"],
    )
    assert_stopped(run)
    assert any(row.get("created") for row in run.journal), "the project was created"
    assert "not_run" in run.statuses and "passed" not in run.statuses


@pytest.mark.parametrize("external", TARGETS)
def test_a_stop_during_the_checks(tmp_path: Path, external: bool) -> None:
    run = interrupted_run(tmp_path, [{**CHECKS, "signals": ["SIGINT"]}], external=external)
    assert_stopped(run)
    assert {"passed", "not_run"} <= run.statuses
    not_run = [c for c in run.results["checks"] if c["outcome"] == "not_run"]
    assert not_run and all(
        c["message"].startswith("not run: the run was interrupted") for c in not_run
    )


@pytest.mark.parametrize("external", TARGETS)
def test_sigterm_during_the_schema_campaign(tmp_path: Path, external: bool) -> None:
    """A CI job cancelled while schemathesis and hypothesis run a case: 143, not run after."""
    rules = [{**CAMPAIGN_CASE, "signals": ["SIGTERM"]}]
    run = interrupted_run(tmp_path, rules, external=external, options=["--only", "schema"])
    assert_stopped(run, code=EXIT_TERMINATED, signal="SIGTERM")
    schema = [v for v in run.results["requirements"] if v["area"] == "schema"]
    assert any(v["status"] == "not_run" for v in schema)


@pytest.mark.parametrize("external", TARGETS)
def test_a_stop_during_cleanup_lets_cleanup_finish(tmp_path: Path, external: bool) -> None:
    rules = [{**CLEANUP, "signals": ["SIGINT"]}]
    run = interrupted_run(tmp_path, rules, external=external, options=["--only", "pagination"])
    assert_stopped(run)
    assert "while it cleaned up" in run.results["completion_reason"]
    assert "not_run" not in run.statuses  # every check had run


@pytest.mark.parametrize("external", TARGETS)
def test_a_group_stop_with_two_workers(tmp_path: Path, external: bool) -> None:
    """The workers ignore the group's signal; the controller hands it on, they stop, clean up
    and report (xdist would otherwise kill them mid-cleanup, or replace them as crashed)."""
    run = interrupted_run(
        tmp_path,
        [{**CHECKS, "signals": ["SIGINT"]}],
        external=external,
        group=True,
        options=["--workers", "2", "--only", "status,pagination,resources,auth"],
    )
    assert_stopped(run)
    assert {"passed", "not_run"} <= run.statuses


def test_sigterm_to_the_process_with_two_workers(tmp_path: Path) -> None:
    run = interrupted_run(
        tmp_path,
        [{**CHECKS, "signals": ["SIGTERM"]}],
        external=True,
        options=["--workers", "2", "--only", "status,pagination,resources,auth"],
    )
    assert_stopped(run, code=EXIT_TERMINATED, signal="SIGTERM")


def test_a_second_stop_abandons_cleanup_and_says_what_is_left(tmp_path: Path) -> None:
    """In a given project (--project) every scratch object is deleted one by one: the first
    Ctrl-C comes at the first delete (cleanup goes on), the second at the next one (cleanup
    stops there, and the run names what it left)."""
    rules = [{"method": "DELETE", "path": r"^/api/v1/", "nth": 1, "signals": ["SIGINT", "SIGINT"]}]
    run = interrupted_run(
        tmp_path, rules, external=True, project=True, options=["--only", "resources"]
    )
    assert run.code == EXIT_INTERRUPTED, run.output[-2000:]
    reason = run.results["completion_reason"]
    assert "cleanup was abandoned at a second interrupt" in reason
    left = int(re.search(r"(\d+) scratch objects left", reason).group(1))  # type: ignore[union-attr]
    assert left >= 1 and run.results["leftovers"] == left
    assert "/api/v1/workspaces/" in reason  # the objects are named
    deletes = [row for row in run.journal if row["method"] == "DELETE"]
    assert len(deletes) == 2, "cleanup stopped at the second delete"


@pytest.mark.parametrize("external", TARGETS)
def test_a_stop_while_the_reports_are_written_marks_them_interrupted(
    tmp_path: Path, external: bool
) -> None:
    run = interrupted_run(
        tmp_path, [], external=external, options=["--only", "auth"], report_fifo=True
    )
    assert run.code == EXIT_INTERRUPTED, run.output[-2000:]
    assert run.results["completion"] == "interrupted"
    assert "while the reports were written" in run.results["completion_reason"]
    assert "not_run" not in run.statuses
