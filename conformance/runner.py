"""`plane-conformance run`: resolve the target, preflight it, drive pytest, map the outcome.

Without --target (and without PLANE_BASE_URL) the embedded reference server is started for the
run and stopped afterwards. The configuration is resolved once, here, and handed to the plugin in
a `RunLink` (its xdist workers get it from the plugin, `plugin.wire`): no run option and no
credential is on pytest's command line. The reports are written once, at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from conformance.credentials import BearerToken
from conformance.exit_codes import EXIT_INTERRUPTED, EXIT_TERMINATED, UsageFailure
from conformance.interrupts import Mode, Stop, new_process_stop, process_stop
from conformance.options import OptionError, given_in, options_of, resolve
from conformance.plugin import RunLink
from conformance.plugin.progress import AreaProgress
from conformance.plugin.results import build_run_result, checks_dir
from conformance.plugin.terminal import print_summary
from conformance.reference.config import ServerConfig
from conformance.reference.launcher import (
    ReferenceServerError,
    RunningServer,
    start_reference_server,
)
from conformance.reference.options import server_config, server_options
from conformance.report import write_all
from conformance.report.baseline import BaselineEntry, BaselineError, load_baseline
from conformance.report.model import RunResult, ShapeDrift, verdict_of
from conformance.report.present import final_failed_text
from conformance.report.scrub import scrubbed_output
from conformance.run_context import run_context
from conformance.run_options import RunnerOptions
from conformance.spec.catalogue import known_areas
from conformance.target.client import client_for
from conformance.target.config import (
    ENV_URL,
    ConfigError,
    TargetConfig,
    check_areas,
    resolve_config,
)
from conformance.target.pacing import remove_state, state_path_for
from conformance.target.preflight import PreflightError, preflight
from conformance.target.tokens import discover_scopes, scopes_line


@dataclass(frozen=True)
class RunRequest:
    """What `plane-conformance run` was asked, as parsed: the run's options (TargetConfig's, not
    yet resolved: the embedded server may still have to give the target), the runner's own, and
    the embedded server's."""

    target: Mapping[str, object] = field(default_factory=dict)
    runner: RunnerOptions = field(default_factory=RunnerOptions)
    embedded: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def from_namespace(cls, args: argparse.Namespace) -> RunRequest:
        runner = given_in(args, options_of(RunnerOptions))
        return cls(
            target=given_in(args, options_of(TargetConfig)),
            runner=resolve(RunnerOptions, runner, {}),
            embedded=given_in(args, server_options(keep_embedded=True)),
        )


@dataclass(frozen=True)
class CheckedOptions:
    """What `check_options` found good, for the rest of the run to use."""

    target_url: str | None
    server: ServerConfig  # the embedded server's (when there is no target URL)
    report_dir: Path
    baseline: list[BaselineEntry] | None


