"""`plane-conformance run`: resolve the target, preflight it, drive pytest, map the outcome.

Without --target (and without PLANE_BASE_URL) the embedded reference server is started for the
run and stopped afterwards. The API key reaches pytest (and its xdist workers) through the
PLANE_API_KEY environment variable, never through the command line.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.exit_codes import EXIT_INTERRUPTED, UsageFailure
from conformance.plugin import ResultSink
from conformance.plugin.progress import AreaProgress
from conformance.plugin.results import checks_dir
from conformance.reference.launcher import (
    ReferenceServerError,
    RunningServer,
    start_reference_server,
)
from conformance.report import write_all
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
from conformance.target.pacing import Pacer, state_path_for
from conformance.target.preflight import PreflightError, preflight


@contextlib.contextmanager
def _embedded_server(args: argparse.Namespace) -> Iterator[RunningServer]:
    try:
        server = start_reference_server(
            faults=tuple(args.fault),
            rate_limit=args.rate_limit,
            rate_window=getattr(args, "rate_window", None),
            latency_ms=getattr(args, "latency_ms", None),
            variations=tuple(getattr(args, "variation", None) or ()),
        )
    except (ReferenceServerError, ValueError, KeyError) as problem:
        raise UsageFailure(f"the embedded reference server did not start: {problem}") from None
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
    args: argparse.Namespace, url: str, key: str | None, workspace: str | None
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
            areas=parse_areas(args.only, known_areas()),
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
    argv = [
        str(checks_dir()),
        "-q",
        # The run's own options, whatever the surrounding project's pytest config says: the
        # summary lists failures and errors only (skips are in the report, with their reasons).
        "-o", "addopts=",
        "-rfE",
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


def _finish(args: argparse.Namespace, result: RunResult, config: TargetConfig) -> int:
    code = int(result.exit_code)
    if args.baseline:
        from conformance.report.baseline import BaselineError, apply_baseline

        try:
            code = apply_baseline(result, args.baseline, args.fail_on_stale_baseline)
        except (BaselineError, OSError) as problem:
            raise UsageFailure(f"the baseline {args.baseline} is unusable: {problem}") from None
        write_all(result, Path(args.report_dir), secrets=[config.api_key])  # with the baseline
    if args.write_baseline:
        from conformance.report.baseline import write_baseline

        print(f"plane-conformance: wrote baseline {write_baseline(result, args.write_baseline)}")
    return code


def run(args: argparse.Namespace) -> int:
    """Exit code: 0 every MUST passed, 1 a MUST failed; UsageFailure (2) if the run can't happen."""
    target_url = args.target or os.environ.get(ENV_URL)
    embedded_only = ("fault", "variation", "rate_limit", "rate_window", "latency_ms")
    if target_url and any(getattr(args, name, None) for name in embedded_only):
        raise UsageFailure(
            "--fault, --variation, --rate-limit, --rate-window and --latency-ms only apply to "
            "the embedded reference server."
        )
    with contextlib.ExitStack() as stack:
        if target_url:
            key = args.api_key or os.environ.get(ENV_KEY)
            workspace = args.workspace or os.environ.get(ENV_WORKSPACE)
            where = target_url
        else:
            server = stack.enter_context(_embedded_server(args))
            target_url, key, workspace = server.base_url, server.api_key, server.workspace
            where = f"{target_url} (embedded reference server)"
        config = _resolve(args, target_url, key, workspace)
        print(
            f"plane-conformance: target {where}, workspace {config.workspace}, "
            f"profile {config.profile}, seed {config.seed}",
            flush=True,
        )
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
        progress = AreaProgress()
        status = pytest.main(pytest_arguments(args, config), plugins=[sink, progress])
        if sink.result is None:
            raise UsageFailure(
                f"the check session did not complete (pytest exit code {int(status)})."
            )
        if sink.result.completion != "complete" or status == pytest.ExitCode.INTERRUPTED:
            # The reports hold what ran, and cleanup has run; there is no verdict, so an
            # interrupted or aborted run must never pass a CI gate.
            verdict = verdict_of(sink.result)
            print(
                f"plane-conformance: {verdict.headline} Partial reports written, "
                f"leftovers: {sink.result.leftovers}",
                file=sys.stderr,
            )
            return verdict.exit_code if verdict.tone != "pass" else EXIT_INTERRUPTED
        return _finish(args, sink.result, config)
