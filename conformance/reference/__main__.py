"""`python -m conformance.reference`: the process the launcher starts.

Its options are `serve`'s (the one table, `ServerConfig`); the key comes from the environment
(`options.KEY_VARIABLE`) rather than argv, so it never shows in a process listing.
"""

from __future__ import annotations

import argparse
import os
import sys

from conformance.credentials import ApiKey
from conformance.reference.options import KEY_VARIABLE, add_server_arguments, config_from_namespace
from conformance.reference.server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.reference")
    add_server_arguments(parser)
    args = parser.parse_args(argv)
    try:
        config = config_from_namespace(args, {ApiKey.variable: os.environ.get(KEY_VARIABLE, "")})
    except ValueError as problem:
        raise SystemExit(str(problem)) from None
    return serve(config)


if __name__ == "__main__":
    sys.exit(main())
