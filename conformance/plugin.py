"""The plane-conformance pytest plugin (entry point `plane_conformance`).

FIXTURE API (what checks in conformance/checks/ may use):

* ``target`` (session): TargetConfig — .base_url, .workspace, .project_id (or None), .profile,
  .seed, .read_only, .run_id, .prefix ("plc-<runid>-"), .areas (tuple or None = all).
* ``client`` (session): TargetClient — .request(method, path, *, params=None, json=None,
  headers=None, content=None, key=True, key_header="X-API-Key", pace=True) -> httpx.Response;
  .get/.post/.patch/.put/.delete with the same kwargs; .ws(suffix) ->
  "/api/v1/workspaces/{slug}/{suffix}"; .requests_sent; .observations (5xx and non-JSON bodies
  seen so far in this process). key=False sends no X-API-Key, key="" an empty one, key="x" that
  value (redacted in records too). pace=False neither waits nor retries a 429 (to observe one).
* ``scratch`` (session): ScratchResources — .project, .project_id, .identifier,
  .project_path(suffix), .create(path, body, *, expected=(201,)) -> dict, .name(kind) -> str,
  .forget(path). Everything created is deleted at the end of the session.
* ``writable`` (function): skips with "read-only mode" under --plane-read-only.
* ``profile`` (session): "quick" | "standard" | "full".
* ``members`` (session): list of workspace member user ids.
* ``rng`` (function): random.Random seeded from the run seed and the test id (reproducible).

SHOULD / MAY CHECKS ("soft" tests) — automatic, no helper call needed:
  A test whose ``@pytest.mark.requirement(...)`` ids are ALL of level SHOULD or MAY (per the
  catalogue) is soft. When it fails, its CheckResult says "failed" (the model turns that into a
  "warned" verdict) while pytest reports it as XFAIL ("SHOULD not met: <message>"), so the pytest
  run still exits 0. A test naming at least one MUST id is hard. So put SHOULD assertions in a
  test of their own, marked with the SHOULD id(s) only.

OUTCOMES: failed = the target answered wrongly (AssertionError, also raised by scratch.create);
error = the suite could not check (transport failure, a bug in a check, a read-only violation);
skipped = pytest.skip / the writable fixture, with the reason.

EXTRA PROPERTIES: a check contributes report data beyond its verdict by appending
``(name, [rows...])`` to ``request.node.user_properties`` (a list value). The controller
concatenates the rows of every test under ``name``: ``capabilities`` becomes
RunResult.capabilities, any other name (``schemathesis``...) RunResult.extra[name].

The plugin is inert unless conformance checks run: it activates when a path given to pytest lies
in conformance/checks/ or --plane-url is given. Then it resolves the target (flags > env >
defaults), runs the preflight once (on the xdist controller; exit code 2 with one sentence when
the target is unusable), collects one CheckResult per test through the report's
user_properties, and on the controller builds the RunResult and writes the reports.
"""

from __future__ import annotations

import contextlib
import gc
import random
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pluggy
import pytest

from conformance.target.client import ReadOnlyViolation, TargetClient
from conformance.target.config import (
    PROFILES,
    ConfigError,
    TargetConfig,
    new_run_id,
    new_seed,
    parse_areas,
    resolve_config,
)
from conformance.target.pacing import Pacer, state_path_for
from conformance.target.preflight import PreflightError, preflight
from conformance.target.results import (
    CHECK_PROPERTY,
    CheckRecord,
    area_of,
    build_run_result,
    checks_dir,
    exception_outcome,
    is_check_item,
    short_message,
    skip_reason,
    write_reports,
)
from conformance.target.scratch import ScratchResources, sweep_projects

STATE = pytest.StashKey["PlaneState"]()
RECORD = pytest.StashKey[CheckRecord]()
SOFT_LEVELS = ("SHOULD", "MAY")


class ResultSink:
    """Pass one to pytest.main(plugins=[...]) to get the RunResult back (the runner does)."""

    def __init__(self) -> None:
        self.result: Any = None


