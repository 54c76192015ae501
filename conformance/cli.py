"""The `plane-conformance` command: run, serve, faults, variations, requirements, diff, shapes.

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
from conformance.exit_codes import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNUSABLE,
    UsageFailure,
    help_epilog,
)
from conformance.reference.behaviours import RELEASES, add_behaviour_options
from conformance.report.scrub import ScrubbingArgumentParser, command_line_secrets, scrubbed_output
from conformance.shapes.options import add_arguments as add_shapes_arguments
from conformance.target.config import PROFILES

EXIT_BROKEN_PIPE = 141  # what a shell reports for a process ended by SIGPIPE


class _Parser(ScrubbingArgumentParser):  # its messages never echo a key given on the line
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse exits 2 already; we keep its single line and drop the usage wall. A value
        # check of ours says its whole sentence ("--workers must be ..."): no "argument" prefix.
        own = re.match(r"argument [^:]+: (--.*)$", message)
        self.exit(EXIT_UNUSABLE, f"plane-conformance: {own.group(1) if own else message}\n")


def whole_number(option: str, low: int | None = 1, high: int | None = None) -> Any:
    """An argparse type for a whole number in [low, high], whose error is one sentence."""
    if low is not None and high is not None:
        wanted = f"a whole number from {low} to {high}"
    elif low is not None:
        wanted = f"a whole number ≥ {low}"
    else:
        wanted = "a whole number"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} must be {wanted}, not {text!r}") from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{option} must be {wanted}, not {value}")
        return value

    parse.__name__ = option  # what argparse would name in its own messages
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="plane-conformance",
        description=__doc__.splitlines()[0],
        epilog=help_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser(
        "run",
        help="run the suite (against the embedded reference by default)",
        epilog=help_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "--target", help="API base URL (env PLANE_BASE_URL); omit for the embedded server"
    )
    run.add_argument("--api-key", help="API key (env PLANE_API_KEY); never printed")
    run.add_argument("--workspace", help="workspace slug (env PLANE_WORKSPACE_SLUG)")
    run.add_argument(
        "--project", help="existing project UUID to work in (default: a scratch project)"
    )
    run.add_argument("--report-dir", default="reports", help="where reports go (default: reports/)")
    run.add_argument("--profile", choices=PROFILES, default="standard")
    run.add_argument("--only", help="comma-separated areas to run (see `requirements`)")
    run.add_argument(
        "--seed", type=whole_number("--seed", low=0), help="random seed (printed on every run)"
    )
    run.add_argument(
        "--workers", type=whole_number("--workers"), default=1, help="pytest-xdist workers"
    )
    run.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also show pytest's output: failure sections with tracebacks",
    )
    run.add_argument("--read-only", action="store_true", help="send GET requests only")
    run.add_argument("--baseline", help="YAML file of accepted failing requirement ids")
    run.add_argument(
        "--fail-on-stale-baseline",
        action="store_true",
        help="fail when a baselined requirement now passes",
    )
    run.add_argument("--write-baseline", help="write the failing requirements to this file")
    run.add_argument(
        "--fault",
        action="append",
        default=[],
        help="embedded server only: switch on a fault (repeatable)",
    )
    run.add_argument(
        "--variation",
        action="append",
        default=[],
        help="embedded server only: answer in a legitimate variation (repeatable)",
    )
    run.add_argument(
        "--rate-limit",
        type=whole_number("--rate-limit"),
        help="embedded server only: requests per minute per key",
    )
    run.add_argument(
        "--rate-window",
        type=whole_number("--rate-window"),
        help="embedded server only: rate-limit window in seconds (default 60)",
    )
    run.add_argument(
        "--latency-ms",
        type=whole_number("--latency-ms"),
        help="embedded server only: hold every API answer back this long, like a remote target",
    )
    add_behaviour_options(run)  # embedded server only
    run.add_argument(
        "--compare-shapes",
        nargs="?",
        const="release",
        metavar="RECORDING",
        help="after the checks, record the target's response shapes and compare them with a "
        "recorded release (default: Plane v1.3.1's); the drift goes to results.json "
        "extra.shape_drift (creates and deletes its own project)",
    )

    serve = sub.add_parser("serve", help="run the reference server until SIGINT/SIGTERM")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=whole_number("--port", 1, 65535), default=8000)
    serve.add_argument(
        "--api-key",
        help="the key to accept (env PLANE_API_KEY; default: generated "
        "and written to a private file whose path is printed)",
    )
    serve.add_argument("--workspace", default="conformance", help="workspace slug")
    serve.add_argument(
        "--rate-limit", type=whole_number("--rate-limit"), help="requests per minute per key"
    )
    serve.add_argument(
        "--rate-window",
        type=whole_number("--rate-window"),
        help="window length in seconds (default 60, as documented)",
    )
    serve.add_argument(
        "--fault", action="append", default=[], help="switch on a fault (repeatable)"
    )
    serve.add_argument(
        "--variation",
        action="append",
        default=[],
        help="answer in a legitimate variation the docs allow (repeatable)",
    )
    serve.add_argument("--db", help="SQLite file to keep data across restarts (default: temporary)")
    serve.add_argument(
        "--log",
        metavar="FILE",
        help="write one line per request (method, path, status, duration; never a key) to FILE, "
        "or to stdout with -",
    )
    serve.add_argument(
        "--latency-ms",
        type=whole_number("--latency-ms"),
        help="hold every API answer back this long",
    )
    add_behaviour_options(serve)

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


# The keys `serve` accepts: (argument name, environment variable, what it is called).
SERVE_KEYS = (
    ("api_key", "PLANE_API_KEY", "API key"),
    ("member_api_key", "PLANE_MEMBER_API_KEY", "member key"),
    ("guest_api_key", "PLANE_GUEST_API_KEY", "guest key"),
)


def _serve(args: argparse.Namespace) -> int:
    from conformance.reference.faults import unknown_faults
    from conformance.reference.server import serve

    unknown = unknown_faults(list(getattr(args, "fault", None) or []))
    if unknown:
        raise UsageFailure(
            f"unknown fault {unknown[0]!r}; `plane-conformance faults` lists the fault switches."
        )
    args.api_key = args.api_key or os.environ.get("PLANE_API_KEY")
    files = []
    try:
        for name, variable, label in SERVE_KEYS:
            if not getattr(args, name, None) and not os.environ.get(variable):
                files.append(_key_file(args, name, variable, label))
            elif not getattr(args, name, None):
                setattr(args, name, os.environ[variable])
        return serve(args)
    finally:
        for path in files:
            os.unlink(path)


def _key_file(args: argparse.Namespace, name: str, variable: str, label: str) -> str:
    """Generate the key, write it to a file only the current user can read (never printed),
    print the file's path; the key means nothing once the server has stopped, nor the file."""
    import tempfile

    from conformance.reference.config import generate_api_key

    setattr(args, name, generate_api_key())
    suffix = ".key" if name == "api_key" else f".{name.split('_')[0]}.key"
    fd, path = tempfile.mkstemp(prefix="plane-conformance-", suffix=suffix)
    with os.fdopen(fd, "w") as key_file:  # mkstemp creates it with mode 0600
        key_file.write(getattr(args, name) + "\n")
    print(
        f"plane-conformance: {label} in {path} (export {variable}=$(cat {path}))",
        file=sys.stderr,
        flush=True,
    )
    return path


def _run(args: argparse.Namespace) -> int:
    from conformance.runner import run

    return run(args)


def _diff(args: argparse.Namespace) -> int:
    from conformance.report.diff import diff_command

    return diff_command(args.old, args.new, html=args.html)


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
