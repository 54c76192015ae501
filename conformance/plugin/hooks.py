"""The plugin's hooks: options, activation, collection, outcomes, and the run's end.

The plugin is inert unless conformance checks run: it activates when a path given to pytest lies
in conformance/checks/ or --plane-url is given. Then it resolves the target (flags > env >
defaults), runs the preflight once (on the xdist controller; exit code 2 with one sentence when
the target is unusable), collects one CheckResult per test through the report's
user_properties, and on the controller builds the RunResult and writes the reports.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Generator

import httpx
import pluggy
import pytest

from conformance.credentials import BearerToken
from conformance.exit_codes import EXIT_UNUSABLE
from conformance.interrupts import Mode
from conformance.options import add_arguments, options_of
from conformance.outcomes import Units, outcome_kind
from conformance.plugin.refused_steps import PROPERTY as REFUSED_STEPS
from conformance.plugin.refused_steps import REQUIREMENT as REFUSED_REQUIREMENT
from conformance.plugin.refused_steps import refused_steps_check
from conformance.plugin.results import (
    CheckRecord,
    PlannedCheck,
    area_of,
    build_run_result,
    clean_text,
    exception_outcome,
    is_check_item,
    short_message,
    skip_reason,
)
from conformance.plugin.run_wide import RUN_WIDE, run_wide_checks
from conformance.plugin.state import STATE, PlaneState, PluginOptions, state_of
from conformance.plugin.stopping import STOPPED, take_signals
from conformance.plugin.wire import KEY, ItemOutcome, WorkerReport
from conformance.report import write_all
from conformance.report.model import CONTRIBUTED, CheckResult, Completion, JsonObject
from conformance.spec.catalogue import catalogue
from conformance.target.client import LOST, ReadOnlyViolation
from conformance.target.config import ConfigError, TargetConfig
from conformance.target.counting import discover_counting
from conformance.target.ledger import LedgerRow
from conformance.target.pacing import remove_state, state_path_for
from conformance.target.preflight import ME_PATH, PreflightError, preflight
from conformance.target.routes import discover_routes
from conformance.target.scratch import sweep_projects
from conformance.target.tokens import discover_scopes

RECORD = pytest.StashKey[CheckRecord]()
UNITS = pytest.StashKey[Units]()
SOFT_LEVELS = ("SHOULD", "MAY")


# -- options and configuration ---------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    """The run's options under their pytest spellings (`--plane-url`...), from the one table."""
    group = parser.getgroup("plane-conformance", "Plane API conformance")
    add_arguments(group, options_of(TargetConfig), pytest=True)
    add_arguments(group, options_of(PluginOptions), pytest=True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "requirement(*ids): the requirement ids (specs/requirements.yaml) a check covers"
    )
    state = PlaneState(config)
    config.stash[STATE] = state
    if state.active:
        take_signals(state, config)
    config.pluginmanager.register(_Collector(state, config), "plane_conformance_collector")
    if config.pluginmanager.hasplugin("xdist"):
        from conformance.plugin.xdist import XdistHooks

        config.pluginmanager.register(XdistHooks(state), "plane_conformance_xdist")


def pytest_sessionstart(session: pytest.Session) -> None:
    state = state_of(session.config)
    if not state.active or state.is_worker:
        return
    try:
        target = state.target()
    except ConfigError as problem:
        pytest.exit(f"plane-conformance: {problem}", returncode=EXIT_UNUSABLE)
    if not state.skips_preflight:
        try:
            preflight(state.client(), target)
        except PreflightError as problem:
            pytest.exit(f"plane-conformance: {problem}", returncode=EXIT_UNUSABLE)
    _discover_routes(state)
    _discover_counting(state)
    if (
        not state.skips_preflight
        and isinstance(target.credential, BearerToken)
        and target.outside_scopes is None
    ):  # what the token may do, found out once (through the routed spellings)
        state.settle(discover_scopes(state.client(), target))


def _discover_routes(state: PlaneState) -> None:
    """Which spelling of each documented path the target routes, once for the whole run (the
    workers get the map in their workerinput); adapted families are listed as adaptations."""
    try:
        routes = discover_routes(state.client())
    except httpx.HTTPError:
        return  # the target did not answer: the checks meet that themselves, paths as written
    state.adopt_routes(routes)
    state.sections.setdefault("routes", []).extend(routes.rows())
    state.sections.setdefault("adaptations", []).extend(routes.adaptations())