def _file_in_the_way(path: Path) -> Path | None:
    """The path itself or the first existing ancestor, when it is a file and not a folder."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return None if candidate.is_dir() else candidate
    return None


def writable_directory(text: str, option: str) -> Path:
    """The directory, created if needed, once a file could be created in it."""
    path = Path(text)
    blocker = _file_in_the_way(path)
    if blocker is not None:
        raise UsageFailure(f"{option} {text} cannot be a directory: {blocker} is a file.")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as problem:
        raise UsageFailure(
            f"{option} {text} is not a writable directory ({problem.strerror or problem})."
        ) from None
    return path


def writable_file(text: str, option: str) -> Path:
    """The file path, once it could be opened for writing (nothing is left if it was not there)."""
    path = Path(text)
    if path.is_dir():
        raise UsageFailure(f"{option} {text} is a directory, not a file.")
    blocker = _file_in_the_way(path.parent)
    if blocker is not None:
        raise UsageFailure(f"{option} {text} cannot be written: {blocker} is a file.")
    existed = path.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8"):
            pass
        if not existed:
            path.unlink()
    except OSError as problem:
        raise UsageFailure(
            f"{option} {text} cannot be written ({problem.strerror or problem})."
        ) from None
    return path


def _embedded_only_flags() -> str:
    return ", ".join(each.flags[-1] for each in server_options(keep_embedded=True))


def check_options(request: RunRequest) -> CheckedOptions:
    """Everything the command line names is checked here, before a server starts or a request
    is sent: an hour-long run must not end on a typo."""
    options = request.runner
    target_url = request.target.get("base_url") or os.environ.get(ENV_URL)
    if target_url and (request.embedded or options.auth != "api-key"):
        raise UsageFailure(
            f"the embedded server's options ({_embedded_only_flags()}, --auth) only apply to "
            "the embedded reference server."
        )
    areas = request.target.get("areas")
    try:
        check_areas(areas if isinstance(areas, tuple) else None, known_areas())
    except ConfigError as problem:
        raise UsageFailure(f"--only: {problem}") from None
    server = ServerConfig()
    try:
        server = server if target_url else server_config(request.embedded)
    except ValueError as problem:
        raise UsageFailure(str(problem)) from None
    if not target_url and options.auth == "bearer":  # the token it issues has the run's scopes
        scopes = request.target.get("token_scopes")
        server = replace(server, token_scopes=scopes if isinstance(scopes, frozenset) else None)
    report_dir = writable_directory(options.report_dir, "--report-dir")
    baseline = None
    if options.baseline:
        try:
            baseline = load_baseline(options.baseline)
        except BaselineError as problem:
            raise UsageFailure(f"--baseline: {problem}.") from None
    if options.write_baseline:
        writable_file(options.write_baseline, "--write-baseline")
    return CheckedOptions(str(target_url) if target_url else None, server, report_dir, baseline)


@contextlib.contextmanager
def _embedded_server(config: ServerConfig) -> Iterator[RunningServer]:
    """The reference server for this run. Its own log lines go to a temporary file, not to the
    user's console (the run prints its own target line); the last one is quoted if it fails to
    start."""
    with tempfile.TemporaryFile(mode="w+", prefix="plane-conformance-server-") as log:
        try:
            server = start_reference_server(config, stderr=log)
        except (ReferenceServerError, ValueError, KeyError) as problem:
            log.seek(0)
            said = (log.read().strip().splitlines() or [""])[-1]
            why = f"{problem}{f' ({said})' if said else ''}"
            raise UsageFailure(f"the embedded reference server did not start: {why}") from None
        try:
            yield server
        finally:
            server.stop()


@contextlib.contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def _resolve(given: Mapping[str, object]) -> TargetConfig:
    """The run's configuration: resolved here, once, for every process of the run."""
    try:
        return resolve_config(given)
    except OptionError as problem:
        raise UsageFailure(str(problem)) from None


def _preflight(config: TargetConfig) -> TargetConfig:
    """The preflight; then, for an access token whose scopes were not told, what it may do
    (found once, here, for every process of the run)."""
    with client_for(config, read_only=True) as client:
        try:
            preflight(client, config)
        except PreflightError as problem:
            raise UsageFailure(str(problem)) from None
    if isinstance(config.credential, BearerToken) and config.outside_scopes is None:
        with client_for(config) as client:
            config = discover_scopes(client, config)
    line = scopes_line(config)
    if line:
        print(f"plane-conformance: {line}", flush=True)
    return config


def pytest_arguments(options: RunnerOptions) -> list[str]:
    """The pytest command line for a run: pytest's own options only (the run's configuration
    reaches the plugin in a RunLink, the credential included)."""
    # -v: pytest's own failure sections, with tracebacks, before the summary. Else the console
    # is a summary, not a log: the runner prints it; pytest says nothing more.
    verbose = ["-v", "-rfE"]
    output = verbose if options.verbose else ["-qq", "--tb=no", "--no-summary"]
    argv = [
        str(checks_dir()),
        *output,
        # The run's own options, whatever the surrounding project's pytest config says.
        "-o", "addopts=",
        "-p", "no:cacheprovider",
        "-p", "no:anyio",
        # Plugin autoload is off (see run): only the plugins the checks need are loaded.
        "-p", "conformance.plugin",
        "-p", "xdist",
        # anyio is imported before pytest starts (by httpx); its rewrite warning is noise
        "-W", "ignore::pytest.PytestAssertRewriteWarning",
        "--rootdir", str(checks_dir().parent.parent),
    ]  # fmt: skip
    if options.workers > 1:
        # loadfile: a module's session-scoped campaign (schemathesis) runs on one worker only.
        # (--dist loadgroup would be the finer tool, but with pytest 9 xdist's group suffix on
        # node ids no longer takes effect, so groups are silently spread over workers.)
        argv += ["-n", str(options.workers), "--dist", "loadfile"]
    return argv


def _accept(options: RunnerOptions, checked: CheckedOptions, result: RunResult) -> int:
    """Apply the baseline (when one is given); the run's exit code."""
    if not options.baseline:
        return int(result.exit_code)
    from conformance.report.baseline import apply_baseline

    return apply_baseline(
        result, options.baseline, options.fail_on_stale_baseline, entries=checked.baseline
    )


def _write(
    options: RunnerOptions, checked: CheckedOptions, result: RunResult, config: TargetConfig
) -> list[Path]:
    """Write the reports (the only time in a run) and the baseline file; their paths."""
    paths = write_all(result, checked.report_dir, secrets=[config.credential.secret])
    if options.write_baseline:
        from conformance.report.baseline import write_baseline

        paths.append(write_baseline(result, options.write_baseline))
    return paths


