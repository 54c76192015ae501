"""The arguments of `plane-conformance replay` (a light module: the CLI builds its parser from
it without importing the replay's machinery). The target, key and workspace options are the
run's own (`TargetConfig`'s table), with the same flags, environment fallbacks and help."""

from __future__ import annotations

import argparse

from conformance.options import add_arguments, options_of
from conformance.target.config import TargetConfig

REPLAYED_OPTIONS = ("base_url", "api_key", "workspace")


def add_replay_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("report", metavar="REPORT", help="a report folder, or its results.json")
    parser.add_argument(
        "id",
        metavar="ID",
        help="a requirement id (its first exchange shown as evidence), an evidence id "
        "(ORD-003.2) or a schema finding's (F4), as report.html shows them",
    )
    add_arguments(parser, options_of(TargetConfig, lambda o: o.name in REPLAYED_OPTIONS))