def _discover_counting(state: PlaneState) -> None:
    """What the target's rate limit counts, once for the whole run: every process's pacer reads
    it from the budget file they share (conformance/target/counting.py)."""
    client = state.client()
    if client.pacer is None:
        return
    try:
        counting = discover_counting(client)
    except httpx.HTTPError:
        return  # the target did not answer: every request stays paced as counted
    client.pacer.learn_uncounted(counting.uncounted)
    adaptation = counting.adaptation()
    if adaptation is not None:
        state.sections.setdefault("adaptations", []).append(adaptation)


# -- collection --------------------------------------------------------------------------------


def _requirement_ids(item: pytest.Item) -> list[str]:
    ids: list[str] = []
    for mark in item.iter_markers("requirement"):
        ids += [str(i) for i in mark.args]
    return list(dict.fromkeys(ids))


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
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
    state = state_of(config)
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
    state.planned = {
        item.nodeid: PlannedCheck(
            item.nodeid, item.name, item.stash[RECORD].area, item.stash[RECORD].requirements
        )
        for item in items
        if RECORD in item.stash
    }


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
    state = state_of(item.config)
    with state.stop.entered(Mode.DEFERRED):  # never half a record: a stop waits for it
        _make_record(item, call, report, record, state)


def _make_record(
    item: pytest.Item,
    call: pytest.CallInfo[None],
    report: pytest.TestReport,
    record: CheckRecord,
    state: PlaneState,
) -> None:
    secrets = _secrets(state)
    record.duration_s += report.duration
    if report.when in ("setup", "call") and record.outcome == "passed":
        error = call.excinfo.value if call.excinfo is not None else None
        if report.skipped and not hasattr(report, "wasxfail"):
            # A rung of the ladder says which; a bare pytest.skip verified nothing.
            kind = outcome_kind(error) if error is not None else None
            record.outcome = "not_verified" if kind is None or kind == "verified" else kind
            record.message = clean_text(skip_reason(report), secrets)
        elif report.failed and call.excinfo is not None:
            record.outcome = exception_outcome(call.excinfo.value)
            record.message = short_message(call.excinfo, secrets)
            if isinstance(call.excinfo.value, LOST):
                _target_lost(item, state)
            if record.soft and record.outcome == "failed":
                # A SHOULD not met is a warning, not a failure of the pytest run.
                report.outcome = "skipped"
                report.wasxfail = f"SHOULD not met: {record.message}"
            elif record.outcome in ("blocked", "not_verified"):
                # Not the target's failure nor the suite's: pytest counts it as a skip.
                report.outcome = "skipped"
                report.longrepr = (str(item.path), 0, f"{record.outcome}: {record.message}")
        _short_longrepr(report, record.message, item.config)
    if report.when == "teardown":
        if report.failed and call.excinfo is not None and record.outcome == "passed":
            record.outcome, record.message = "error", short_message(call.excinfo, secrets)
        _short_longrepr(report, record.message, item.config)
        units = item.stash.get(UNITS, None)
        record.units = list(units.recorded) if units is not None else []
        _send_outcome(item, report, record, state)


def _send_outcome(
    item: pytest.Item, report: pytest.TestReport, record: CheckRecord, state: PlaneState
) -> None:
    """The test's outcome goes to the controller in the teardown report (xdist carries it from a
    worker): the CheckResult, its ledger rows, and the report sections the check contributed
    (`(name, rows)` in its user_properties), which travel inside it."""
    client = state.client() if state.has_client else None
    exchanges = client.recorder.take() if client else []
    rows = _rows_of(client.ledger.take() if client else [], item.nodeid)
    sections: dict[str, list[JsonObject]] = {}
    kept: list[tuple[str, object]] = []
    for name, value in report.user_properties:
        if name in CONTRIBUTED and isinstance(value, list):
            sections.setdefault(name, []).extend(value)
        else:
            kept.append((name, value))
    check = record.to_result(item.nodeid, item.name, exchanges)
    outcome = ItemOutcome(check, rows, sections, state.aborted)
    # A worker's report crosses a process (xdist serialises it): plain data. In a single process
    # the controller is this process, and the outcome is handed over as it is.
    report.user_properties = [*kept, (KEY, outcome.to_wire() if state.is_worker else outcome)]


def _secrets(state: PlaneState) -> tuple[str, ...]:
    try:
        return (state.target().credential.secret,)
    except ConfigError:
        return ()


