"""Where the committed specs live, for a source checkout and for an installed wheel alike."""

from __future__ import annotations

import os
from pathlib import Path

# `conformance/_specs` is a symlink to the top-level `specs/` folder; setuptools copies it into
# wheels, so the same relative lookup works installed and editable.
_PACKAGED = Path(__file__).resolve().parent.parent / "_specs"


def specs_dir() -> Path:
    """The folder holding plane-v1.openapi.yaml and requirements.yaml."""
    override = os.environ.get("PLANE_CONFORMANCE_SPECS")
    return Path(override) if override else _PACKAGED


def openapi_path() -> Path:
    return specs_dir() / "plane-v1.openapi.yaml"


def requirements_path() -> Path:
    return specs_dir() / "requirements.yaml"


def docs_dir() -> Path:
    """The Plane docs snapshot beside the checkout (`../shared/plane-docs`), used by derivation."""
    override = os.environ.get("PLANE_DOCS_DIR")
    if override:
        return Path(override)
    repo = Path(__file__).resolve().parents[2]
    return repo.parent / "shared" / "plane-docs"
