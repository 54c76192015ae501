"""The arguments of `plane-conformance shapes` / `python -m conformance.shapes` (a light module:
the CLI builds its parser without importing the recorder)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from conformance.shapes.files import default_path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The record / compare subcommands, on `parser` (this module's, or the CLI's `shapes`)."""
    sub = parser.add_subparsers(dest="shapes_command", required=True)
    rec = sub.add_parser("record", help="record a target's response shapes to a file")
    cmp = sub.add_parser("compare", help="compare a target's shapes with a recorded release")
    for each in (rec, cmp):
        each.add_argument("--target", default=os.environ.get("PLANE_BASE_URL"))
        each.add_argument("--api-key", help="API key (env PLANE_API_KEY); never printed")
        each.add_argument("--workspace", default=os.environ.get("PLANE_WORKSPACE_SLUG"))
    rec.add_argument("--out", type=Path, help="default: specs/observed/plane-vVERSION.shapes.json")
    rec.add_argument("--server-version", help="default: asked from the target's /api/instances/")
    cmp.add_argument("--against", type=Path, help=f"recorded file (default: {default_path()})")
    cmp.add_argument("--observed", type=Path, help="a second recording instead of a target")
