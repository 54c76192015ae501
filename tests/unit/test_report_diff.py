"""`plane-conformance diff`: grouping of status changes and the three exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.report.diff import classify, diff_command


def _results(tmp_path: Path, name: str, statuses: dict[str, str]) -> Path:
    path = tmp_path / name
    requirements = [
        {"id": rid, "level": "MUST", "status": status, "reason": f"why {rid}",
         "statement": f"what {rid} requires"}
        for rid, status in statuses.items()
    ]  # fmt: skip
    path.write_text(json.dumps({"target": "t", "requirements": requirements}))
    return path


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("passed", "failed", "regression"),
        ("warned", "failed", "regression"),
        ("skipped", "failed", "regression"),
        ("passed", "warned", "regression"),
        ("absent", "failed", "regression"),
        ("passed", "error", "regression"),
        ("failed", "passed", "improvement"),
        ("warned", "passed", "improvement"),
        ("skipped", "passed", "other"),  # nothing was judged before to improve on
        ("passed", "skipped", "other"),
        ("failed", "error", "other"),
        ("failed", "absent", "other"),
    ],
)
def test_classify(old: str, new: str, kind: str) -> None:
    assert classify(old, new) == kind


def test_regression_exits_1_and_is_printed_first(tmp_path: Path, capsys) -> None:
    old = _results(tmp_path, "old.json", {"A-1": "passed", "B-1": "failed", "C-1": "passed"})
    new = _results(tmp_path, "new.json", {"A-1": "failed", "B-1": "passed", "C-1": "skipped"})
    assert diff_command(old, new) == 1
    out = capsys.readouterr().out
    assert (
        out.index("Regressions (1)")
        < out.index("Improvements (1)")
        < out.index("Other changes (1)")
    )
    assert "A-1" in out.split("Improvements")[0] and "why A-1" in out


def test_improvement_only_exits_0(tmp_path: Path, capsys) -> None:
    old = _results(tmp_path, "old.json", {"A-1": "failed"})
    new = _results(tmp_path, "new.json", {"A-1": "passed"})
    assert diff_command(old, new) == 0
    assert "Improvements (1)" in capsys.readouterr().out


def test_no_change_exits_0(tmp_path: Path, capsys) -> None:
    same = _results(tmp_path, "same.json", {"A-1": "failed"})
    assert diff_command(same, same) == 0
    assert "No requirement changed status." in capsys.readouterr().out


@pytest.mark.parametrize("content", [None, "not json", '{"no": "requirements"}'])
def test_unreadable_file_exits_2_with_one_sentence(tmp_path: Path, capsys, content) -> None:
    good = _results(tmp_path, "good.json", {"A-1": "passed"})
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    assert diff_command(good, bad) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("plane-conformance: ") and "\n" not in err and "bad.json" in err


def test_cli_dispatches_diff(tmp_path: Path) -> None:
    old = _results(tmp_path, "old.json", {"A-1": "passed"})
    new = _results(tmp_path, "new.json", {"A-1": "failed"})
    assert main(["diff", str(old), str(new)]) == 1
    assert main(["diff", str(new), str(old)]) == 0


def test_each_change_is_one_line_with_statement_and_reason(tmp_path: Path, capsys) -> None:
    old = _results(tmp_path, "old.json", {"B-2": "passed", "A-1": "passed"})
    new = _results(tmp_path, "new.json", {"B-2": "failed", "A-1": "blocked"})
    assert diff_command(old, new) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Regressions (1):"
    assert lines[1].split() == [
        "B-2", "MUST", "passed", "→", "failed", "what", "B-2", "requires", "—", "why", "B-2",
    ]  # fmt: skip
    assert lines[2] == "Other changes (1):" and "passed → blocked" in lines[3]


def test_html_page_puts_regressions_first(tmp_path: Path, capsys) -> None:
    old = _results(tmp_path, "old.json", {"A-1": "failed", "B-1": "passed"})
    new = _results(tmp_path, "new.json", {"A-1": "passed", "B-1": "failed"})
    page = tmp_path / "diff.html"
    assert main(["diff", str(old), str(new), "--html", str(page)]) == 1
    html = page.read_text(encoding="utf-8")
    assert "1 requirement regressed." in html
    assert html.index('id="regression"') < html.index('id="improvement"')
    assert "what B-1 requires" in html and "why B-1" in html
    assert f"page: {page}" in capsys.readouterr().out