def _console() -> Console:
    return Console(file=sys.stdout, highlight=False)


def _shape_drift(recording: str, config: TargetConfig) -> ShapeDrift:
    """With --compare-shapes: the target's response shapes against a recorded release (the
    recorder scenario creates and deletes its own project, so not in read-only or --project
    mode, which the option check refuses before the run)."""
    from conformance.shapes.command import drift_summary
    from conformance.shapes.files import load
    from conformance.shapes.recorder import record

    recorded = None if recording == "release" else recording
    try:
        against = load(recorded)
    except (OSError, ValueError) as problem:
        raise UsageFailure(f"the shapes recording {recorded} is unusable: {problem}") from None
    with client_for(config) as client:
        try:
            summary = drift_summary(against, record(client))
        except httpx.HTTPError as problem:
            return ShapeDrift(error=f"the target did not answer: {type(problem).__name__}")
    print(
        f"plane-conformance: shapes against {summary.against}: {summary.drifts} drifts in "
        f"{summary.operations_drifting} of {summary.operations_compared} operations",
        flush=True,
    )
    return summary


def _check_compare_shapes(options: RunnerOptions, config: TargetConfig) -> None:
    if options.compare_shapes and (config.read_only or config.project_id):
        raise UsageFailure(
            "--compare-shapes creates and deletes a project of its own: not with --read-only "
            "or --project."
        )


def run(request: RunRequest) -> int:
    """The verdict's exit code (0, 1, 3; 130 interrupted, 143 terminated, 2 aborted);
    UsageFailure (2) when the run cannot happen, always before the first request.

    SIGINT and SIGTERM are the run's own from here on (conformance.interrupts): whatever phase
    they come in, the run ends with its reports marked interrupted, what never ran *not run*,
    and the scratch resources deleted."""
    checked = check_options(request)
    stop = new_process_stop()
    # DEFERRED but where a request can stop the run at once: the start and the preflight (no
    # scratch resource exists yet) and, inside pytest, each check (conformance.plugin.stopping).
    with (
        stop.installed(),
        stop.entered(Mode.DEFERRED, raise_pending=False),
        contextlib.ExitStack() as stack,
    ):
        return _run(request, checked, stop, stack)


def _run(
    request: RunRequest, checked: CheckedOptions, stop: Stop, stack: contextlib.ExitStack
) -> int:
    timeline: dict[str, float] = {}
    config: TargetConfig | None = None
    result: RunResult | None = None
    try:
        with stop.entered(Mode.IMMEDIATE):
            config = _start(request, checked, stack)
            timeline["preflight"] = round(time.time(), 3)
            config = _preflight(config)
    except KeyboardInterrupt:
        if not stop.requested:
            raise  # not ours (a debugger, a test's own): as before
    progress: AreaProgress | None = None
    if config is not None and not stop.requested:
        accepted = frozenset(entry.id for entry in checked.baseline or [])
        result, progress = _checks(request.runner, config, stack, timeline, accepted)
    if result is None and stop.requested and config is not None:
        # Stopped before the check session began (preflight, pytest's start-up): nothing was
        # created, nothing ran.
        result = _nothing_ran(config, stop, timeline)
    if result is None or config is None:
        if stop.requested:  # before the target was known: nothing was sent
            print(f"plane-conformance: {_interrupted_word(stop)}", file=sys.stderr)
            return _interrupted_code(stop)
        raise UsageFailure("the check session did not complete.")
    embedded = None if checked.target_url else checked.server
    result.extra.run = run_context(
        request.target, request.runner, request.embedded, embedded, os.environ
    )
    return _report(request.runner, checked, config, result, stop, progress)


def _start(
    request: RunRequest, checked: CheckedOptions, stack: contextlib.ExitStack
) -> TargetConfig:
    """The target (the embedded server started when there is none) and the run's configuration."""
    options = request.runner
    given = dict(request.target)
    where = checked.target_url
    if not checked.target_url:
        server = stack.enter_context(_embedded_server(checked.server))
        given.update(base_url=server.base_url, workspace=server.workspace)
        given.pop("api_key", None)
        given.pop("access_token", None)
        if options.auth == "bearer":
            given.update(access_token=server.access_token)
        else:
            given.update(api_key=server.api_key)
        where = f"{server.base_url} (embedded reference server)"
    config = _resolve(given)
    _check_compare_shapes(options, config)
    print(
        f"plane-conformance: target {where}, workspace {config.workspace}, "
        f"profile {config.profile}, seed {config.seed}"
        + (", with an access token" if isinstance(config.credential, BearerToken) else ""),
        flush=True,
    )
    # The pacer's budget file is shared by the run's processes; this run removes it.
    stack.callback(remove_state, state_path_for(config.base_url, config.credential))
    return config


