"""`plane-conformance run`: resolve the target, preflight it, drive pytest, map the outcome.

Without --target (and without PLANE_BASE_URL) the embedded reference server is started for the
run and stopped afterwards. The API key reaches pytest (and its xdist workers) through the
PLANE_API_KEY environment variable, never through the command line.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from conformance.exit_codes import EXIT_INTERRUPTED, UsageFailure
from conformance.plugin import ResultSink
from conformance.plugin.progress import AreaProgress
from conformance.plugin.results import checks_dir
from conformance.plugin.terminal import print_summary
from conformance.reference.behaviours import behaviours_from_args
from conformance.reference.faults import unknown_faults
from conformance.reference.launcher import (
    ReferenceServerError,
    RunningServer,
    start_reference_server,
)
from conformance.reference.variations import unknown_variations
from conformance.report import REPORT_FILES, write_all
from conformance.report.baseline import BaselineEntry, BaselineError, load_baseline
from conformance.report.model import RunResult, verdict_of
from conformance.report.scrub import scrubbed_output
from conformance.spec.catalogue import known_areas
from conformance.target.client import TargetClient
from conformance.target.config import (
    ENV_KEY,
    ENV_URL,
    ENV_WORKSPACE,
    ConfigError,
    TargetConfig,
    new_seed,
    parse_areas,
    resolve_config,
)
from conformance.target.pacing import Pacer, remove_state, state_path_for
from conformance.target.preflight import PreflightError, preflight

EMBEDDED_ONLY = (
    "fault", "variation", "behaviour", "plane_rules", "plane_releases", "docs_only",
    "rate_limit", "rate_window", "latency_ms",
)  # fmt: skip


@dataclass(frozen=True)
class CheckedOptions:
    """What `check_options` found good, for the rest of the run to use."""

    target_url: str | None
    areas: tuple[str, ...] | None
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


def check_options(args: argparse.Namespace) -> CheckedOptions:
    """Everything the command line names is checked here, before a server starts or a request
    is sent: an hour-long run must not end on a typo."""
    target_url = args.target or os.environ.get(ENV_URL)
    if target_url and any(getattr(args, name, None) for name in EMBEDDED_ONLY):
        raise UsageFailure(
            "--fault, --variation, the behaviour options, --rate-limit, --rate-window and "
            "--latency-ms only apply to the embedded reference server."
        )
    try:
        areas = parse_areas(args.only, known_areas())
    except ConfigError as problem:
        raise UsageFailure(f"--only: {problem}") from None
    unknown = unknown_faults(list(getattr(args, "fault", None) or []))
    if unknown:
        raise UsageFailure(
            f"unknown fault {unknown[0]!r}; `plane-conformance faults` lists the fault switches."
        )
    unknown = unknown_variations(list(getattr(args, "variation", None) or []))
    if unknown:
        raise UsageFailure(
            f"unknown variation {unknown[0]!r}; `plane-conformance variations` lists them."
        )
    try:
        behaviours_from_args(args)
    except ValueError as problem:
        raise UsageFailure(str(problem)) from None
    report_dir = writable_directory(args.report_dir, "--report-dir")
    baseline = None
    if args.baseline:
        try:
            baseline = load_baseline(args.baseline)
        except BaselineError as problem:
            raise UsageFailure(f"--baseline: {problem}.") from None
    if args.write_baseline:
        writable_file(args.write_baseline, "--write-baseline")
    return CheckedOptions(target_url, areas, report_dir, baseline)


@contextlib.contextmanager
def _embedded_server(args: argparse.Namespace) -> Iterator[RunningServer]:
    """The reference server for this run. Its own log lines go to a temporary file, not to the
    user's console (the run prints its own target line); the last one is quoted if it fails to
    start."""
    with tempfile.TemporaryFile(mode="w+", prefix="plane-conformance-server-") as log:
        try:
            server = start_reference_server(
                faults=tuple(args.fault),
                rate_limit=args.rate_limit,
                rate_window=getattr(args, "rate_window", None),
                latency_ms=getattr(args, "latency_ms", None),
                behaviours=behaviours_from_args(args),
                variations=tuple(getattr(args, "variation", None) or ()),
                stderr=log,
            )
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


def _resolve(
    args: argparse.Namespace,
    checked: CheckedOptions,
    url: str,
    key: str | None,
    workspace: str | None,
) -> TargetConfig:
    try:
        return resolve_config(
            base_url=url,
            api_key=key,
            workspace=workspace,
            project_id=args.project,
            profile=args.profile,
            seed=args.seed if args.seed is not None else new_seed(),
            read_only=args.read_only,
            areas=checked.areas,
        )
    except ConfigError as problem:
        raise UsageFailure(str(problem)) from None


def _preflight(config: TargetConfig) -> None:
    pacer = Pacer(state_path_for(config.base_url, config.api_key))
    with TargetClient(
        config.base_url, config.api_key, config.workspace, pacer=pacer, read_only=True
    ) as client:
        try:
            preflight(client, config)
        except PreflightError as problem:
            raise UsageFailure(str(problem)) from None


def pytest_arguments(args: argparse.Namespace, config: TargetConfig) -> list[str]:
    """The pytest command line for a run (the key is not on it: it travels in the env)."""
    if getattr(args, "verbose", False):
        # pytest's own failure sections, with tracebacks, before the summary.
        output = ["-v", "-rfE"]
    else:
        # The console is a summary, not a log: the runner prints it; pytest says nothing more.
        output = ["-qq", "--tb=no", "--no-summary"]
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
        "--plane-url", config.base_url,
        "--plane-workspace", config.workspace,
        "--plane-profile", config.profile,
        "--plane-seed", str(config.seed),
        "--plane-report-dir", str(Path(args.report_dir).resolve()),
        "--plane-skip-preflight",
    ]  # fmt: skip
    if config.project_id:
        argv += ["--plane-project", config.project_id]
    if config.read_only:
        argv.append("--plane-read-only")
    if config.areas:
        argv += ["--plane-only", ",".join(config.areas)]
    if args.workers > 1:
        # loadfile: a module's session-scoped campaign (schemathesis) runs on one worker only.
        # (--dist loadgroup would be the finer tool, but with pytest 9 xdist's group suffix on
        # node ids no longer takes effect, so groups are silently spread over workers.)
        argv += ["-n", str(args.workers), "--dist", "loadfile"]
    return argv


def _finish(
    args: argparse.Namespace, checked: CheckedOptions, result: RunResult, config: TargetConfig
) -> tuple[int, list[Path]]:
    """Apply the baseline and write it; the exit code and the report paths."""
    paths = [checked.report_dir / name for name in REPORT_FILES]
    code = int(result.exit_code)
    if args.baseline:
        from conformance.report.baseline import apply_baseline

        code = apply_baseline(
            result, args.baseline, args.fail_on_stale_baseline, entries=checked.baseline
        )
        paths = write_all(result, checked.report_dir, secrets=[config.api_key])
    if args.write_baseline:
        from conformance.report.baseline import write_baseline

        paths.append(write_baseline(result, args.write_baseline))
    return code, paths


def _console() -> Console:
    return Console(file=sys.stdout, highlight=False)


def _shape_drift(args: argparse.Namespace, config: TargetConfig) -> dict[str, object] | None:
    """With --compare-shapes: the target's response shapes against a recorded release (the
    recorder scenario creates and deletes its own project, so not in read-only or --project
    mode, which the option check refuses before the run)."""
    if not getattr(args, "compare_shapes", None):
        return None
    from conformance.shapes.command import drift_summary
    from conformance.shapes.files import load
    from conformance.shapes.recorder import record

    recording = None if args.compare_shapes == "release" else args.compare_shapes
    try:
        against = load(recording)
    except (OSError, ValueError) as problem:
        raise UsageFailure(f"the shapes recording {recording} is unusable: {problem}") from None
    pacer = Pacer(state_path_for(config.base_url, config.api_key))
    with TargetClient(config.base_url, config.api_key, config.workspace, pacer=pacer) as client:
        try:
            summary = drift_summary(against, record(client))
        except httpx.HTTPError as problem:
            return {"error": f"the target did not answer: {type(problem).__name__}"}
    print(
        f"plane-conformance: shapes against {summary['against']}: {summary['drifts']} drifts in "
        f"{summary['operations_drifting']} of {summary['operations_compared']} operations",
        flush=True,
    )
    return summary


def _check_compare_shapes(args: argparse.Namespace, config: TargetConfig) -> None:
    if getattr(args, "compare_shapes", None) and (config.read_only or config.project_id):
        raise UsageFailure(
            "--compare-shapes creates and deletes a project of its own: not with --read-only "
            "or --project."
        )


def run(args: argparse.Namespace) -> int:
    """The verdict's exit code (0, 1, 3; 130 interrupted, 2 aborted); UsageFailure (2) when the
    run cannot happen, always before the first request."""
    checked = check_options(args)
    with contextlib.ExitStack() as stack:
        if checked.target_url:
            target_url = checked.target_url
            key = args.api_key or os.environ.get(ENV_KEY)
            workspace = args.workspace or os.environ.get(ENV_WORKSPACE)
            where = target_url
        else:
            server = stack.enter_context(_embedded_server(args))
            target_url, key, workspace = server.base_url, server.api_key, server.workspace
            where = f"{target_url} (embedded reference server)"
        config = _resolve(args, checked, target_url, key, workspace)
        _check_compare_shapes(args, config)
        print(
            f"plane-conformance: target {where}, workspace {config.workspace}, "
            f"profile {config.profile}, seed {config.seed}",
            flush=True,
        )
        # The pacer's budget file is shared by the run's processes; this run removes it.
        pace_state = state_path_for(config.base_url, config.api_key)
        stack.callback(remove_state, pace_state)
        _preflight(config)
        sink = ResultSink()
        stack.enter_context(_environment(ENV_KEY, config.api_key))
        # Whatever pytest, a check or a library prints during the run goes through this: a
        # server that echoes the key never gets it into a CI log.
        stack.enter_context(scrubbed_output(config.api_key))
        # Every installed pytest plugin's package is assertion-rewritten at import, hypothesis's
        # and schemathesis's too, though the checks use neither plugin: a second per pytest
        # process (and per xdist worker) where bytecode is not cached. Load only our own.
        stack.enter_context(_environment("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1"))
        progress = AreaProgress(pace_state=pace_state, secrets=(config.api_key,))
        # pytest's temporary directories (xdist makes one per worker) live and die with the run,
        # instead of piling up as pytest-of-<user>/ in the temp dir.
        basetemp = Path(tempfile.mkdtemp(prefix="plane-conformance-pytest-"))
        stack.callback(shutil.rmtree, basetemp, True)
        argv = [*pytest_arguments(args, config), "--basetemp", str(basetemp)]
        try:
            status = pytest.main(argv, plugins=[sink, progress])
        finally:
            progress.close()
        for problem in progress.collect_errors:
            print(f"plane-conformance: the suite could not load {problem}", file=sys.stderr)
        if sink.result is None:
            raise UsageFailure(
                f"the check session did not complete (pytest exit code {int(status)})."
            )
        result = sink.result
        if result.completion != "complete" or status == pytest.ExitCode.INTERRUPTED:
            # The reports hold what ran, and cleanup has run; there is no verdict, so an
            # interrupted or aborted run must never pass a CI gate.
            print_summary(_console(), result, [checked.report_dir / n for n in REPORT_FILES])
            verdict = verdict_of(result)
            # The one sentence of a run without a verdict, where scripts look for it.
            print(f"plane-conformance: {verdict.headline}", file=sys.stderr)
            return verdict.exit_code if verdict.tone != "pass" else EXIT_INTERRUPTED
        drift = _shape_drift(args, config)
        if drift is not None:
            result.extra["shape_drift"] = drift
            write_all(result, checked.report_dir, secrets=[config.api_key])
        code, paths = _finish(args, checked, result, config)
        print_summary(_console(), result, paths)
        return code