class PlaneState:
    """Everything one pytest process knows about the conformance run."""

    def __init__(self, config: pytest.Config) -> None:
        self.pytest_config = config
        self.worker_input: dict[str, Any] | None = getattr(config, "workerinput", None)
        self.is_worker = self.worker_input is not None
        self.active = self._decide_active()
        self.run_id = self._shared("plane_run_id", new_run_id)
        self.seed = self._shared("plane_seed", lambda: config.getoption("plane_seed") or new_seed())
        self._target: TargetConfig | None = None
        self._client: TargetClient | None = None
        self.scratch: ScratchResources | None = None
        self.started = time.time()
        self.checks: list[dict[str, Any]] = []  # CheckResult dicts gathered on the controller
        self.extra: dict[str, list[Any]] = {}  # rows contributed by checks (see EXTRA PROPERTIES)
        self.worker_requests = 0
        self.worker_leftovers = 0
        self.worker_waited_s = 0.0
        self.worker_paced_429s = 0
        self.run_result: Any = None
        self.report_paths: list[Path] = []

    def _shared(self, name: str, make: Any) -> Any:
        if self.worker_input is not None and name in self.worker_input:
            return self.worker_input[name]
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
            profile = option("plane_profile")
            self._target = resolve_config(
                base_url=option("plane_url"),
                api_key=option("plane_api_key"),
                workspace=option("plane_workspace"),
                project_id=option("plane_project"),
                profile=profile,
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
        return self._client

    @property
    def requests_sent(self) -> int:
        own = self._client.requests_sent if self._client else 0
        return own + self.worker_requests


def known_areas() -> tuple[str, ...]:
    from conformance.spec.catalogue import catalogue

    return tuple(dict.fromkeys(r.area for r in catalogue().values()))


def _state(config: pytest.Config) -> PlaneState:
    return config.stash[STATE]


# -- options and configuration ---------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("plane-conformance", "Plane API conformance")
    group.addoption("--plane-url", help="API base URL (env PLANE_BASE_URL)")
    group.addoption("--plane-api-key", help="API key (env PLANE_API_KEY); never printed")
    group.addoption("--plane-workspace", help="workspace slug (env PLANE_WORKSPACE_SLUG)")
    group.addoption("--plane-project", help="existing project id (default: a scratch project)")
    group.addoption("--plane-profile", choices=PROFILES, default="standard")
    group.addoption("--plane-seed", type=int, help="random seed (default: generated, printed)")
    group.addoption("--plane-read-only", action="store_true", help="send GET requests only")
    group.addoption("--plane-report-dir", help="write report.html, junit.xml, results.json here")
    group.addoption("--plane-only", help="comma-separated areas to run")
    group.addoption(
        "--plane-skip-preflight", action="store_true", help="the caller already ran the preflight"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "requirement(*ids): the requirement ids (specs/requirements.yaml) a check covers"
    )
    state = PlaneState(config)
    config.stash[STATE] = state
    config.pluginmanager.register(_Collector(state), "plane_conformance_collector")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(state), "plane_conformance_xdist")


class _XdistHooks:
    """Hooks that exist only with pytest-xdist: share run id and seed, gather worker counts."""

    def __init__(self, state: PlaneState) -> None:
        self.state = state

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["plane_run_id"] = self.state.run_id
        node.workerinput["plane_seed"] = self.state.seed
        node.workerinput["plane_active"] = self.state.active

    def pytest_testnodedown(self, node: Any, error: object) -> None:
        output = getattr(node, "workeroutput", {}) or {}
        self.state.worker_requests += int(output.get("plane_requests_sent", 0))
        self.state.worker_leftovers += int(output.get("plane_leftovers", 0))
        self.state.worker_waited_s += float(output.get("plane_waited_s", 0.0))
        self.state.worker_paced_429s += int(output.get("plane_paced_429s", 0))

    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        """Under --dist loadfile: modules per worker, "[@NAME]" groups apart and first."""
        if not self.state.active or config.getvalue("dist") != "loadfile":
            return None
        from conformance.xdist_scheduling import FileAndGroupScheduling

        return FileAndGroupScheduling(config, log)


