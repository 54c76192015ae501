"""write_all: the three report files, their content, and that no API key survives in any of them."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.report import REPORT_FILES, load_results, write_all
from conformance.report.html import BODY_LIMIT, readable_body
from conformance.report.json_io import ResultsFileError
from conformance.report.scrub import REDACTED, scrub_text
from tests.unit.report_samples import FAKE_KEYS, OPAQUE_KEY, sample_result


@pytest.fixture()
def written(tmp_path: Path) -> dict[str, Path]:
    paths = write_all(sample_result(), tmp_path / "nested" / "reports")
    return {p.name: p for p in paths}


def test_write_all_creates_the_three_files(written: dict[str, Path]) -> None:
    assert sorted(written) == sorted(REPORT_FILES)
    assert all(p.stat().st_size > 0 for p in written.values())


@pytest.mark.parametrize("name", REPORT_FILES)
def test_no_api_key_in_any_file(written: dict[str, Path], name: str) -> None:
    text = written[name].read_text(encoding="utf-8")
    for key in FAKE_KEYS:
        assert key not in text
    assert REDACTED in text  # the scrubber did run on this file, not merely found nothing


def test_literal_secret_from_environment_is_removed(tmp_path, monkeypatch) -> None:
    secret = "envonly-secret-value-123"
    monkeypatch.setenv("PLANE_API_KEY", secret)
    result = sample_result()
    result.checks[1].message = f"server echoed {secret} back"
    for path in write_all(result, tmp_path):
        assert secret not in path.read_text(encoding="utf-8")


def test_scrub_keeps_placeholders_and_surrounding_text() -> None:
    assert scrub_text("-H 'X-API-Key: $PLANE_API_KEY'") == "-H 'X-API-Key: $PLANE_API_KEY'"
    assert scrub_text(f"(sent X-API-Key: {OPAQUE_KEY})") == f"(sent X-API-Key: {REDACTED})"
    assert scrub_text("Authorization: Bearer abc.def") == f"Authorization: Bearer {REDACTED}"


def test_results_json_follows_the_cli_contract(written: dict[str, Path]) -> None:
    data = json.loads(written["results.json"].read_text(encoding="utf-8"))
    for key in (
        "target",
        "started_at",
        "duration_s",
        "seed",
        "profile",
        "requests_sent",
        "checks",
        "capabilities",
    ):
        assert key in data
    assert {k: n for k, n in data["summary"].items() if n} == {
        "passed": 2,
        "failed": 1,
        "warned": 1,
        "not_selected": 1,
        "error": 1,
    }
    assert data["verdict"]["exit_code"] == 1 and data["verdict"]["failed"] == ["AUTH-002"]
    by_id = {r["id"]: r for r in data["requirements"]}
    assert by_id["AUTH-002"]["status"] == "failed"
    assert by_id["AUTH-002"]["tests"] == [
        "conformance/checks/test_auth.py::test_missing_key_is_401"
    ]
    assert by_id["AUTH-002"]["evidence"][0]["exchanges"][0]["status"] == 200


def test_results_json_round_trips(written: dict[str, Path]) -> None:
    loaded = load_results(written["results.json"])
    assert loaded.to_dict() == json.loads(written["results.json"].read_text(encoding="utf-8"))
    assert loaded.checks[1].exchanges[0].method == "GET"


def test_load_results_rejects_other_files(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ResultsFileError, match="not a plane-conformance results file"):
        load_results(bad)
    with pytest.raises(ResultsFileError, match="cannot read"):
        load_results(tmp_path / "missing.json")


def _cases_by_requirement(root: ET.Element) -> dict[str, ET.Element]:
    cases = root.findall("./testsuite[@name!='plane-conformance']/testcase")
    return {
        next(p.get("value") for p in c.iter("property") if p.get("name") == "requirement"): c
        for c in cases
    }


def test_junit_has_one_testcase_per_requirement_and_counts_as_the_verdict(
    written: dict[str, Path],
) -> None:
    from conformance.report.model import verdict_of

    root = ET.parse(written["junit.xml"]).getroot()
    by_id = _cases_by_requirement(root)
    assert sorted(by_id) == sorted(v.id for v in sample_result().requirements)
    failed = by_id["AUTH-002"]
    assert failed.get("classname") == "auth"
    assert failed.get("name").startswith("AUTH-002 A missing key is refused with 401.")
    assert failed.find("failure").get("type") == "MUST"
    text = failed.find("failure").text
    assert "check: conformance/checks/test_auth.py::test_missing_key_is_401" in text
    assert "replay: plane-conformance replay " in text and " AUTH-002.1" in text
    # A SHOULD not met is a warning: skipped, as the exit code does not fail on it.
    assert by_id["PAG-010"].find("skipped").get("message").startswith("warning (SHOULD): ")
    assert by_id["PAG-011"].find("skipped").get("message").startswith("not selected")
    assert by_id["STAT-001"].find("error").get("type") == "error"  # a MUST not verified
    assert by_id["AUTH-001"].find("failure") is None and by_id["AUTH-001"].find("skipped") is None
    # The same numbers as the verdict: its failed and incomplete MUST requirements, plus the
    # verdict's own test case (a failure: a MUST failed).
    verdict = verdict_of(sample_result())
    assert (len(verdict.failed), len(verdict.incomplete)) == (1, 1)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("7", "2", "1")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert suites["pagination"].get("tests") == "3"
    assert suites["pagination"].get("failures") == "0"
    assert suites["pagination"].get("skipped") == "2"


def test_junit_carries_the_verdict_of_the_run(tmp_path: Path) -> None:
    from conformance.report.model import verdict_of
    from tests.unit.report_samples import scenario_result

    for kind, element in (("passing", None), ("failing", "failure"), ("interrupted", "error")):
        result = scenario_result(kind)
        (path,) = [p for p in write_all(result, tmp_path / kind) if p.name == "junit.xml"]
        suite = ET.parse(path).getroot().find("testsuite[@name='plane-conformance']")
        assert suite is not None
        properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert properties["headline"] == verdict_of(result).headline
        assert properties["exit_code"] == str(verdict_of(result).exit_code)
        case = suite.find("testcase[@name='verdict']")
        assert case is not None
        found = [child.tag for child in case]
        assert found == ([element] if element else []), kind


def test_junit_accepted_findings_are_skipped_with_the_reason(tmp_path: Path) -> None:
    from tests.unit.report_samples import scenario_result

    (path,) = [p for p in write_all(scenario_result("baseline"), tmp_path) if p.name == "junit.xml"]
    case = _cases_by_requirement(ET.parse(path).getroot())["AUTH-002"]
    skipped = case.find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "accepted by baseline: tracked in OPS-1"


def test_junit_survives_control_characters(tmp_path: Path) -> None:
    result = sample_result()
    result.checks[1].message = "bad byte \x00\x1b in body"
    result.requirements[1].reason = "bad byte \x00\x1b in the reason"
    (path,) = [p for p in write_all(result, tmp_path) if p.name == "junit.xml"]
    ET.parse(path)  # raises on invalid XML


def test_long_bodies_are_cut_and_json_is_pretty() -> None:
    assert readable_body('{"a":1}') == '{\n  "a": 1\n}'
    cut = readable_body("y" * (BODY_LIMIT + 10))
    assert cut.endswith("(10 more characters not shown)")
    assert readable_body(None) == ""
