"""results.json: the machine-readable run, `RunResult.to_dict()` as the CLI contract defines it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from conformance.report.model import RunResult


class ResultsFileError(ValueError):
    """A results.json cannot be read; the message is one sentence for the user."""


def write_results(result: RunResult | Mapping[str, object], path: Path) -> Path:
    """results.json: `result`, or its dict when the caller has it already (see write_all)."""
    data = result.to_dict() if isinstance(result, RunResult) else result
    text = json.dumps(data, indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def load_json(path: Path | str) -> dict[str, object]:
    """The raw JSON object of a results file, or ResultsFileError."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ResultsFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultsFileError(f"{path} is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("requirements"), list):
        raise ResultsFileError(f"{path} is not a plane-conformance results file")
    return data


def load_results(path: Path | str) -> RunResult:
    data = load_json(path)
    try:
        return RunResult.from_dict(data)
    except (TypeError, KeyError) as exc:
        raise ResultsFileError(
            f"{path} does not match this suite's results format ({exc})"
        ) from None
