"""Where the committed specs live, for a source checkout and for an installed wheel alike.

The files sit in the top-level `specs/` folder of the repository, where a reader finds them.
`conformance/_specs` is a symlink to it in the checkout, and setuptools copies the files behind
it into the sdist and the wheel as package data (`pyproject.toml`), so one lookup through
`importlib.resources` finds them editable and installed alike, with one copy in the repository.
"""

from __future__ import annotations

import functools
import os
from importlib.resources import files
from pathlib import Path

SPECS_ENV = "PLANE_CONFORMANCE_SPECS"  # another folder of specs instead of the packaged one
DOCS_ENV = "PLANE_DOCS_DIR"  # where the Plane docs snapshot is, for the derivation


@functools.cache
def packaged_specs_dir() -> Path:
    """The specs that come with the package (the checkout's `specs/` in an editable install)."""
    folder = files("conformance") / "_specs"
    if not isinstance(folder, Path):  # a zip import: the suite reads its specs as plain files
        raise RuntimeError(
            f"plane-conformance must be installed as files, not imported from an archive ({folder})"
        )
    return folder.resolve()


def specs_dir() -> Path:
    """The folder holding plane-v1.openapi.yaml and requirements.yaml."""
    override = os.environ.get(SPECS_ENV)
    return Path(override) if override else packaged_specs_dir()


def openapi_path() -> Path:
    return specs_dir() / "plane-v1.openapi.yaml"


def requirements_path() -> Path:
    return specs_dir() / "requirements.yaml"


def docs_dir() -> Path:
    """The Plane docs snapshot beside the checkout (`../shared/plane-docs`), used by derivation."""
    override = os.environ.get(DOCS_ENV)
    if override:
        return Path(override)
    repo = Path(__file__).resolve().parents[2]
    return repo.parent / "shared" / "plane-docs"
