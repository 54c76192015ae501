"""`python -m conformance.reference`: the process the launcher starts.

The keys come from the environment (PLANE_REFERENCE_API_KEY, and PLANE_REFERENCE_MEMBER_API_KEY /
PLANE_REFERENCE_GUEST_API_KEY for the workspace member and guest) rather than argv, so they never
show in a process listing.
"""

from __future__ import annotations

import argparse
import os
import sys

from conformance.reference.behaviours import add_behaviour_options
from conformance.reference.server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.reference")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workspace", default="conformance")
    parser.add_argument("--rate-limit", type=int)
    parser.add_argument("--rate-window", type=int)
    parser.add_argument("--fault", action="append", default=[])
    parser.add_argument("--variation", action="append", default=[])
    parser.add_argument("--db")
    parser.add_argument("--latency-ms", type=int, default=0)
    add_behaviour_options(parser)
    args = parser.parse_args(argv)
    args.api_key = os.environ.get("PLANE_REFERENCE_API_KEY")
    args.member_api_key = os.environ.get("PLANE_REFERENCE_MEMBER_API_KEY")
    args.guest_api_key = os.environ.get("PLANE_REFERENCE_GUEST_API_KEY")
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