def pytest_sessionstart(session: pytest.Session) -> None:
    state = _state(session.config)
    if not state.active or state.is_worker:
        return
    try:
        target = state.target()
    except ConfigError as problem:
        pytest.exit(f"plane-conformance: {problem}", returncode=2)
    if session.config.getoption("plane_skip_preflight"):
        return
    try:
        preflight(state.client(), target)
    except PreflightError as problem:
        pytest.exit(f"plane-conformance: {problem}", returncode=2)


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = _state(config)
    if not state.active or state.is_worker:
        return []
    with contextlib.suppress(ConfigError):
        target = state.target()
        return [
            f"plane-conformance: target {target.base_url}, workspace {target.workspace}, "
            f"profile {target.profile}, seed {target.seed}, run {target.run_id}"
        ]
    return []


# -- collection --------------------------------------------------------------------------------


def _requirement_ids(item: pytest.Item) -> list[str]:
    ids: list[str] = []
    for mark in item.iter_markers("requirement"):
        ids += [str(i) for i in mark.args]
    return list(dict.fromkeys(ids))


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    from conformance.spec.catalogue import catalogue

    known = catalogue()
    checks = [item for item in items if is_check_item(item)]
    for item in checks:
        ids = _requirement_ids(item)
        if not ids:
            raise pytest.UsageError(
                f"{item.nodeid}: every conformance check needs @pytest.mark.requirement(...)"
            )
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: unknown requirement id {unknown[0]}")
        levels = {known[i].level for i in ids}
        item.stash[RECORD] = CheckRecord(
            requirements=ids,
            area=area_of(item),
            soft=levels <= set(SOFT_LEVELS),
            expected=(getattr(item, "obj", None).__doc__ or "").strip().split("\n")[0]
            if getattr(item, "obj", None)
            else "",
        )
    state = _state(config)
    if not checks or not state.active:
        return
    try:
        areas = state.target().areas
    except ConfigError as problem:
        raise pytest.UsageError(f"plane-conformance: {problem}") from None
    if areas:
        keep = [i for i in items if RECORD not in i.stash or i.stash[RECORD].area in areas]
        dropped = [i for i in items if i not in keep]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = keep


# -- outcomes ----------------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    record = item.stash.get(RECORD, None)
    if record is None:
        return
    record.duration_s += report.duration
    if report.when in ("setup", "call") and record.outcome == "passed":
        if report.skipped and not hasattr(report, "wasxfail"):
            record.outcome, record.message = "skipped", skip_reason(report)
        elif report.failed and call.excinfo is not None:
            record.outcome = exception_outcome(call.excinfo.value)
            record.message = short_message(call.excinfo)
            if record.soft and record.outcome == "failed":
                # A SHOULD not met is a warning, not a failure of the pytest run.
                report.outcome = "skipped"
                report.wasxfail = f"SHOULD not met: {record.message}"
    if report.when == "teardown":
        if report.failed and call.excinfo is not None and record.outcome in ("passed", "skipped"):
            record.outcome, record.message = "error", short_message(call.excinfo)
        state = _state(item.config)
        exchanges = state._client.recorder.take() if state._client else []
        result = record.to_result(item.nodeid, item.name, exchanges)
        report.user_properties.append((CHECK_PROPERTY, result))


class _Collector:
    """Gathers the CheckResult dicts from test reports, on the controller or single process.

    Under xdist the reports arrive from the workers with their user_properties intact.
    """

    def __init__(self, state: PlaneState) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown" or self.state.is_worker:
            return
        for name, value in report.user_properties:
            if name == CHECK_PROPERTY and isinstance(value, dict):
                self.state.checks.append(value)
            elif isinstance(value, list):
                # Any other list-valued property is report data contributed by a check:
                # "capabilities" rows, "schemathesis" findings... (see EXTRA PROPERTIES above).
                self.state.extra.setdefault(name, []).extend(value)


def pytest_collection_finish(session: pytest.Session) -> None:
    if _state(session.config).active:
        _freeze_heap()


def _freeze_heap() -> None:
    """Move every object alive now out of the cyclic garbage collector's sight.

    A check process holds large, long-lived structures (the specs, schemathesis and hypothesis
    state) that every full collection walks again: during the run, at pytest's exit-time sweeps
    and at interpreter shutdown (0.3-0.5 s per process, measured). Frozen objects are still freed
    by reference counting; only cycles among them live until the process ends, which is soon.
    Done only in a conformance run, never in a user's own pytest session.
    """
    gc.freeze()


