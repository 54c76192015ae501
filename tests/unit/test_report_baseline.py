"""Baselines: every exit code of apply_baseline, stale entries, and write_baseline's output."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance.plugin.terminal import summary_lines
from conformance.report.baseline import (
    PLACEHOLDER_REASON,
    BaselineError,
    apply_baseline,
    load_baseline,
    write_baseline,
)
from conformance.report.html import render_html
from conformance.report.model import BaselineMismatch, BaselineRow, verdict_of
from tests.unit.report_samples import sample_result


def _failing_run():
    """The sample run without its suite error: AUTH-002 (MUST) fails, PAG-010 (SHOULD) warns."""
    result = sample_result()
    result.requirements = [v for v in result.requirements if v.status != "error"]
    return result


def _baseline(tmp_path: Path, *ids: str) -> Path:
    path = tmp_path / "baseline.yaml"
    entries = [{"id": rid, "reason": f"accepted {rid}"} for rid in ids]
    path.write_text(yaml.safe_dump({"requirements": entries}))
    return path


def test_only_baselined_failures_exit_0(tmp_path: Path) -> None:
    result = _failing_run()
    assert apply_baseline(result, _baseline(tmp_path, "AUTH-002"), fail_on_stale=False) == 0
    assert result.baseline is not None
    assert result.baseline.accepted == [BaselineRow("AUTH-002", "failed", "accepted AUTH-002")]
    assert result.baseline.stale == []


def test_unbaselined_failure_exits_1(tmp_path: Path) -> None:
    result = _failing_run()
    assert apply_baseline(result, _baseline(tmp_path, "PAG-004"), fail_on_stale=False) == 1
    assert verdict_of(result).failed == ("AUTH-002",)


def test_suite_error_is_never_accepted(tmp_path: Path) -> None:
    result = sample_result()  # STAT-001 is an error
    code = apply_baseline(result, _baseline(tmp_path, "AUTH-002", "STAT-001"), fail_on_stale=False)
    assert code == 3  # incomplete: the suite's own error is never accepted
    assert verdict_of(result).incomplete == ("STAT-001",)
    assert result.baseline is not None
    assert result.baseline.mismatched == [BaselineMismatch("STAT-001", "failed", "error")]
    path = tmp_path / "error.yaml"
    path.write_text("requirements:\n  - {id: STAT-001, status: error}\n")
    with pytest.raises(BaselineError, match="accepts only"):
        load_baseline(path)


def test_stale_entry_is_listed_and_fails_only_when_asked(tmp_path: Path) -> None:
    baseline = _baseline(tmp_path, "AUTH-002", "AUTH-001")  # AUTH-001 passes now
    result = _failing_run()
    assert apply_baseline(result, baseline, fail_on_stale=False) == 0
    assert result.baseline is not None
    assert result.baseline.stale == [BaselineRow("AUTH-001", "failed", "accepted AUTH-001")]
    lines = [line.plain for line in summary_lines(result)]
    assert any("stale baseline entries" in line and "AUTH-001" in line for line in lines)
    assert apply_baseline(_failing_run(), baseline, fail_on_stale=True) == 1


def test_report_shows_accepted_and_stale_entries(tmp_path: Path) -> None:
    result = _failing_run()
    apply_baseline(result, _baseline(tmp_path, "AUTH-002", "AUTH-001"), fail_on_stale=False)
    html = render_html(result)
    assert 'id="attention-accepted"' in html and 'id="attention-stale"' in html
    assert "accepted AUTH-002" in html and "[accepted by the baseline]" in html
    assert "Does not conform" not in html  # the only MUST failure is accepted


def test_unknown_and_mismatched_entries_are_reported(tmp_path: Path) -> None:
    result = _failing_run()
    path = tmp_path / "baseline.yaml"
    path.write_text("requirements:\n  - {id: AUTH-002, status: not_verified}\n  - {id: NOPE-999}\n")
    apply_baseline(result, path, fail_on_stale=False)
    assert result.baseline is not None and result.baseline.unknown == ["NOPE-999"]
    assert result.baseline.mismatched == [BaselineMismatch("AUTH-002", "not_verified", "failed")]
    notes = [line.plain for line in summary_lines(result) if line.plain.startswith("baseline:")]
    assert notes == [
        "baseline: AUTH-002 is failed; the baseline accepts it only as not verified",
        "baseline: not requirements of this suite: NOPE-999",
    ]


def test_entries_loaded_before_the_run_are_used_as_given(tmp_path: Path) -> None:
    entries = load_baseline(_baseline(tmp_path, "AUTH-002"))
    (tmp_path / "baseline.yaml").unlink()  # the file is not read again
    result = _failing_run()
    assert apply_baseline(result, tmp_path / "baseline.yaml", False, entries=entries) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("requirements: [1, 2]", "must be a mapping"),
        ("[: bad", "not valid YAML"),
        ("- id: X", "must be a mapping"),
    ],
)
def test_malformed_baseline_is_one_sentence(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(content)
    with pytest.raises(BaselineError, match=message):
        load_baseline(path)
    with pytest.raises(BaselineError, match="cannot read"):
        load_baseline(tmp_path / "absent.yaml")


def test_empty_baseline_accepts_nothing(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("")
    assert load_baseline(path) == []
    assert apply_baseline(_failing_run(), path, fail_on_stale=True) == 1


def test_write_baseline_lists_failing_musts_and_round_trips(tmp_path: Path) -> None:
    result = _failing_run()
    path = write_baseline(result, tmp_path / "sub" / "baseline.yaml")
    entries = load_baseline(path)
    assert [(e.id, e.status, e.reason) for e in entries] == [
        ("AUTH-002", "failed", PLACEHOLDER_REASON)
    ]
    # The written baseline makes the same run pass the gate.
    assert apply_baseline(_failing_run(), path, fail_on_stale=True) == 0
