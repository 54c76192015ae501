"""The reference server's options, from the one table (`ServerConfig`'s fields): the arguments of
`serve` and `python -m conformance.reference`, the embedded server's options of `run`, the
launcher's command line, and the typed `ServerConfig` they all come to.

The key the server accepts is a secret: it is never on a command line. The launcher hands it to
the server process in the environment variable `KEY_VARIABLE`, the one place it travels.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from conformance.options import Option, add_arguments, given_in, options_of, resolve, to_argv
from conformance.reference.config import ServerConfig
from conformance.reference.faults import unknown_faults
from conformance.reference.variations import unknown_variations

# The launcher -> server process channel of the keys (the admin's, the member's, the guest's).
KEY_VARIABLE = "PLANE_REFERENCE_API_KEY"
MEMBER_KEY_VARIABLE = "PLANE_REFERENCE_MEMBER_API_KEY"
GUEST_KEY_VARIABLE = "PLANE_REFERENCE_GUEST_API_KEY"
TOKEN_VARIABLE = "PLANE_REFERENCE_ACCESS_TOKEN"  # the access token it issues, likewise
# The launcher -> server process channel of its life: the pipe on which the server says it
# listens, and that it ends when the launcher's end of its stdin closes.
READY_FD_VARIABLE = "PLANE_REFERENCE_READY_FD"
WATCH_STDIN_VARIABLE = "PLANE_REFERENCE_EXIT_WITH_STDIN"
EMBEDDED_NOTE = "embedded server only: "


def embedded(option: Option) -> bool:
    """An option `run` also offers, for the embedded server."""
    return option.embedded


def server_options(keep_embedded: bool = False) -> list[Option]:
    return options_of(ServerConfig, embedded if keep_embedded else None)


def add_server_arguments(parser: argparse.ArgumentParser, *, embedded_only: bool = False) -> None:
    """`serve`'s arguments; with `embedded_only`, those `run` offers for its embedded server."""
    add_arguments(
        parser, server_options(embedded_only), note=EMBEDDED_NOTE if embedded_only else ""
    )


def server_config(
    given: Mapping[str, object], env: Mapping[str, str] | None = None
) -> ServerConfig:
    """The server's configuration from options `given` (by name, as parsed; or fields by their
    own names), the environment `env` (none by default: an embedded server never takes the
    user's PLANE_API_KEY), then the defaults. Every name is checked: an unknown fault, variation
    or behaviour is a ValueError of one sentence."""
    config = resolve(ServerConfig, given, env or {})
    # (The registries import the whole package to know every name: only when names are given.)
    unknown = unknown_faults(sorted(config.faults)) if config.faults else []
    if unknown:
        raise ValueError(
            f"unknown fault {unknown[0]!r}; `plane-conformance faults` lists the fault switches."
        )
    unknown = unknown_variations(sorted(config.variations)) if config.variations else []
    if unknown:
        raise ValueError(
            f"unknown variation {unknown[0]!r}; `plane-conformance variations` lists them."
        )
    return config


def config_from_namespace(
    args: argparse.Namespace,
    env: Mapping[str, str] | None = None,
    *,
    embedded_only: bool = False,
    fields: Mapping[str, object] | None = None,
) -> ServerConfig:
    """The configuration a parsed command line asks for (the parser had `add_server_arguments`),
    with `fields` set by their own names (the keys that have no option)."""
    given = {**given_in(args, server_options(embedded_only)), **(fields or {})}
    return server_config(given, env)


def server_arguments(config: ServerConfig) -> list[str]:
    """The command-line arguments of `python -m conformance.reference` for `config` (the key is
    not among them: see KEY_VARIABLE)."""
    return to_argv(config)