def _checks(
    options: RunnerOptions,
    config: TargetConfig,
    stack: contextlib.ExitStack,
    timeline: dict[str, float],
    accepted: frozenset[str],
) -> tuple[RunResult | None, AreaProgress]:
    """The check session (pytest, with the plugin): its RunResult (None if it never began) and
    the progress display, left open for the summary's last words (`accepted`: the baseline's
    requirement ids, which the display does not count as failures)."""
    link = RunLink(config, timeline)  # the plugin adds its phases to the same timeline
    secret = config.credential.secret
    # Whatever pytest, a check or a library prints during the run goes through this: a
    # server that echoes the key never gets it into a CI log.
    stack.enter_context(scrubbed_output(secret))
    # Every installed pytest plugin's package is assertion-rewritten at import, hypothesis's
    # and schemathesis's too, though the checks use neither plugin: a second per pytest
    # process (and per xdist worker) where bytecode is not cached. Load only our own.
    stack.enter_context(_environment("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1"))
    pace_state = state_path_for(config.base_url, config.credential)
    progress = AreaProgress(pace_state=pace_state, secrets=(secret,), accepted=accepted)
    stack.callback(progress.close)  # the display stops whatever happens (close is idempotent)
    # pytest's temporary directories (xdist makes one per worker) live and die with the run,
    # instead of piling up as pytest-of-<user>/ in the temp dir.
    basetemp = Path(tempfile.mkdtemp(prefix="plane-conformance-pytest-"))
    stack.callback(shutil.rmtree, basetemp, True)
    argv = [*pytest_arguments(options), "--basetemp", str(basetemp)]
    status = pytest.main(argv, plugins=[link, progress])
    for problem in progress.collect_errors:
        print(f"plane-conformance: the suite could not load {problem}", file=sys.stderr)
    if link.result is None and not process_stop().requested:
        raise UsageFailure(f"the check session did not complete (pytest exit code {int(status)}).")
    return link.result, progress


def _nothing_ran(config: TargetConfig, stop: Stop, timeline: dict[str, float]) -> RunResult:
    if stop.first_at is not None:
        timeline.setdefault("interrupted", round(stop.first_at, 3))
    return build_run_result(
        config,
        checks=[],
        started=min(timeline.values(), default=time.time()),
        requests_sent=0,
        leftovers=0,
        completion="interrupted",
        completion_reason=f"{_interrupted_word(stop)} before any check ran",
        signal=stop.signal_name,
        timeline=timeline,
    )


def _interrupted_word(stop: Stop) -> str:
    return f"the run was interrupted ({stop.signal_name})" if stop.signal_name else "interrupted"


def _interrupted_code(stop: Stop) -> int:
    return EXIT_TERMINATED if stop.signal_name == "SIGTERM" else EXIT_INTERRUPTED


def _report(
    options: RunnerOptions,
    checked: CheckedOptions,
    config: TargetConfig,
    result: RunResult,
    stop: Stop,
    progress: AreaProgress | None,
) -> int:
    """The reports (written once; again, marked interrupted, if a stop request comes while they
    are written), the console summary and the exit code. Runs DEFERRED: a request here is read,
    never raised."""
    secret = config.credential.secret
    complete = result.completion == "complete" and not stop.requested
    if complete and options.compare_shapes:
        result.extra.shape_drift = _shape_drift(options.compare_shapes, config)
    _mark(result, "reports")
    code = _accept(options, checked, result) if complete else 0
    if progress is not None:  # its last words are the summary's numbers (the baseline applied)
        progress.close(final_failed_text(result))
    if complete:
        paths = _write(options, checked, result, config)
    else:
        paths = write_all(result, checked.report_dir, secrets=[secret])
    if stop.requested and result.completion == "complete":
        # Told to stop while the reports were written: they say so, and there is no verdict.
        result.completion = "interrupted"
        result.completion_reason = f"{_interrupted_word(stop)} while the reports were written"
        result.signal = stop.signal_name
        if stop.first_at is not None:
            _mark(result, "interrupted", stop.first_at)
        paths = write_all(result, checked.report_dir, secrets=[secret])
    print_summary(_console(), result, paths)
    if result.completion == "complete":
        return code
    verdict = verdict_of(result)
    # The one sentence of a run without a verdict, where scripts look for it.
    print(f"plane-conformance: {verdict.headline}", file=sys.stderr)
    return verdict.exit_code if verdict.tone != "pass" else EXIT_INTERRUPTED


def _mark(result: RunResult, phase: str, at: float | None = None) -> None:
    timeline = result.extra.timeline if result.extra.timeline is not None else {}
    timeline.setdefault(phase, round(at if at is not None else time.time(), 3))
    result.extra.timeline = timeline
