"""`plane-conformance shapes record|compare` (also `python -m conformance.shapes ...`): record a
target's response shapes, or compare them with a recorded release (which fields appeared,
disappeared or changed type): what a self-hoster wants to know before upgrading.

    record  --target URL --workspace SLUG [--api-key KEY] [--out FILE] [--server-version V]
    compare --target URL --workspace SLUG [--api-key KEY] [--against FILE]
    compare --observed FILE [--against FILE]        (two recordings, no target)

The key comes from --api-key or PLANE_API_KEY, as for `run` (never printed: every message of the
command goes through the scrubber); PLANE_BASE_URL and PLANE_WORKSPACE_SLUG stand in for --target
and --workspace. Exit codes: 0 no drift (or recorded), 1 drift, 2 the command could not run (one
sentence on stderr).

`drift_summary` is the same comparison as data, for a run's results (`extra.shape_drift`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import httpx

from conformance.credentials import ApiKey
from conformance.report.model import OperationDrift, ShapeDrift
from conformance.report.scrub import (
    ScrubbingArgumentParser,
    command_line_secrets,
    scrubbed_output,
)
from conformance.shapes.files import ShapesFile, default_path, load, to_document, write
from conformance.shapes.model import Drift, Recording, compare_recordings, summarize
from conformance.shapes.options import add_arguments
from conformance.shapes.recorder import RecorderResult, describe, record, server_version
from conformance.target.client import TargetClient, client_for
from conformance.target.config import ConfigError, resolve_config

EXIT_DRIFT = 1
EXIT_UNUSABLE = 2


class Unusable(Exception):
    """The command cannot run; the message is one sentence for stderr."""


def _parser(prog: str = "python -m conformance.shapes") -> argparse.ArgumentParser:
    parser = ScrubbingArgumentParser(
        prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    return parser


def _client(args: argparse.Namespace) -> TargetClient:
    key = getattr(args, "api_key", None) or os.environ.get(ApiKey.variable)
    if not args.target or not args.workspace:
        raise Unusable("give --target and --workspace (or PLANE_BASE_URL, PLANE_WORKSPACE_SLUG)")
    if not key:
        raise Unusable(f"give --api-key or set {ApiKey.variable} to the target's API key")
    try:
        config = resolve_config(base_url=args.target, api_key=key, workspace=args.workspace)
    except ConfigError as problem:
        raise Unusable(str(problem)) from None
    return client_for(config)


def _record(args: argparse.Namespace) -> tuple[RecorderResult, str]:
    with _client(args) as client:
        try:
            version = getattr(args, "server_version", None) or server_version(client)
            result = record(client)
        except httpx.HTTPError as problem:
            raise Unusable(f"the target did not answer: {type(problem).__name__}") from None
    if not result.recording or ("GET", "/api/v1/users/me/", 200) not in result.recording:
        raise Unusable("the target did not accept the key (GET /api/v1/users/me/ failed)")
    return result, version


def cmd_record(args: argparse.Namespace) -> int:
    result, version = _record(args)
    document = to_document(result.recording, result.not_recorded, server_version=version)
    out = args.out or default_path(version)
    write(out, document)
    print(describe(result))
    print(f"wrote {out}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    against = load(args.against)
    if args.observed:
        observed = load(args.observed).recording
    else:
        result, _version = _record(args)
        observed = result.recording
        for line in result.abandoned:
            print(f"section abandoned: {line}")
    drifts = compared(against, observed)
    for drift in drifts:
        print(drift)
    counts = ", ".join(f"{n} {kind}" for kind, n in summarize(drifts).items())
    responses = {drift.where for drift in drifts}
    print(f"{len(drifts)} drifts in {len(responses)} responses" + (f": {counts}" if counts else ""))
    return EXIT_DRIFT if drifts else 0


def compared(against: ShapesFile, observed: Recording) -> list[Drift]:
    """The drifts of `observed` (one run's sample) from the recorded release, on the operations
    it serves."""
    ops = {key[:2] for key in against.recording} - against.not_served
    return compare_recordings(against.recording, observed, ops, sample=True)


def drift_summary(against: ShapesFile, result: RecorderResult, *, limit: int = 200) -> ShapeDrift:
    """The comparison as data (results.json `extra.shape_drift`, the report's drift section):
    which release, how much was compared, the drift lines (the first `limit`) and the same per
    response of an operation, their count per kind, and the sections the scenario could not play
    (whose operations then show as missing)."""
    drifts = compared(against, result.recording)
    ops = {key[:2] for key in against.recording} - against.not_served
    per_response: dict[str, OperationDrift] = {}
    for drift in drifts[:limit]:
        method, path, status = drift.where.split(" ")
        key = drift.where
        if key not in per_response:
            per_response[key] = OperationDrift(f"{method} {path}", int(status))
        per_response[key].changes.append(
            str(Drift(drift.path, drift.kind, drift.recorded, drift.observed))
        )
    return ShapeDrift(
        against=f"Plane v{against.header.get('server_version', '?')}",
        operations_compared=len(ops),
        operations_drifting=len({tuple(d.where.split(" ")[:2]) for d in drifts}),
        drifts=len(drifts),
        by_kind=summarize(drifts),
        lines=[str(drift) for drift in drifts[:limit]],
        operations=list(per_response.values()),
        abandoned=list(result.abandoned),
        requests=result.requests,
    )


def run_command(args: argparse.Namespace, name: str = "conformance.shapes") -> int:
    """Run the parsed record / compare command; usage problems are one line on stderr."""
    try:
        return cmd_record(args) if args.shapes_command == "record" else cmd_compare(args)
    except (Unusable, OSError, ValueError) as problem:
        print(f"{name}: {problem}", file=sys.stderr)
        return EXIT_UNUSABLE


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    with scrubbed_output(*command_line_secrets(arguments)):  # as `plane-conformance shapes`
        return run_command(_parser().parse_args(arguments))


if __name__ == "__main__":
    sys.exit(main())
