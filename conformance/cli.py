"""The `plane-conformance` command: run, serve, replay, diff, shapes, and the listings.

(`faults`, `variations` and `requirements` list the fault switches, the legitimate variations
and the requirement catalogue.)
(`behaviours` lists the reference server's behaviours: Plane's ways, per release.)

This module only parses arguments and dispatches; each subcommand's work lives in its layer
(runner, reference server, catalogue, report), and nothing imports this module. The exit codes
and their meanings are `conformance.exit_codes.EXIT_CODES` (shown by `--help`).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from conformance import __version__
from conformance.credentials import ApiKey, BearerToken
from conformance.exit_codes import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNUSABLE,
    UsageFailure,
    help_epilog,
)
from conformance.options import add_arguments, options_of
from conformance.reference.behaviours import RELEASES
from conformance.reference.options import add_server_arguments
from conformance.replay.arguments import add_replay_arguments
from conformance.report.scrub import ScrubbingArgumentParser, command_line_secrets, scrubbed_output
from conformance.run_options import RunnerOptions
from conformance.shapes.options import add_arguments as add_shapes_arguments
from conformance.target.config import TargetConfig

EXIT_BROKEN_PIPE = 141  # what a shell reports for a process ended by SIGPIPE


class _Parser(ScrubbingArgumentParser):  # its messages never echo a key given on the line
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # No abbreviations: a mistyped `--token KEY` must be refused, not taken for
        # `--token-scopes` (a secret read as something else).
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse exits 2 already; we keep its single line and drop the usage wall. A value
        # check of ours says its whole sentence ("--workers must be ..."): no "argument" prefix.
        own = re.match(r"argument [^:]+: (--.*)$", message)
        self.exit(EXIT_UNUSABLE, f"plane-conformance: {own.group(1) if own else message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="plane-conformance",
        description=__doc__.splitlines()[0],
        epilog=help_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    # Each subcommand's options come from the tables that declare them (conformance.options).
    run = sub.add_parser(
        "run",
        help="run the suite (against the embedded reference by default)",
        epilog=help_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(run, options_of(TargetConfig))
    add_arguments(run, options_of(RunnerOptions))
    add_server_arguments(run, embedded_only=True)

    serve = sub.add_parser("serve", help="run the reference server until SIGINT/SIGTERM")
    add_server_arguments(serve)

    sub.add_parser("faults", help="list the reference server's fault switches")
    sub.add_parser("variations", help="list the reference server's legitimate variations")
    behaviours = sub.add_parser(
        "behaviours", help="list the reference server's behaviours: Plane's ways, per release"
    )
    behaviours.add_argument("--release", choices=RELEASES, help="only this release's")
    reqs = sub.add_parser("requirements", help="print the requirement catalogue")
    reqs.add_argument("--area", help="only this area")

    diff = sub.add_parser("diff", help="compare two results.json files; exit 1 on a regression")
    diff.add_argument("old")
    diff.add_argument("new")
    diff.add_argument("--html", help="also write the comparison as a page to this file")

    replay = sub.add_parser(
        "replay",
        help="send a recorded exchange of a report again, in a fresh scratch project, and "
        "compare the answer (exit 0 reproduced, 1 not, 2 cannot replay)",
    )
    add_replay_arguments(replay)

    shapes = sub.add_parser(
        "shapes",
        help="record a target's response shapes, or compare them with a recorded Plane release",
    )
    add_shapes_arguments(shapes)
    return parser


def _requirements(args: argparse.Namespace) -> int:
    from conformance.spec.catalogue import catalogue

    for req in catalogue().values():
        if args.area and req.area != args.area:
            continue
        print(f"{req.id:<10} {req.level:<6} {req.area:<14} {req.statement}")
        print(f"{'':<32}source: {req.source}")
    return EXIT_OK


def _faults(_: argparse.Namespace) -> int:
    from conformance.reference.faults import all_faults

    for fault in all_faults().values():
        flags = ",".join(fault.requirements) or f"({fault.expect})"
        print(f"{fault.name:<36} {flags:<24} {fault.description}")
    return EXIT_OK


def _behaviours(args: argparse.Namespace) -> int:
    from conformance.reference.behaviours import all_behaviours, release_behaviours

    chosen = release_behaviours(args.release) if args.release else all_behaviours()
    for behaviour in chosen.values():
        releases = ",".join(r for r in RELEASES if r in behaviour.releases)
        print(f"{behaviour.name:<40} {behaviour.kind:<10} {releases:<20} {behaviour.description}")
    return EXIT_OK


def _variations(_: argparse.Namespace) -> int:
    from conformance.reference.variations import all_variations

    for variation in all_variations().values():
        print(f"{variation.name:<36} {variation.description}")
    return EXIT_OK


# The keys `serve` accepts: (ServerConfig field, environment variable, what it is called). The
# admin's may also be given with --api-key; the member's and the guest's have no flag.
SERVE_KEYS = (
    ("api_key", ApiKey.variable, "API key"),
    ("member_api_key", "PLANE_MEMBER_API_KEY", "member key"),
    ("guest_api_key", "PLANE_GUEST_API_KEY", "guest key"),
    ("access_token", BearerToken.variable, "access token"),  # an OAuth app's (--token-scopes)
)


def _serve(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from conformance.reference import server
    from conformance.reference.options import config_from_namespace

    try:  # every option checked before a key file is written
        config = config_from_namespace(args, os.environ)
    except ValueError as problem:
        raise UsageFailure(str(problem)) from None
    keys: dict[str, str] = {}
    files = []
    try:
        for name, variable, label in SERVE_KEYS:
            key = getattr(args, name, None) or os.environ.get(variable)
            if not key:
                key, path = _key_file(name, variable, label)
                files.append(path)
            keys[name] = key
        config = replace(
            config,
            api_key=keys["api_key"],
            member_api_key=keys["member_api_key"],
            guest_api_key=keys["guest_api_key"],
            access_token=keys["access_token"],
        )
        return server.serve(config)
    finally:
        for path in files:
            os.unlink(path)


def _key_file(name: str, variable: str, label: str) -> tuple[str, str]:
    """Generate a key and write it to a file only the current user can read (never printed),
    print the file's path; the key means nothing once the server has stopped, nor the file."""
    import tempfile

    from conformance.reference.config import generate_access_token, generate_api_key

    token = name == "access_token"
    key = generate_access_token() if token else generate_api_key()
    suffix = ".key" if name == "api_key" else f".{name.split('_')[0]}.key"
    suffix = ".token" if token else suffix
    fd, path = tempfile.mkstemp(prefix="plane-conformance-", suffix=suffix)
    with os.fdopen(fd, "w") as key_file:  # mkstemp creates it with mode 0600
        key_file.write(key + "\n")
    print(
        f"plane-conformance: {label} in {path} (export {variable}=$(cat {path}))",
        file=sys.stderr,
        flush=True,
    )
    return key, path


