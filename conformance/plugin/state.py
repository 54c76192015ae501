"""What one pytest process knows about the conformance run, kept in the pytest config's stash."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from conformance.plugin.results import checks_dir
from conformance.report.model import RunResult
from conformance.spec.catalogue import known_areas
from conformance.target.client import TargetClient
from conformance.target.config import (
    TargetConfig,
    new_run_id,
    new_seed,
    parse_areas,
    resolve_config,
)
from conformance.target.pacing import Pacer, state_path_for
from conformance.target.routes import RouteMap
from conformance.target.scratch import ScratchResources

T = TypeVar("T")


class ResultSink:
    """Pass one to pytest.main(plugins=[...]) to get the RunResult back (the runner does)."""

    def __init__(self) -> None:
        self.result: RunResult | None = None


class PlaneState:
    """Everything one pytest process knows about the conformance run."""

    def __init__(self, config: pytest.Config) -> None:
        self.pytest_config = config
        self.worker_input: dict[str, Any] | None = getattr(config, "workerinput", None)
        self.is_worker = self.worker_input is not None
        self.active = self._decide_active()
        self.run_id = self._shared("plane_run_id", new_run_id)
        self.seed = self._shared(
            "plane_seed", lambda: int(config.getoption("plane_seed") or new_seed())
        )
        self._target: TargetConfig | None = None
        self._client: TargetClient | None = None
        # The spellings this target routes: discovered once per run by the controller (or the
        # single process), handed to the workers in their workerinput.
        shared_routes = (self.worker_input or {}).get("plane_routes")
        self.routes: RouteMap | None = RouteMap.from_dict(shared_routes) if shared_routes else None
        self.scratch: ScratchResources | None = None
        self.started = time.time()
        self.checks: list[dict[str, Any]] = []  # CheckResult dicts gathered on the controller
        self.extra: dict[str, list[Any]] = {}  # rows contributed by checks (see EXTRA PROPERTIES)
        self.worker_requests = 0
        self.worker_leftovers = 0
        self.worker_waited_s = 0.0
        self.worker_paced_429s = 0
        self.ledger: list[dict[str, Any]] = []  # response rows of every process (controller)
        self.aborted = ""  # why the run stopped without a verdict (the target was lost)
        self.run_result: RunResult | None = None
        self.report_paths: list[Path] = []

    def _shared(self, name: str, make: Callable[[], T]) -> T:
        """The controller's value under xdist (sent in workerinput), else a new one."""
        if self.worker_input is not None and name in self.worker_input:
            value: T = self.worker_input[name]
            return value
        return make()

    def _decide_active(self) -> bool:
        if self.worker_input is not None:
            return bool(self.worker_input.get("plane_active"))
        config = self.pytest_config
        if config.getoption("plane_url"):
            return True
        root = checks_dir()
        for arg in config.args:
            path = Path(str(arg).split("::")[0]).resolve()
            if path == root or root in path.parents:
                return True
        return False

    def target(self) -> TargetConfig:
        if self._target is None:
            option = self.pytest_config.getoption
            self._target = resolve_config(
                base_url=option("plane_url"),
                api_key=option("plane_api_key"),
                workspace=option("plane_workspace"),
                project_id=option("plane_project"),
                profile=option("plane_profile"),
                seed=self.seed,
                read_only=bool(option("plane_read_only")),
                run_id=self.run_id,
                areas=parse_areas(option("plane_only"), known_areas()),
            )
        return self._target

    def client(self) -> TargetClient:
        if self._client is None:
            target = self.target()
            self._client = TargetClient(
                target.base_url,
                target.api_key,
                target.workspace,
                pacer=Pacer(state_path_for(target.base_url, target.api_key)),
                read_only=target.read_only,
            )
            if self.routes is not None:
                self._client.routes = self.routes
        return self._client

    def adopt_routes(self, routes: RouteMap) -> None:
        """The discovered route map, for this process's client and the workers to come."""
        self.routes = routes
        self.client().routes = routes

    @property
    def requests_sent(self) -> int:
        own = self._client.requests_sent if self._client else 0
        return own + self.worker_requests


STATE = pytest.StashKey[PlaneState]()


def state_of(config: pytest.Config) -> PlaneState:
    return config.stash[STATE]
