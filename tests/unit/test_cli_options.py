"""Every bad input ends with exit code 2 and one sentence, before a server starts or a request is
sent: the run is driven in-process with the server start and the preflight replaced by traps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import cli, runner


class RequestSent(BaseException):
    """The run got as far as starting a server or sending a request. (Not an Exception: the CLI
    turns those into exit 2 with their traceback, and this one must reach the test.)"""


@pytest.fixture(autouse=True)
def traps(monkeypatch: pytest.MonkeyPatch) -> None:
    def start(*args: object, **kwargs: object) -> None:
        raise RequestSent("the embedded server was started")

    def preflight(*args: object, **kwargs: object) -> None:
        raise RequestSent("a request was about to be sent")

    monkeypatch.setattr(runner, "start_reference_server", start)
    monkeypatch.setattr(runner, "_preflight", preflight)
    for name in ("PLANE_BASE_URL", "PLANE_API_KEY", "PLANE_WORKSPACE_SLUG"):
        monkeypatch.delenv(name, raising=False)


def _fails_with_one_sentence(
    argv: list[str], capsys: pytest.CaptureFixture[str], words: str
) -> str:
    try:
        code = cli.main(argv)
    except SystemExit as exit_:  # argparse's own refusals
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    assert code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert words in lines[0] and lines[0].startswith("plane-conformance: "), lines[0]
    assert "Traceback" not in out + err and out == ""
    return lines[0]


@pytest.fixture()
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "a-file"
    path.write_text("x")
    return path


def test_report_dir_that_cannot_be_created(a_file: Path, capsys) -> None:
    _fails_with_one_sentence(
        ["run", "--report-dir", str(a_file / "reports")], capsys,
        f"--report-dir {a_file / 'reports'} cannot be a directory: {a_file} is a file.",
    )  # fmt: skip


def test_report_dir_that_is_a_file(a_file: Path, capsys) -> None:
    _fails_with_one_sentence(["run", "--report-dir", str(a_file)], capsys, f"{a_file} is a file.")


def test_report_dir_without_write_permission(tmp_path: Path, monkeypatch, capsys) -> None:
    """(root may write anywhere, so the refusal is simulated where the check makes its file.)"""

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(runner.tempfile, "TemporaryFile", refuse)
    _fails_with_one_sentence(
        ["run", "--report-dir", str(tmp_path)], capsys,
        f"--report-dir {tmp_path} is not a writable directory (Permission denied).",
    )  # fmt: skip


def test_report_dir_is_created_when_missing(tmp_path: Path, capsys) -> None:
    with pytest.raises(RequestSent):  # got past the checks: to the server start
        cli.main(["run", "--report-dir", str(tmp_path / "new" / "reports")])
    assert (tmp_path / "new" / "reports").is_dir()


def test_write_baseline_path_not_writable(a_file: Path, tmp_path: Path, capsys) -> None:
    _fails_with_one_sentence(
        ["run", "--report-dir", str(tmp_path), "--write-baseline", str(a_file / "b.yaml")],
        capsys, f"--write-baseline {a_file / 'b.yaml'} cannot be written: {a_file} is a file.",
    )  # fmt: skip
    _fails_with_one_sentence(
        ["run", "--report-dir", str(tmp_path), "--write-baseline", str(tmp_path)],
        capsys, "is a directory, not a file",
    )  # fmt: skip


def test_write_baseline_check_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "baseline.yaml"
    with pytest.raises(RequestSent):
        cli.main(["run", "--report-dir", str(tmp_path), "--write-baseline", str(target)])
    assert not target.exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "--baseline: cannot read baseline"),
        ("[: bad", "is not valid YAML"),
        ("requirements: [1, 2]", "must be a mapping"),
        ("requirements:\n  - {id: AUTH-002, status: error}", "accepts only"),
    ],
)
def test_baseline_is_loaded_before_the_run(
    tmp_path: Path, content: str | None, words: str, capsys
) -> None:
    path = tmp_path / "baseline.yaml"
    if content is not None:
        path.write_text(content)
    _fails_with_one_sentence(
        ["run", "--report-dir", str(tmp_path), "--baseline", str(path)], capsys, words
    )


def test_unknown_area_before_the_server_starts(tmp_path: Path, capsys) -> None:
    _fails_with_one_sentence(
        ["run", "--report-dir", str(tmp_path), "--only", "auth,bogus"], capsys,
        "--only: unknown area 'bogus'",
    )  # fmt: skip


def test_unknown_fault_is_said_once_before_the_server_starts(tmp_path: Path, capsys) -> None:
    line = _fails_with_one_sentence(
        ["run", "--report-dir", str(tmp_path), "--fault", "bogus"], capsys, "unknown fault 'bogus'"
    )
    assert line.count("bogus") == 1


@pytest.mark.parametrize(
    ("argv", "sentence"),
    [
        (["run", "--workers", "abc"], "--workers must be a whole number ≥ 1, not 'abc'"),
        (["run", "--workers", "0"], "--workers must be a whole number ≥ 1, not 0"),
        (["run", "--seed", "x1"], "--seed must be a whole number ≥ 0, not 'x1'"),
        (["run", "--rate-limit", "-5"], "--rate-limit must be a whole number ≥ 1, not -5"),
        (["serve", "--port", "99999"], "--port must be a whole number from 1 to 65535, not 99999"),
        (["serve", "--port", "0"], "--port must be a whole number from 1 to 65535, not 0"),
        (["run", "--profile", "fast"], "argument --profile: invalid choice: 'fast'"),
    ],
)
def test_option_values_are_one_sentence(argv: list[str], sentence: str, capsys) -> None:
    line = _fails_with_one_sentence(argv, capsys, sentence)
    assert line == f"plane-conformance: {sentence}" or "invalid choice" in line


def test_serve_with_an_unknown_fault_exits_2(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    def serve(args: object) -> int:
        raise RequestSent("the server was started")

    monkeypatch.setattr("conformance.reference.server.serve", serve)
    _fails_with_one_sentence(
        ["serve", "--api-key", "plane_api_x0000000", "--fault", "bogus"], capsys,
        "unknown fault 'bogus'",
    )  # fmt: skip


def test_embedded_options_with_a_target(tmp_path: Path, capsys) -> None:
    _fails_with_one_sentence(
        ["run", "--target", "http://127.0.0.1:9", "--report-dir", str(tmp_path),
         "--rate-limit", "60"], capsys, "only apply to the embedded reference server",
    )  # fmt: skip


def test_diff_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`plane-conformance diff OLD NEW | head -1`: no BrokenPipeError traceback."""
    rows = [{"id": f"R-{n}", "level": "MUST", "statement": "s" * 60} for n in range(4000)]
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps({"requirements": [r | {"status": "passed"} for r in rows]}))
    new.write_text(json.dumps({"requirements": [r | {"status": "failed"} for r in rows]}))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "diff", str(old), str(new)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()  # like `head -1`: read a line, then go away
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == cli.EXIT_BROKEN_PIPE
    assert err == "", err