def _run(args: argparse.Namespace) -> int:
    from conformance.runner import RunRequest, run

    return run(RunRequest.from_namespace(args))


def _diff(args: argparse.Namespace) -> int:
    from conformance.report.diff import diff_command

    return diff_command(args.old, args.new, html=args.html)


def _replay(args: argparse.Namespace) -> int:
    from conformance.replay.command import replay

    return replay(args)


def _shapes(args: argparse.Namespace) -> int:
    from conformance.shapes.command import run_command

    return run_command(args, "plane-conformance shapes")


COMMANDS = {
    "shapes": _shapes,
    "run": _run,
    "serve": _serve,
    "faults": _faults,
    "variations": _variations,
    "behaviours": _behaviours,
    "requirements": _requirements,
    "diff": _diff,
    "replay": _replay,
}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # Everything the command writes, argparse's messages and a traceback included, leaves through
    # the scrubber: the key of the environment and whatever the line carries as a key are masked.
    with scrubbed_output(*command_line_secrets(arguments)):
        return _dispatch(arguments)


def _dispatch(arguments: list[str]) -> int:
    args = build_parser().parse_args(arguments)
    try:
        return COMMANDS[args.command](args)
    except UsageFailure as failure:
        print(f"plane-conformance: {failure}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("plane-conformance: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`diff ... | head`): end quietly. Python would complain again
        # when it flushes stdout at exit, so stdout goes to /dev/null from here on.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception:  # the suite itself broke: no verdict, and the traceback goes scrubbed
        traceback.print_exc()
        return EXIT_UNUSABLE


if __name__ == "__main__":
    sys.exit(main())
