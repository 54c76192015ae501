"""Reporting: HTML, JUnit and JSON files, baselines and diffs, all built from a `RunResult`.

`write_all` is the one entry point the pytest plugin (and the runner, after applying a baseline)
calls. Every file is written from a scrubbed copy of the result, so an API key that slipped into
a recorded exchange still never reaches the disk.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from conformance.report.html import write_html
from conformance.report.json_io import load_results, write_results
from conformance.report.junit import write_junit
from conformance.report.model import RunResult
from conformance.report.scrub import scrubbed_data

REPORT_FILES = ("report.html", "junit.xml", "results.json")

__all__ = ["REPORT_FILES", "load_results", "write_all"]


def write_all(result: RunResult, report_dir: Path | str, secrets: Iterable[str] = ()) -> list[Path]:
    """Write report.html, junit.xml and results.json into `report_dir`; return their paths.

    `secrets` are literal values (the API key) to remove wherever they appear, on top of the
    pattern-based scrubbing; PLANE_API_KEY from the environment is always included.
    """
    directory = Path(report_dir)
    directory.mkdir(parents=True, exist_ok=True)
    data = scrubbed_data(result, secrets)
    clean = RunResult.from_dict(data)
    return [
        write_html(clean, directory / "report.html"),
        write_junit(clean, directory / "junit.xml"),
        write_results(data, directory / "results.json"),  # the dict it was read from: equal
    ]
