"""`python -m conformance.reference`: the process the launcher starts.

Its options are `serve`'s (the one table, `ServerConfig`). The keys come from the environment
(`options.KEY_VARIABLE`, and the member's and guest's beside it) rather than argv, so they never
show in a process listing.
"""

from __future__ import annotations

import argparse
import os
import sys

from conformance.credentials import ApiKey
from conformance.reference.options import (
    GUEST_KEY_VARIABLE,
    KEY_VARIABLE,
    MEMBER_KEY_VARIABLE,
    TOKEN_VARIABLE,
    add_server_arguments,
    config_from_namespace,
)
from conformance.reference.server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.reference")
    add_server_arguments(parser)
    args = parser.parse_args(argv)
    keys = {
        "member_api_key": os.environ.get(MEMBER_KEY_VARIABLE) or None,
        "guest_api_key": os.environ.get(GUEST_KEY_VARIABLE) or None,
        "access_token": os.environ.get(TOKEN_VARIABLE) or None,
    }
    try:
        env = {ApiKey.variable: os.environ.get(KEY_VARIABLE, "")}
        config = config_from_namespace(args, env, fields=keys)
    except ValueError as problem:
        raise SystemExit(str(problem)) from None
    return serve(config)


if __name__ == "__main__":
    sys.exit(main())
