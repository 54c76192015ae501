"""The committed shapes file: a stable, sorted JSON document that reads well in a diff.

One key per operation ("METHOD /path/template/"), ordered by path then method; under it one key
per status; under that the flattened shape, one line per node (see model.py). A small header says
what was recorded (server version, date, counts) and what was not, and why. Values never appear:
only field names and types, so the file holds no secret and no data of the target.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.shapes.model import ROOT, Recording, Shape, flatten, split_path, unflatten
from conformance.spec.paths import specs_dir

FORMAT = 1
RECORD_COMMAND = (
    "python -m conformance.shapes record --target URL --workspace SLUG (key from PLANE_API_KEY)"
)


@dataclass(frozen=True)
class ShapesFile:
    recording: Recording
    not_recorded: dict[str, str]
    header: dict[str, Any]

    @property
    def not_served(self) -> set[tuple[str, str]]:
        """(method, path) the recorded server does not serve: left out of comparisons."""
        found = set()
        for key, why in self.not_recorded.items():
            method, path = key.split(" ")[:2]
            if why.startswith("not served"):
                found.add((method, path))
        return found


def observed_dir() -> Path:
    return specs_dir() / "observed"


def default_path(version: str = "1.3.1") -> Path:
    return observed_dir() / f"plane-v{version}.shapes.json"


def _operation_key(key: str) -> tuple[list[str], str]:
    method, path = key.split(" ", 1)
    return path.split("/"), method


def to_document(
    recording: Recording,
    not_recorded: Mapping[str, str],
    *,
    server_version: str,
    recorded_on: datetime.date | None = None,
) -> dict[str, Any]:
    by_operation: dict[str, dict[str, dict[str, str]]] = {}
    for (method, path, status), shape in recording.items():
        flat = flatten(shape)
        ordered = {p: flat[p] for p in sorted(flat, key=split_path)}
        by_operation.setdefault(f"{method} {path}", {})[str(status)] = ordered
    shapes = {
        op: {status: by_operation[op][status] for status in sorted(by_operation[op])}
        for op in sorted(by_operation, key=_operation_key)
    }
    return {
        "about": "Response shapes observed on a Plane server (field names and JSON types, never "
        "values), per operation and status. Re-record: " + RECORD_COMMAND,
        "format": FORMAT,
        "server_version": server_version,
        "recorded_on": (recorded_on or datetime.date.today()).isoformat(),
        "operations": len(shapes),
        "responses": len(recording),
        "not_recorded": dict(sorted(not_recorded.items(), key=lambda kv: _operation_key(kv[0]))),
        "shapes": shapes,
    }


def dumps(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def from_document(document: Mapping[str, Any]) -> ShapesFile:
    if document.get("format") != FORMAT:
        raise ValueError(f"unknown shapes file format {document.get('format')!r}")
    recording: dict[tuple[str, str, int], Shape] = {}
    for op, statuses in document["shapes"].items():
        method, path = op.split(" ", 1)
        for status, flat in statuses.items():
            if ROOT not in flat:
                raise ValueError(f"{op} {status}: no root $ in the shape")
            recording[(method, path, int(status))] = unflatten(flat)
    header = {k: v for k, v in document.items() if k not in ("shapes", "not_recorded")}
    return ShapesFile(recording, dict(document.get("not_recorded", {})), header)


def load(path: str | Path | None = None) -> ShapesFile:
    file = Path(path) if path else default_path()
    return from_document(json.loads(file.read_text(encoding="utf-8")))


def write(path: str | Path, document: Mapping[str, Any]) -> None:
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(dumps(document), encoding="utf-8")
