"""A profile that samples reports "verified k of n" with the rest not selected, never passed; a
baseline entry is stale and a diff improvement real only when the units that failed before are
verified now (issue 20: on unmodified Plane v1.3.1 the quick profile made CAP-001 "stale" and
`diff standard quick` report it as an improvement)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from conformance.exit_codes import EXIT_OK
from conformance.plugin.terminal import summary_lines
from conformance.report.baseline import apply_baseline, load_baseline, write_baseline
from conformance.report.diff import diff_command, diff_results, selection_note
from conformance.report.model import (
    BaselineOutcome,
    CheckResult,
    RunExtra,
    RunResult,
    Unit,
    build_verdicts,
    verdict_of,
)
from conformance.spec.catalogue import Requirement

CAP = Requirement(
    "CAP-001",
    "MUST",
    "capability",
    "p",
    "h",
    "every core operation is routed",
    "c",
    "r",  # type: ignore[arg-type]
)
CATALOGUE = {CAP.id: CAP}
GETS = [f"GET /op{i}/" for i in range(3)]
ABSENT = "POST /members/remove/"  # not routed: a departure the quick profile does not probe


def _run(profile: str, units: list[Unit]) -> RunResult:
    outcome = "failed" if any(u.status == "failed" for u in units) else "passed"
    check = CheckResult(
        "t::test_core",
        "test_core",
        "capability",
        [CAP.id],
        outcome,
        units=units,  # type: ignore[arg-type]
    )
    return RunResult(
        target="http://plane", started_at="2026-01-01T00:00:00+00:00", duration_s=1.0, seed=1,
        profile=profile, requests_sent=1, suite_version="x", spec_version="y", leftovers=0,
        checks=[check], requirements=build_verdicts(CATALOGUE, [check]),
        extra=RunExtra(areas="all", read_only=False, project_id=None),
    )  # fmt: skip


def standard_run() -> RunResult:
    """Every operation probed: the absent one fails CAP-001."""
    units = [Unit(CAP.id, op, "verified") for op in GETS]
    return _run("standard", [*units, Unit(CAP.id, ABSENT, "failed", "404 like an unrouted URL")])


def quick_run() -> RunResult:
    """The quick profile probes the GETs only: the absent write is not selected."""
    units = [Unit(CAP.id, op, "verified") for op in GETS]
    why = "quick profile: only the core GET operations are probed"
    return _run("quick", [*units, Unit(CAP.id, ABSENT, "not_selected", why)])


def test_a_sampled_requirement_is_not_passed_and_a_quick_gate_still_exits_0() -> None:
    result = quick_run()
    (verdict,) = result.requirements
    assert verdict.status == "sampled"
    assert verdict.coverage.describe() == "verified on 3 of 4 (1 not selected)"
    assert "quick profile: only the core GET operations" in verdict.reason
    outcome = verdict_of(result)
    assert outcome.exit_code == EXIT_OK and "sample" in outcome.headline
    assert result.summary["passed"] == 0 and result.summary["sampled"] == 1


def _shipped_style_baseline(tmp_path: Path, units: list[str] | None = None) -> Path:
    entry: dict[str, object] = {"id": CAP.id, "status": "failed", "reason": "members/remove"}
    if units is not None:
        entry["units"] = units
    path = tmp_path / "baseline.yaml"
    path.write_text(yaml.safe_dump({"requirements": [entry]}))
    return path


def test_a_quick_run_does_not_make_its_baseline_stale(tmp_path: Path) -> None:
    """Before: CAP-001 passed in quick, so the baseline entry for its departure was "stale" and
    --fail-on-stale-baseline exited 1 on an unmodified server."""
    result = quick_run()
    code = apply_baseline(result, _shipped_style_baseline(tmp_path), fail_on_stale=True)
    assert code == EXIT_OK
    assert result.baseline is not None and result.baseline.stale == []
    assert [row.id for row in result.baseline.unjudged] == [CAP.id]
    lines = [line.plain for line in summary_lines(result)]
    assert any("CAP-001 not judged on what the baseline accepts" in line for line in lines)


def test_an_entry_is_stale_once_its_units_are_verified(tmp_path: Path) -> None:
    fixed = _run("quick", [Unit(CAP.id, op, "verified") for op in [*GETS, ABSENT]])
    baseline = _shipped_style_baseline(tmp_path, units=[ABSENT])
    assert apply_baseline(fixed, baseline, fail_on_stale=True) == 1
    assert [row.id for row in (fixed.baseline or BaselineOutcome()).stale] == [CAP.id]
    # A sampled run that left the departed unit out is not a fix.
    sampled = quick_run()
    assert apply_baseline(sampled, baseline, fail_on_stale=True) == EXIT_OK
    assert (sampled.baseline or BaselineOutcome()).stale == []


def test_a_written_baseline_names_the_units_that_departed(tmp_path: Path) -> None:
    path = write_baseline(standard_run(), tmp_path / "baseline.yaml")
    (entry,) = load_baseline(path)
    assert (entry.status, entry.units) == ("failed", (ABSENT,))
    assert apply_baseline(quick_run(), path, fail_on_stale=True) == EXIT_OK


def _write(tmp_path: Path, name: str, result: RunResult) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(result.to_dict()), encoding="utf-8")
    return path


def test_diff_of_standard_and_quick_is_no_improvement_and_says_the_profiles_differ(
    tmp_path: Path, capsys
) -> None:
    """Before: CAP-001 failed → passed was listed as an improvement, and nothing said that the
    quick run had not probed the operation that failed."""
    old = _write(tmp_path, "standard.json", standard_run())
    new = _write(tmp_path, "quick.json", quick_run())
    page = tmp_path / "diff.html"
    assert diff_command(old, new, html=page) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("note: the runs selected differently (profile standard → quick)")
    assert "Improvements" not in "\n".join(out)
    assert out[1] == "Other changes (1):" and "failed → sampled" in out[2]
    assert "not an improvement" in out[2]
    assert "profile standard → quick" in page.read_text(encoding="utf-8")


def test_diff_counts_an_improvement_when_the_failed_units_are_verified() -> None:
    old, new = standard_run().to_dict(), quick_run().to_dict()
    fixed = _run("quick", [Unit(CAP.id, op, "verified") for op in [*GETS, ABSENT]]).to_dict()
    assert [c.id for c in diff_results(old, new)["other"]] == [CAP.id]
    assert [c.id for c in diff_results(old, fixed)["improvement"]] == [CAP.id]
    assert "profile standard → quick" in selection_note(old, fixed)
    assert selection_note(old, old) == ""


def test_a_requirement_that_passed_makes_its_entry_stale_whatever_units_it_names(
    tmp_path: Path,
) -> None:
    """Unit names may carry a run's own ids (run-wide units name responses): a requirement whose
    every unit was verified is fixed, whatever the entry names."""
    fixed = _run("standard", [Unit(CAP.id, op, "verified") for op in [*GETS, ABSENT]])
    baseline = _shipped_style_baseline(tmp_path, units=["GET /projects/<an old run's id>/"])
    assert apply_baseline(fixed, baseline, fail_on_stale=True) == 1
    assert [row.id for row in (fixed.baseline or BaselineOutcome()).stale] == [CAP.id]