def _short_longrepr(report: pytest.TestReport, message: str, config: pytest.Config) -> None:
    """A failed check shows its one-line why; the traceback only with -v (and never the key)."""
    if not report.failed or not message:
        return
    if config.get_verbosity() > 0:
        report.longrepr = clean_text(str(report.longrepr), ()) if report.longrepr else message
        return
    report.longrepr = message


def _rows_of(rows: list[LedgerRow], test: str) -> list[LedgerRow]:
    for row in rows:
        row.test = test
    return rows


def _target_lost(item: pytest.Item, state: PlaneState) -> None:
    """A connection could not be made: if the target no longer answers at all, stop the run."""
    if state.aborted or not state.has_client:
        return
    try:
        state.client().get(ME_PATH, pace=False)
    except LOST as error:
        state.aborted = (
            f"the target {state.target().base_url} stopped answering during the run "
            f"({type(error).__name__})"
        )
        item.session.shouldstop = state.aborted


class _Collector:
    """Gathers the tests' outcomes from their teardown reports, on the controller or single
    process (under xdist the reports arrive from the workers with their user_properties)."""

    def __init__(self, state: PlaneState, config: pytest.Config) -> None:
        self.state = state
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown" or self.state.is_worker:
            return
        with self.state.stop.entered(Mode.DEFERRED):  # never half an outcome
            self._add(report)

    def _add(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == KEY:
                outcome = value if isinstance(value, ItemOutcome) else ItemOutcome.from_wire(value)
                self.state.add(outcome)
                if outcome.aborted:
                    self._abort(outcome.aborted)

    def _abort(self, reason: str) -> None:
        """A worker lost the target: stop handing out tests (under xdist, the controller's
        dsession decides; without it, the session)."""
        if self.state.aborted:
            return
        self.state.aborted = reason
        dsession = self.config.pluginmanager.getplugin("dsession")
        if dsession is not None:
            dsession.shouldstop = reason


def pytest_collection_finish(session: pytest.Session) -> None:
    state = state_of(session.config)
    if state.active:
        if not state.is_worker:
            state.mark("checks")
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


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Generator[None, None, None]:
    """Cleanup (inside: pytest's own end deletes the scratch resources with their fixture),
    then the run's result. Cleanup is FINISHING: it goes on after a first stop request, and a
    second one abandons it (`_abandoned` says what is left); the result is always built."""
    state = state_of(session.config)
    if not state.active:
        return (yield)
    state.mark("cleanup")
    with state.stop.entered(Mode.FINISHING):
        try:
            yield
            leftovers, swept_left = _clean_up(state)
        except KeyboardInterrupt:
            leftovers, swept_left = _abandoned(state), 0
    state.mark("cleaned up")
    with state.stop.entered(Mode.DEFERRED, raise_pending=False):
        _end_session(session, exitstatus, state, leftovers + swept_left)


def _clean_up(state: PlaneState) -> tuple[int, int]:
    """Delete what is left of the scratch resources (their fixture has, unless no check used
    it); on the controller, sweep the projects named with the run's prefix (what a crash or
    a stop between a create and its answer left): (leftovers, left by the sweep)."""
    _freeze_heap()
    if state.stop.abandons_cleanup:  # a second request came before cleanup began
        return _abandoned(state), 0
    leftovers = state.scratch.cleanup() if state.scratch else 0
    target = state.resolved()
    if state.is_worker or target is None or target.read_only or state.aborted:
        return leftovers, 0
    if not state.requests_sent and not state.checks:
        return leftovers, 0  # nothing was sent: nothing can be there
    with contextlib.suppress(httpx.HTTPError, ReadOnlyViolation):
        return leftovers, sweep_projects(state.client(), target)
    return leftovers, 0


def _abandoned(state: PlaneState) -> int:
    """Cleanup abandoned at a second stop request: what this process leaves behind."""
    left = state.scratch.remaining() if state.scratch else []
    state.left_behind.extend(left)
    return len(left)


def _end_session(
    session: pytest.Session, exitstatus: int, state: PlaneState, leftovers: int
) -> None:
    """A worker's report to the controller, or (controller, single process) the RunResult."""
    # What cleanup (and anything else after the last test) received is judged too.
    client = state.client() if state.has_client else None
    late_rows = _rows_of(client.ledger.take(), "(cleanup)") if client else []
    if state.is_worker:
        report = WorkerReport(
            ledger=late_rows,
            aborted=state.aborted,
            requests_sent=state.requests_sent,
            leftovers=leftovers,
            waited_s=client.pacer.waited_s if client and client.pacer else 0.0,
            paced_429s=client.paced_429s if client else 0,
            planned=list(state.planned.values()),
            left_behind=state.left_behind,
        )
        output = session.config.workeroutput  # type: ignore[attr-defined]
        output[KEY] = report.to_wire()
        if state.stop.requested:
            # Told to stop by the controller, which knows it: not a crashed worker to replace
            # (xdist reads a worker's exit status 2, "interrupted", as a crash).
            output["exitstatus"] = int(pytest.ExitCode.OK)
            output["shouldstop"] = output.get("shouldstop") or STOPPED
        return
    target = state.resolved()
    if target is None:  # configuration failed: nothing ran
        return
    state.ledger.extend(late_rows)
    completion, why = _completion(state, exitstatus)
    waited_s, paced_429s = _pacing_figures(state)
    if state.stop.first_at is not None:
        state.timeline.setdefault("interrupted", round(state.stop.first_at, 3))
    state.run_result = build_run_result(
        target,
        checks=state.checks + _run_wide(state) + _refused_steps(state),
        started=state.started,
        requests_sent=state.requests_sent,
        leftovers=leftovers + state.workers.leftovers,
        sections=state.sections,
        pacing=(waited_s, paced_429s),
        completion=completion,
        completion_reason=why,
        planned=state.planned.values(),
        signal=state.stop.signal_name if completion == "interrupted" else "",
        timeline=state.timeline,
    )
    if state.report_dir is not None:
        secrets = [target.credential.secret]
        state.report_paths = write_all(state.run_result, state.report_dir, secrets=secrets)
    if state.link is not None:
        state.link.result = state.run_result


def _run_wide(state: PlaneState) -> list[CheckResult]:
    """The every-response requirements, judged on the ledger rows of every process."""
    # Only requirements whose own checks ran (their area and profile were selected).
    ran = {rid for check in state.checks for rid in check.requirements}
    wanted = [r for r in RUN_WIDE if r in ran]
    if not wanted:
        return []
    known = catalogue()
    return run_wide_checks(state.ledger, wanted, lambda rid: known[rid].area)


def _refused_steps(state: PlaneState) -> list[CheckResult]:
    """SIDE-001 on the setup steps every process saw refused (when SIDE-001's checks ran)."""
    rows = state.sections.pop(REFUSED_STEPS, [])
    if not any(REFUSED_REQUIREMENT in check.requirements for check in state.checks):
        return []
    check = refused_steps_check(rows, lambda rid: catalogue()[rid].area)
    return [check] if check is not None else []


def _completion(state: PlaneState, exitstatus: int) -> tuple[Completion, str]:
    if state.aborted:
        return "aborted", state.aborted
    if not state.stop.requested and exitstatus != pytest.ExitCode.INTERRUPTED:
        return "complete", ""
    finished = {check.nodeid for check in state.checks}
    unfinished = [nodeid for nodeid in state.planned if nodeid not in finished]
    by = f" ({state.stop.signal_name})" if state.stop.signal_name else ""
    if unfinished or not state.planned:
        why = f"the run was interrupted{by} before every check ran"
    else:
        why = f"the run was interrupted{by} after its checks, while it cleaned up"
    if state.left_behind:
        shown = ", ".join(state.left_behind[:5]) + (", ..." if len(state.left_behind) > 5 else "")
        why += (
            f"; cleanup was abandoned at a second interrupt: {len(state.left_behind)} scratch "
            f"objects left on the target ({shown})"
        )
    return "interrupted", why


def _pacing_figures(state: PlaneState) -> tuple[float, int]:
    """How long the pacer waited, and the 429s it did not prevent, over every process."""
    client = state.client() if state.has_client else None
    waited = (client.pacer.waited_s if client and client.pacer else 0.0) + state.workers.waited_s
    paced_429s = (client.paced_429s if client else 0) + state.workers.paced_429s
    return round(waited, 2), paced_429s


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None:
        return
    if state.has_client:
        state.client().close()
    if state.owns_signals:
        state.stop.restore()
    target = state.resolved()
    if target is not None and not state.is_worker:
        # The pacer's budget file is shared by this run's processes; the run's first process
        # removes it once they are all done (the workers end before the controller).
        remove_state(state_path_for(target.base_url, target.credential))
