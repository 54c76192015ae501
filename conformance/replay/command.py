"""`plane-conformance replay REPORT ID`: send a recorded exchange again and compare the answer.

REPORT is a report folder (or its results.json), ID a requirement id (its first exchange shown
as evidence), an exchange's evidence id (`ORD-003.2`) or a schema finding's (`F4`), as report.html
and junit.xml show them. The replay

1. finds the target: `--target` (or PLANE_BASE_URL), else the report's own; a report made
   against the embedded reference server starts an equal one again (its faults, behaviours and
   variations, from the report's run context); the key is `--api-key` or PLANE_API_KEY, never
   printed; the workspace `--workspace`, PLANE_WORKSPACE_SLUG, else the report's;
2. makes, in a fresh scratch project, what the exchange needed (`replay.plan`, `replay.recreate`):
   the objects along its path, those its body names, an object deleted before it;
3. sends the same request (method, path with the new ids, query, body, the key as recorded);
4. prints the answer next to the recorded one (status and a short body excerpt), and
5. deletes everything it made (after a refusal, a failure or Ctrl-C too) and sweeps projects
   named with its prefix.

Exit codes: 0 the recorded status was reproduced, 1 it was not, 2 the replay cannot happen (one
sentence on stderr), 130 interrupted (the cleanup has run).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx

from conformance.exit_codes import EXIT_OK, UsageFailure
from conformance.options import OptionError, given_in, options_of
from conformance.reference.launcher import (
    ReferenceServerError,
    RunningServer,
    start_reference_server,
)
from conformance.reference.options import add_server_arguments, config_from_namespace
from conformance.replay.arguments import REPLAYED_OPTIONS
from conformance.replay.plan import CannotReplay, Key, Plan, fill_written, plan_of, replace_ids
from conformance.replay.recreate import Made, recreate
from conformance.report.evidence import Found, find_exchange
from conformance.report.json_io import ResultsFileError, load_results
from conformance.report.model import RunResult
from conformance.target.client import LOST, NO_ANSWER, TargetClient, client_for
from conformance.target.config import ENV_URL, ENV_WORKSPACE, TargetConfig, resolve_config
from conformance.target.pacing import remove_state, state_path_for
from conformance.target.preflight import PreflightError, preflight
from conformance.target.scratch import ScratchResources, sweep_projects

EXIT_NOT_REPRODUCED = 1
EXCERPT = 160  # characters of a body shown


def _results(report: str) -> RunResult:
    path = Path(report)
    path = path / "results.json" if path.is_dir() else path
    try:
        return load_results(path)
    except ResultsFileError as problem:
        raise UsageFailure(f"cannot replay: {problem}.") from None


def _found(result: RunResult, wanted: str, report: str) -> Found:
    found = find_exchange(result, wanted)
    if found is not None:
        return found
    known = {v.id: v for v in result.requirements}
    verdict = known.get(wanted.strip().upper().split(".")[0])
    if verdict is not None and "." not in wanted:
        raise UsageFailure(
            f"cannot replay {verdict.id}: the report records no exchange of it "
            f"({verdict.status.replace('_', ' ')})."
        )
    raise UsageFailure(
        f"cannot replay {wanted}: {report} shows no requirement, evidence or finding of that id."
    )


@dataclass
class Target:
    config: TargetConfig
    where: str  # in words, for the first line


@contextlib.contextmanager
def _target(
    result: RunResult, given: Mapping[str, object], environ: Mapping[str, str]
) -> Iterator[Target]:
    """The replay's target: the one given, else the report's (an embedded server started again
    as it was configured)."""
    context = result.extra.run
    url = given.get("base_url") or environ.get(ENV_URL)
    workspace = given.get("workspace") or environ.get(ENV_WORKSPACE) or result.extra.workspace
    if url or context is None or context.target_kind == "external":
        options = {**given, "base_url": url or result.target, "workspace": workspace}
        try:
            config = resolve_config(options, env=environ)
        except OptionError as problem:
            raise UsageFailure(f"cannot replay: {problem}") from None
        whose = "given" if url else "the report's"
        yield Target(config, f"{config.base_url} ({whose} target)")
        return
    embedded = context.embedded
    parser = argparse.ArgumentParser(add_help=False)
    add_server_arguments(parser, embedded_only=True)
    arguments = embedded.arguments if embedded is not None else []
    try:
        server_config = config_from_namespace(parser.parse_args(arguments), embedded_only=True)
        server: RunningServer = start_reference_server(server_config, stderr=subprocess.DEVNULL)
    except (ReferenceServerError, ValueError, SystemExit) as problem:
        raise UsageFailure(
            f"cannot replay: the embedded server did not start ({problem})"
        ) from None
    try:
        config = resolve_config(
            base_url=server.base_url, api_key=server.api_key, workspace=server.workspace
        )
        described = " ".join(arguments) or "no fault"
        yield Target(
            config, f"{server.base_url} (the embedded reference server again: {described})"
        )
    finally:
        server.stop()


def _excerpt(body: str | None) -> str:
    text = " ".join((body or "").split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _keys(body: str | None) -> set[str] | None:
    try:
        value = json.loads(body or "")
    except ValueError:
        return None
    return set(value) if isinstance(value, dict) else None


def _difference(recorded: str | None, now: str | None) -> str:
    """The fields of two JSON object answers that one has and the other not ("" when alike)."""
    old, new = _keys(recorded), _keys(now)
    if old is None or new is None or old == new:
        return ""
    parts = []
    if old - new:
        parts.append(f"only recorded: {', '.join(sorted(old - new))}")
    if new - old:
        parts.append(f"only now: {', '.join(sorted(new - old))}")
    return "; ".join(parts)


def _send(client: TargetClient, plan: Plan, made: Made) -> httpx.Response | None:
    """The request again; None when the target gave no answer (as recorded, perhaps)."""
    path = fill_written(plan, made.parameters)
    query = replace_ids(plan.query, made.ids)
    body = replace_ids(plan.body, made.ids) if plan.body is not None else None
    key: bool | str = _key_choice(plan.key)
    try:
        return client.request(
            plan.method,
            path + (f"?{query}" if query else ""),
            content=body.encode() if body is not None else None,
            headers=dict(plan.headers),
            key=key,
            key_header=plan.key.header,
        )
    except NO_ANSWER:
        return None


def _key_choice(key: Key) -> bool | str:
    if key.choice == "configured":
        return True
    if key.choice == "none":
        return False
    return key.value


def _show(plan: Plan, made: Made, response: httpx.Response | None) -> bool:
    """Print the answer beside the recorded one; whether the recorded status came again."""
    recorded = plan.recorded_status
    now = response.status_code if response is not None else None
    for note in made.notes:
        print(f"  made:     {note}")
    if response is not None:
        print(
            f"  sent:     {plan.method} {response.request.url.raw_path.decode('ascii', 'replace')}"
        )
    said = recorded if recorded is not None else "no answer"
    print(f"  recorded: {said}  {_excerpt(plan.recorded_body)}")
    body = response.text if response is not None else None
    print(f"  now:      {now if now is not None else 'no answer'}  {_excerpt(body)}")
    difference = _difference(plan.recorded_body, body)
    if difference:
        print(f"  fields:   {difference}")
    return recorded == now


def replay(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    result = _results(args.report)
    found = _found(result, args.id, args.report)
    try:
        plan = plan_of(found.exchange)
    except CannotReplay as why:
        raise UsageFailure(f"cannot replay {found.id}: {why}.") from None
    given = given_in(args, options_of(TargetConfig, lambda o: o.name in REPLAYED_OPTIONS))
    with contextlib.ExitStack() as stack:
        stack.enter_context(_terminated_as_interrupt())
        target = stack.enter_context(_target(result, given, environ))
        config = target.config
        stack.callback(remove_state, state_path_for(config.base_url, config.credential))
        print(f"plane-conformance: replaying {found.id} ({found.requirement}) on {target.where}")
        print(f"  request:  {plan.label}")
        client = stack.enter_context(client_for(config))
        try:
            preflight(client, config)
        except PreflightError as problem:
            raise UsageFailure(f"cannot replay: {problem}") from None
        scratch = ScratchResources(client, config)
        try:
            made = recreate(client, scratch, plan)
            response = _send(client, plan, made)
        except CannotReplay as why:
            raise UsageFailure(f"cannot replay {found.id}: {why}.") from None
        except LOST as lost:
            raise UsageFailure(
                f"cannot replay: the target stopped answering ({type(lost).__name__})."
            ) from None
        finally:
            left = _clean_up(client, config, scratch)
        reproduced = _show(plan, made, response)
    status = plan.recorded_status if plan.recorded_status is not None else "no answer"
    print(f"  cleanup:  everything the replay made was deleted{f' ({left} left)' if left else ''}")
    if reproduced:
        print(f"reproduced: the recorded status, {status} (exit 0)")
        return EXIT_OK
    now = response.status_code if response is not None else "no answer"
    print(f"not reproduced: recorded {status}, now {now} (exit 1)")
    return EXIT_NOT_REPRODUCED


def _clean_up(client: TargetClient, config: TargetConfig, scratch: ScratchResources) -> int:
    """Delete what the replay made, then any project named with its prefix (a crash's)."""
    left = scratch.cleanup()
    with contextlib.suppress(httpx.HTTPError):
        left += sweep_projects(client, config)
    return left


@contextlib.contextmanager
def _terminated_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the replay as Ctrl-C does: the cleanup runs on the way out."""

    def interrupt(_signal: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