# -- session end -------------------------------------------------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _state(session.config)
    if not state.active:
        return
    _freeze_heap()
    leftovers = state.scratch.cleanup() if state.scratch else 0
    if state.is_worker:
        output = session.config.workeroutput  # type: ignore[attr-defined]
        output["plane_requests_sent"] = state.requests_sent
        output["plane_leftovers"] = leftovers
        pacer = state._client.pacer if state._client else None
        output["plane_waited_s"] = pacer.waited_s if pacer else 0.0
        output["plane_paced_429s"] = state._client.paced_429s if state._client else 0
        return
    if state._target is None:  # configuration failed: nothing ran
        return
    swept_left = 0
    if state.checks and not state.target().read_only:
        with contextlib.suppress(httpx.HTTPError, ReadOnlyViolation):
            swept_left = sweep_projects(state.client(), state.target())
    state.run_result = build_run_result(
        state.target(),
        checks=state.checks,
        started=state.started,
        requests_sent=state.requests_sent,
        leftovers=leftovers + state.worker_leftovers + swept_left,
        extra={**state.extra, **_pacing_figures(state)},
    )
    report_dir = session.config.getoption("plane_report_dir")
    if report_dir:
        secrets = [state.target().api_key]
        state.report_paths = write_reports(state.run_result, Path(report_dir), secrets=secrets)
    for plugin in session.config.pluginmanager.get_plugins():
        if isinstance(plugin, ResultSink):
            plugin.result = state.run_result


def _pacing_figures(state: PlaneState) -> dict[str, Any]:
    """How long the pacer waited, and the 429s it did not prevent, over every process."""
    client = state._client
    waited = (client.pacer.waited_s if client and client.pacer else 0.0) + state.worker_waited_s
    paced_429s = (client.paced_429s if client else 0) + state.worker_paced_429s
    return {"pacer_waited_s": round(waited, 2), "paced_429s": paced_429s}


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = _state(config)
    if not state.active or state.is_worker or state.run_result is None:
        return
    result = state.run_result
    counts = ", ".join(f"{n} {status}" for status, n in result.summary.items() if n)
    terminalreporter.write_line(
        f"plane-conformance: {result.requests_sent} requests sent to {result.target}; "
        f"requirements: {counts}; leftovers: {result.leftovers}; seed {result.seed}"
    )
    for path in state.report_paths:
        terminalreporter.write_line(f"plane-conformance: wrote {path}")


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None and state._client is not None:
        state._client.close()


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> TargetConfig:
    try:
        return _state(pytestconfig).target()
    except ConfigError as problem:
        pytest.exit(f"plane-conformance: {problem}", returncode=2)


@pytest.fixture(scope="session")
def client(pytestconfig: pytest.Config, target: TargetConfig) -> TargetClient:
    return _state(pytestconfig).client()


@pytest.fixture(scope="session")
def scratch(
    pytestconfig: pytest.Config, client: TargetClient, target: TargetConfig
) -> Iterator[ScratchResources]:
    state = _state(pytestconfig)
    if state.scratch is None:
        state.scratch = ScratchResources(client, target)
    try:
        yield state.scratch
    finally:
        state.scratch.cleanup()


@pytest.fixture
def writable(target: TargetConfig) -> None:
    if target.read_only:
        pytest.skip("read-only mode")


@pytest.fixture(scope="session")
def profile(target: TargetConfig) -> str:
    return target.profile


@pytest.fixture(scope="session")
def members(client: TargetClient) -> list[str]:
    response = client.get(client.ws("members/"))
    if response.status_code != 200:
        pytest.skip(
            f"workspace members are not listed (GET members/ answered {response.status_code})"
        )
    data = response.json()
    rows = data.get("results", []) if isinstance(data, dict) else data
    ids: list[str] = []
    for row in rows:
        member = row.get("member", row) if isinstance(row, dict) else row
        ident = member.get("id") if isinstance(member, dict) else member
        if ident:
            ids.append(str(ident))
    return ids


@pytest.fixture
def rng(target: TargetConfig, request: pytest.FixtureRequest) -> random.Random:
    return random.Random(f"{target.seed}:{request.node.nodeid}")
