"""Read the committed YAML files fast: libyaml, and a JSON copy kept per file content.

Every pytest process of a run (the runner and each xdist worker) reads the OpenAPI description,
the cloud one and the catalogue; parsing YAML costs about 0.1 s a process even with libyaml,
json about a hundredth of that. The copy lives in the system temp dir, named by a hash of the
YAML bytes, so an edited file is simply read afresh. A document that JSON cannot carry exactly
(dates, integer keys) is never cached; an unwritable temp dir only means no cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import yaml

# libyaml's loader when PyYAML was built with it (it is in the PyPI wheels)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CACHE_DIR_NAME = "plane-conformance-yaml"
_VERSION = b"1"  # bump to orphan old copies when the copy format changes


def cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / CACHE_DIR_NAME


def _copy_path(raw: bytes, directory: Path) -> Path:
    return directory / f"{hashlib.sha256(_VERSION + raw).hexdigest()[:24]}.json"


def load_yaml(path: str | Path, *, directory: Path | None = None) -> object:
    """The parsed document (a fresh object on every call: callers may change it)."""
    raw = Path(path).read_bytes()
    copy = _copy_path(raw, directory or cache_dir())
    try:
        return json.loads(copy.read_bytes())
    except (OSError, ValueError):
        pass
    data = yaml.load(raw, Loader=_LOADER)
    _store(copy, data)
    return data


def _store(copy: Path, data: object) -> None:
    try:
        text = json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError):
        return  # e.g. a date: JSON cannot carry it
    if json.loads(text) != data:
        return  # e.g. integer keys would come back as strings
    try:
        copy.parent.mkdir(parents=True, exist_ok=True)
        partial = copy.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, copy)  # atomic: a concurrent reader sees all of it or nothing
    except OSError:
        pass
