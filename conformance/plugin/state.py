"""What one pytest process knows about the conformance run, kept in the pytest config's stash.

The run's configuration is resolved once and only then handed on: by the runner (a `RunLink` it
passes to `pytest.main`), or, when pytest is run directly (`pytest --pyargs conformance.checks
--plane-url ...`), by the controller from the plugin's options; an xdist worker takes the
controller's from its `workerinput` (`wire.WorkerInput`) and never resolves it again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conformance.interrupts import Stop, process_stop
from conformance.options import declare, given_in, option, options_of, resolve
from conformance.plugin.results import PlannedCheck, checks_dir
from conformance.plugin.wire import KEY, ItemOutcome, WorkerInput, WorkerReport
from conformance.report.model import CheckResult, JsonObject, RunResult
from conformance.target.client import TargetClient, client_for
from conformance.target.config import TargetConfig, resolve_config
from conformance.target.ledger import LedgerRow
from conformance.target.routes import RouteMap
from conformance.target.scratch import ScratchResources


@dataclass(frozen=True, kw_only=True)
class PluginOptions:
    """The options only the pytest plugin has (the runner does both itself)."""

    report_dir: str | None = field(
        default=None,
        metadata=declare(
            option(
                pytest_flag="--plane-report-dir", name="report_dir", metavar="DIR",
                help="write report.html, junit.xml, results.json here",
            )
        ),
    )  # fmt: skip
    skip_preflight: bool = field(
        default=False,
        metadata=declare(
            option(
                pytest_flag="--plane-skip-preflight", name="skip_preflight", kind="switch",
                help="the caller already ran the preflight",
            )
        ),
    )  # fmt: skip


class RunLink:
    """What the runner and the plugin hand each other inside one process; pass one to
    `pytest.main(plugins=[...])`. In: the configuration the runner resolved (and preflighted).
    Out: the RunResult. With a link the plugin writes no report and prints no summary: the
    runner does, once, after the baseline and the shapes comparison."""

    def __init__(self, config: TargetConfig, timeline: dict[str, float] | None = None) -> None:
        self.config = config
        self.timeline = timeline if timeline is not None else {}  # the run's phases (epoch s)
        self.result: RunResult | None = None


class PlaneState:
    """Everything one pytest process knows about the conformance run."""

    def __init__(self, config: pytest.Config) -> None:
        self.pytest_config = config
        received = getattr(config, "workerinput", None)
        self.is_worker = received is not None
        plugins = config.pluginmanager.get_plugins()
        self.link = next((p for p in plugins if isinstance(p, RunLink)), None)
        handed = WorkerInput.from_wire(received[KEY]) if received and KEY in received else None
        self._target = handed.config if handed else (self.link.config if self.link else None)
        self.active = handed.active if handed else self._decide_active()
        self.options = resolve(
            PluginOptions, given_in(config.option, options_of(PluginOptions), pytest=True), {}
        )
        self._client: TargetClient | None = None
        # The spellings this target routes: discovered once per run by the controller (or the
        # single process), handed to the workers in their workerinput.
        self.routes: RouteMap | None = handed.routes if handed else None
        self.scratch: ScratchResources | None = None
        self.started = time.time()
        # Gathered on the controller (or the single process): every test's outcome, the ledger
        # rows of every process, the report sections checks contributed, the workers' counts.
        self.checks: list[CheckResult] = []
        self.ledger: list[LedgerRow] = []
        self.sections: dict[str, list[JsonObject]] = {}
        self.workers = WorkerReport()
        self.aborted = ""  # why the run stopped without a verdict (the target was lost)
        self.run_result: RunResult | None = None
        self.report_paths: list[Path] = []
        # Stopping when told (conformance.interrupts, plugin.stopping): this process's requests.
        self.stop: Stop = process_stop()
        self.owns_signals = False  # the plugin installed the handlers (pytest run directly)
        self.session: pytest.Session | None = None
        # The checks this run was to run (from the collection: this process's, or a worker's),
        # what a run cut short reports as not run.
        self.planned: dict[str, PlannedCheck] = {}
        self.left_behind: list[str] = []  # cleanup abandoned at a second request: what is left
        self.timeline: dict[str, float] = self.link.timeline if self.link else {}

    def _decide_active(self) -> bool:
        config = self.pytest_config
        if config.getoption("plane_url", None):
            return True
        root = checks_dir()
        for arg in config.args:
            path = Path(str(arg).split("::")[0]).resolve()
            if path == root or root in path.parents:
                return True
        return False

    @property
    def skips_preflight(self) -> bool:
        return self.link is not None or self.options.skip_preflight

    @property
    def report_dir(self) -> Path | None:
        """Where the plugin writes the reports itself (never under the runner, which does)."""
        wanted = self.options.report_dir
        return Path(wanted) if wanted and self.link is None else None

    def target(self) -> TargetConfig:
        """The run's configuration; resolved here only when pytest runs the checks directly."""
        if self._target is None:
            given = given_in(self.pytest_config.option, options_of(TargetConfig), pytest=True)
            self._target = resolve_config(given, pytest=True)
        return self._target

    def settle(self, config: TargetConfig) -> None:
        """The configuration completed on the controller before the checks (the token's
        scopes found): it replaces the resolved one, and the client is made anew from it."""
        self._target = config
        if self._client is not None:
            self._client.close()
            self._client = None

    def resolved(self) -> TargetConfig | None:
        """The configuration, if it has been resolved (None before, or when it cannot be)."""
        return self._target

    def client(self) -> TargetClient:
        if self._client is None:
            self._client = client_for(self.target())
            if self.routes is not None:
                self._client.routes = self.routes
        return self._client

    def adopt_routes(self, routes: RouteMap) -> None:
        """The discovered route map, for this process's client and the workers to come."""
        self.routes = routes
        self.client().routes = routes

    @property
    def has_client(self) -> bool:
        return self._client is not None

    def worker_input(self) -> WorkerInput:
        try:
            return WorkerInput(self.active, self.target() if self.active else None, self.routes)
        except ValueError:  # the controller says why, once
            return WorkerInput(self.active, None)

    def add(self, outcome: ItemOutcome) -> None:
        """One test's outcome, arrived from this process or a worker."""
        self.checks.append(outcome.check)
        self.ledger.extend(outcome.ledger)
        for name, rows in outcome.sections.items():
            self.sections.setdefault(name, []).extend(rows)

    def mark(self, phase: str) -> None:
        """When a phase of the run began (results.json extra.timeline)."""
        self.timeline.setdefault(phase, round(time.time(), 3))

    def add_worker(self, report: WorkerReport) -> None:
        self.ledger.extend(report.ledger)
        self.planned.update((check.nodeid, check) for check in report.planned)
        self.left_behind.extend(report.left_behind)
        self.workers.requests_sent += report.requests_sent
        self.workers.leftovers += report.leftovers
        self.workers.waited_s += report.waited_s
        self.workers.paced_429s += report.paced_429s

    @property
    def requests_sent(self) -> int:
        own = self._client.requests_sent if self._client else 0
        return own + self.workers.requests_sent


STATE = pytest.StashKey[PlaneState]()


def state_of(config: pytest.Config) -> PlaneState:
    return config.stash[STATE]
