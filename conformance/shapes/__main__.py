"""`python -m conformance.shapes record|compare`: record a target's response shapes, or compare
them with a recorded release (which fields appeared, disappeared or changed type).

    record  --target URL --workspace SLUG [--out FILE] [--server-version V]
    compare --target URL --workspace SLUG [--against FILE]
    compare --observed FILE [--against FILE]        (two recordings, no target)

The key comes from PLANE_API_KEY only (never a flag, never printed); PLANE_BASE_URL and
PLANE_WORKSPACE_SLUG stand in for --target and --workspace. Exit codes: 0 no drift (or recorded),
1 drift, 2 the command could not run (one sentence on stderr).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx

from conformance.shapes.files import default_path, load, to_document, write
from conformance.shapes.model import compare_recordings, summarize
from conformance.shapes.recorder import RecorderResult, describe, record, server_version
from conformance.target.client import TargetClient
from conformance.target.pacing import Pacer, state_path_for

EXIT_DRIFT = 1
EXIT_UNUSABLE = 2


class Unusable(Exception):
    """The command cannot run; the message is one sentence for stderr."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m conformance.shapes", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="record a target's response shapes to a file")
    cmp = sub.add_parser("compare", help="compare a target's shapes with a recorded release")
    for each in (rec, cmp):
        each.add_argument("--target", default=os.environ.get("PLANE_BASE_URL"))
        each.add_argument("--workspace", default=os.environ.get("PLANE_WORKSPACE_SLUG"))
    rec.add_argument("--out", type=Path, help="default: specs/observed/plane-vVERSION.shapes.json")
    rec.add_argument("--server-version", help="default: asked from the target's /api/instances/")
    cmp.add_argument("--against", type=Path, help=f"recorded file (default: {default_path()})")
    cmp.add_argument("--observed", type=Path, help="a second recording instead of a target")
    return parser


def _client(args: argparse.Namespace) -> TargetClient:
    key = os.environ.get("PLANE_API_KEY")
    if not args.target or not args.workspace:
        raise Unusable("give --target and --workspace (or PLANE_BASE_URL, PLANE_WORKSPACE_SLUG)")
    if not key:
        raise Unusable("set PLANE_API_KEY to the target's API key")
    pacer = Pacer(state_path_for(args.target, key))
    return TargetClient(args.target, key, args.workspace, pacer=pacer)


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
    ops = {key[:2] for key in against.recording} - against.not_served
    drifts = compare_recordings(against.recording, observed, ops)
    for drift in drifts:
        print(drift)
    counts = ", ".join(f"{n} {kind}" for kind, n in summarize(drifts).items())
    responses = {drift.where for drift in drifts}
    print(f"{len(drifts)} drifts in {len(responses)} responses" + (f": {counts}" if counts else ""))
    return EXIT_DRIFT if drifts else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return cmd_record(args) if args.command == "record" else cmd_compare(args)
    except (Unusable, OSError, ValueError) as problem:
        print(f"conformance.shapes: {problem}", file=sys.stderr)
        return EXIT_UNUSABLE


if __name__ == "__main__":
    sys.exit(main())
