"""The `plane-conformance` command: run, serve, faults, variations, requirements, diff, shapes.

This module only parses arguments and dispatches; each subcommand's work lives in its layer
(runner, reference server, catalogue, report), and nothing imports this module. Exit codes
(`conformance.exit_codes`): 0 every MUST passed, 1 a MUST failed, 2 the run could not happen
(one sentence on stderr, no traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

from conformance import __version__
from conformance.credentials import ApiKey
from conformance.exit_codes import EXIT_INTERRUPTED, EXIT_OK, EXIT_UNUSABLE, UsageFailure
from conformance.options import add_arguments, options_of
from conformance.reference.options import add_server_arguments
from conformance.run_options import RunnerOptions
from conformance.shapes.options import add_arguments as add_shapes_arguments
from conformance.target.config import TargetConfig

EXIT_BROKEN_PIPE = 141  # what a shell reports for a process ended by SIGPIPE


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse exits 2 already; we keep its single line and drop the usage wall. A value
        # check of ours says its whole sentence ("--workers must be ..."): no "argument" prefix.
        own = re.match(r"argument [^:]+: (--.*)$", message)
        self.exit(EXIT_UNUSABLE, f"plane-conformance: {own.group(1) if own else message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="plane-conformance", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    # Each subcommand's options come from the tables that declare them (conformance.options).
    run = sub.add_parser("run", help="run the suite (against the embedded reference by default)")
    add_arguments(run, options_of(TargetConfig))
    add_arguments(run, options_of(RunnerOptions))
    add_server_arguments(run, embedded_only=True)

    serve = sub.add_parser("serve", help="run the reference server until SIGINT/SIGTERM")
    add_server_arguments(serve)

    sub.add_parser("faults", help="list the reference server's fault switches")
    sub.add_parser("variations", help="list the reference server's legitimate variations")
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


def _variations(_: argparse.Namespace) -> int:
    from conformance.reference.variations import all_variations

    for variation in all_variations().values():
        print(f"{variation.name:<36} {variation.description}")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    import tempfile

    from conformance.reference import server
    from conformance.reference.options import config_from_namespace

    try:
        config = config_from_namespace(args, os.environ)
    except ValueError as problem:
        raise UsageFailure(str(problem)) from None
    if args.api_key or os.environ.get(ApiKey.variable):
        return server.serve(config)
    # A generated key is never printed: it goes to a file only the current user can read, which
    # lives as long as the server (the key means nothing once the server has stopped).
    fd, path = tempfile.mkstemp(prefix="plane-conformance-", suffix=".key")
    with os.fdopen(fd, "w") as key_file:  # mkstemp creates it with mode 0600
        key_file.write(config.api_key + "\n")
    print(
        f"plane-conformance: API key in {path} (export PLANE_API_KEY=$(cat {path}))",
        file=sys.stderr,
        flush=True,
    )
    try:
        return server.serve(config)
    finally:
        os.unlink(path)


def _run(args: argparse.Namespace) -> int:
    from conformance.runner import RunRequest, run

    return run(RunRequest.from_namespace(args))


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
    "requirements": _requirements,
    "diff": _diff,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
