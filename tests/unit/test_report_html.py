"""report.html as text: the first screen's order, the matrix columns, evidence that shows what
broke the rule and says each thing once, docs links, contradictions and adaptations."""

from __future__ import annotations

import re
from dataclasses import replace

from conformance.report.evidence import telling_exchanges
from conformance.report.html import render_html
from conformance.report.model import RunExtra, verdict_of
from tests.unit.report_samples import FAILED_IDS, leaky_exchange, sample_result, scenario_result


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_run_facts_matrix_and_evidence() -> None:
    html = render_html(sample_result())
    for fact in ("https://plane.example/api/v1", "2026-11-27T10:00:00Z", "0.1.0", "2026-08-22",
                 "standard", "1234", "87 requests", "42.0 s"):  # fmt: skip
        assert fact in html
    assert html.count('<tr data-status="') == 6  # one matrix row per requirement
    for rid in ("AUTH-002", "PAG-010", "STAT-001"):
        assert f'id="req-{rid}"' in html
    assert "Does not conform: 1 MUST requirement failed" in html
    assert "401 Unauthorized with a JSON error body" in html  # what the check expected
    assert "curl -X GET" in html
    assert "Schemathesis findings" in html and "<strong>GET /projects/</strong>" in html
    assert "Capability matrix" in html and "list_epics" in html


def test_the_first_screen_comes_first_in_order() -> None:
    """Verdict, failed MUSTs, incomplete MUSTs, warnings; then the summary and the matrix."""
    html = render_html(scenario_result("failing"))
    order = [html.index(marker) for marker in (
        'id="verdict"', 'id="attention-failed"', 'id="attention-incomplete"',
        'id="attention-warned"', 'id="summary"', 'id="matrix"', 'id="problems"',
    )]  # fmt: skip
    assert order == sorted(order)
    first_screen = html[html.index('id="attention-failed"') : html.index('id="summary"')]
    for rid in FAILED_IDS:
        assert f'href="#req-{rid}"' in first_screen
        assert f"{rid} holds: a sentence of the docs" in first_screen  # its statement
        assert f"where {rid} wants 401" in first_screen  # and its one-line reason


def test_the_verdict_comes_from_verdict_of_for_every_tone() -> None:
    for kind in ("passing", "failing", "baseline", "interrupted"):
        result = scenario_result(kind)
        verdict = verdict_of(result)
        html = render_html(result)
        assert f'class="banner tone-{verdict.tone}"' in html
        assert verdict.headline in html and f"Exit code {verdict.exit_code}." in html


def test_matrix_has_visible_columns_and_filters() -> None:
    html = render_html(scenario_result("failing"))
    header = re.search(r"<tr><th>ID</th>.*?</tr>", html)
    assert header is not None
    assert re.findall(r">([A-Z][a-z]+)</th>", header.group(0)) == [
        "Level", "Area", "Status", "Coverage", "Statement", "Reason",
    ]  # fmt: skip
    row = re.search(r'<tr data-status="failed" data-level="MUST" data-area="auth">.*?</tr>',
                    html, re.S)  # fmt: skip
    assert row is not None and "0 of 1" in row.group(0) and "wants 401" in row.group(0)
    for control in ("filter-status", "filter-level", "filter-area"):
        assert f'id="{control}"' in html
    assert "developers.plane.so/api-reference/introduction" in row.group(0)


def test_why_is_not_repeated_as_found() -> None:
    result = scenario_result("failing")
    html = render_html(result)
    finding = html[html.index('id="req-PAG-004"') :]
    finding = finding[: finding.index("</details>")]
    assert _text(finding).count("answered 200 where PAG-004 wants 401") == 1  # as the Why
    assert "Found:" not in finding


def test_found_is_shown_when_it_says_more_than_why() -> None:
    result = sample_result()
    html = render_html(result)
    finding = html[html.index('id="req-AUTH-002"') :]
    finding = finding[: finding.index("</details>")]
    assert "Found:" not in finding  # the message is the reason
    result.requirements[1].evidence[0].message = "first line\nsecond line with detail"
    html = render_html(result)
    finding = html[html.index('id="req-AUTH-002"') :]
    assert "second line with detail" in finding[: finding.index("</details>")]


def test_the_exchanges_the_message_names_come_first_and_alike_ones_once() -> None:
    ok = replace(leaky_exchange(200), url="https://x/api/v1/projects/")
    bad = replace(leaky_exchange(500), url="https://x/api/v1/labels/")
    shown = telling_exchanges([ok, bad, bad, bad], "GET /api/v1/labels/ answered 500")
    assert [x.url for x, _ in shown] == ["https://x/api/v1/labels/", "https://x/api/v1/projects/"]
    assert [repeats for _, repeats in shown] == [3, 1]


def test_contradictions_and_adaptations_have_a_section() -> None:
    result = sample_result()
    result.requirements[0].contradiction = "the introduction says 201, the page says 200"
    result.contribute(
        "adaptations",
        [{"requirement": "SCHEMA-005", "adaptation": "cycle creates send project_id"}],
    )
    html = render_html(result)
    section = html[html.index('id="contradictions"') :]
    assert "the introduction says 201, the page says 200" in section
    assert "cycle creates send project_id" in section
    assert 'id="contradictions"' not in render_html(sample_result())


def test_no_pytest_leftovers_in_reasons() -> None:
    result = sample_result()
    result.requirements[4].reason = "conformance.outcomes.NotSelected: full profile only"
    result.requirements[1].reason = "responses broke it\nassert not ['GET /x -> 500']"
    text = _text(render_html(result))
    assert "conformance.outcomes" not in text and "assert not" not in text
    assert "full profile only" in text


def test_interrupted_banner_says_no_verdict() -> None:
    html = render_html(scenario_result("interrupted"))
    assert "No verdict:" in html and 'class="banner tone-interrupted"' in html
    assert "Failed MUST requirements so far" in html


def test_html_is_self_contained() -> None:
    html = render_html(sample_result())
    for external in ("<link", "src=", "@import", "cdn"):
        assert external not in html
    # Links to the docs are anchors a reader follows, never something the page loads.
    for url in re.findall(r"https?://[^\s\"'<]+", html):
        assert url.startswith(("https://plane.example", "https://developers.plane.so/")), url


def test_green_banner_when_all_pass_and_optional_sections_absent() -> None:
    result = sample_result(capabilities=[], extra=RunExtra())
    result.requirements = [v for v in result.requirements if v.status == "passed"]
    html = render_html(result)
    assert "Schemathesis findings" not in html and "Capability matrix" not in html
    assert "Conforms: every checked MUST requirement passed" in html and "tone-pass" in html


def test_html_escapes_server_content() -> None:
    result = sample_result()
    result.requirements[1].evidence[0].exchanges[0].response_body = "<script>alert(1)</script>"
    html = render_html(result)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
