"""report.html in a real browser: headless system Chromium (/usr/bin/chromium) driven by playwright.

Proves what string checks cannot, for a passing, a failing, a baseline and an interrupted run at
1400 and 800 px: the verdict and the failed requirement ids are in the first screen (their boxes
lie above the fold), nothing is wider than the window, an interrupted run's banner is neutral,
the filters work from file:// without a server, a finding link opens its evidence, nothing is
fetched and the console stays free of errors.

Screenshots: PLANE_CONFORMANCE_SCREENSHOT=DIR writes first-screen PNGs there ("1" = the test's
temporary directory), named <run>-<width>.png. Under CI=true a missing browser fails the test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.report import write_all
from conformance.report.model import (
    EmbeddedServer,
    OperationDrift,
    RunContext,
    ShapeDrift,
    verdict_of,
)
from tests.unit.report_samples import (
    ACCEPTED_IDS,
    BLOCKED_ID,
    FAILED_IDS,
    SCENARIOS,
    WARNED_ID,
    sample_result,
    scenario_result,
)

CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = (1400, 800)
FOLD = 900  # the first screen: a laptop window's height


def _unavailable(reason: str) -> None:
    """Skip locally; in CI a missing browser is a broken environment, so fail."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _unavailable("chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _screenshot_dir(tmp_path: Path) -> Path | None:
    wanted = os.environ.get("PLANE_CONFORMANCE_SCREENSHOT", "")
    if not wanted:
        return None
    directory = tmp_path if wanted == "1" else Path(wanted)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


class Page:
    """One report opened in a fresh page, with the errors and outside requests it caused."""

    def __init__(self, browser: Any, report: Path, width: int) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page = browser.new_page(viewport={"width": width, "height": FOLD})
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("request", lambda r: r.url.startswith("file:") or self.outside.append(r.url))
        self.page.goto(report.as_uri())
        self.width = width

    def above_fold(self, selector: str) -> bool:
        box = self.page.locator(selector).first.bounding_box()
        return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= FOLD

    def scroll_width(self) -> int:
        return int(self.page.evaluate("document.documentElement.scrollWidth"))


def _report(result: Any, directory: Path) -> Path:
    return next(p for p in write_all(result, directory) if p.name == "report.html")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", SCENARIOS)
def test_first_screen_shows_the_verdict_and_the_failed_ids(
    browser: Any, tmp_path: Path, kind: str, width: int
) -> None:
    result = scenario_result(kind)
    verdict = verdict_of(result)
    view = Page(browser, _report(result, tmp_path), width)
    try:
        banner = view.page.locator("#verdict")
        assert verdict.headline in banner.inner_text()
        assert view.above_fold("#verdict")
        for rid in verdict.failed:
            assert view.above_fold(f'#attention-failed a[href="#req-{rid}"]'), rid
        if kind == "baseline":
            assert set(verdict.failed) == set(FAILED_IDS) - set(ACCEPTED_IDS)
            for rid in ACCEPTED_IDS:
                assert view.above_fold(f'#attention-accepted a[href="#req-{rid}"]'), rid
            assert "AUTH-001" in view.page.locator("#attention-stale").inner_text()
        if kind == "failing":
            assert view.above_fold(f'#attention-incomplete a[href="#req-{BLOCKED_ID}"]')
            assert view.above_fold(f'#attention-warned a[href="#req-{WARNED_ID}"]')
        if kind == "interrupted":
            assert banner.inner_text().startswith("No verdict")
            color = banner.evaluate("e => getComputedStyle(e).backgroundColor")
            assert color == "rgb(234, 238, 242)", "an interrupted run's banner is neutral"
            assert "so far" in view.page.locator("#attention-failed h2").inner_text()
        if kind == "passing":
            assert view.page.locator("section.group").count() == 0
            assert banner.get_attribute("data-tone") == "pass"
        assert view.scroll_width() <= width, "something is wider than the window"
        shots = _screenshot_dir(tmp_path)
        if shots is not None:
            view.page.screenshot(path=str(shots / f"{kind}-{width}.png"))
    finally:
        view.page.close()
    assert view.errors == []
    assert view.outside == []  # self-contained: nothing fetched from anywhere


def _with_context(result: Any) -> Any:
    """A failing run on the embedded server with two faults, compared with Plane v1.3.1."""
    faults = ["unknown-order-by-500", "create-returns-200"]
    result.extra.run = RunContext(
        command="plane-conformance run --fault unknown-order-by-500 --fault create-returns-200 "
        "--profile quick --only auth,pagination --report-dir reports",
        target_kind="embedded",
        embedded=EmbeddedServer(
            arguments=[word for fault in faults for word in ("--fault", fault)], faults=faults
        ),
    )
    result.extra.shape_drift = ShapeDrift(
        against="Plane v1.3.1",
        operations_compared=40,
        operations_drifting=1,
        drifts=1,
        by_kind={"missing": 1},
        operations=[
            OperationDrift("GET /api/v1/workspaces/{workspace_slug}/projects/", 200, ["x: gone"])
        ],
    )
    return result


@pytest.mark.parametrize("width", WIDTHS)
def test_first_screen_says_what_ran_and_the_drift_is_one_click_away(
    browser: Any, tmp_path: Path, width: int
) -> None:
    """Issue 24: the command line, the target's kind (with its faults) and the shape drift's
    link are on the first screen, beside the verdict; the link opens the drift section."""
    view = Page(browser, _report(_with_context(scenario_result("failing")), tmp_path), width)
    page = view.page
    try:
        assert view.above_fold("#verdict")
        assert view.above_fold("#target-kind")
        kind = page.locator("#target-kind").inner_text()
        assert "embedded" in kind and "unknown-order-by-500" in kind, kind
        assert view.above_fold("#command")
        assert "--fault create-returns-200" in page.locator("#command").inner_text()
        assert view.above_fold("#drift-link a")
        page.locator("#drift-link a").click()
        page.wait_for_function("location.hash === '#drift'")
        # the section is scrolled to (an event to wait for: the browser may scroll smoothly)
        page.wait_for_function(
            f"(() => {{ const r = document.querySelector('#drift h2').getBoundingClientRect();"
            f" return r.top > -1 && r.bottom <= {FOLD}; }})()"  # sub-pixel scroll
        )
        assert "Shape drift against Plane v1.3.1" in page.locator("#drift h2").inner_text()
        assert view.scroll_width() <= width, "something is wider than the window"
        shots = _screenshot_dir(tmp_path)
        if shots is not None:
            page.goto(page.url.split("#")[0])
            page.screenshot(path=str(shots / f"context-{width}.png"))
    finally:
        page.close()
    assert view.errors == [] and view.outside == []


def test_filters_and_finding_links_work_without_a_server(browser: Any, tmp_path: Path) -> None:
    view = Page(browser, _report(scenario_result("failing"), tmp_path), 1400)
    page = view.page
    try:
        rows = page.locator("#requirements tr[data-status]")
        visible = page.locator("#requirements tr[data-status]:visible")
        assert rows.count() == visible.count() == 40

        page.select_option("#filter-status", "failed")
        assert sorted(visible.locator("td:first-child").all_inner_texts()) == sorted(FAILED_IDS)
        assert page.locator("#filter-count").inner_text() == "4 of 40 requirements"

        page.select_option("#filter-status", "problems")
        page.select_option("#filter-level", "SHOULD")
        assert visible.locator("td:first-child").all_inner_texts() == [WARNED_ID]

        page.select_option("#filter-status", "")
        page.select_option("#filter-level", "")
        page.select_option("#filter-area", "auth")
        assert visible.count() == 8 and all(
            t.startswith("AUTH-") for t in visible.locator("td:first-child").all_inner_texts()
        )

        # A first-screen link opens the evidence, with the request that broke the rule.
        finding = page.locator("details#req-AUTH-002")
        assert finding.get_attribute("open") is None
        page.locator('#attention-failed a[href="#req-AUTH-002"]').click()
        page.wait_for_function("document.getElementById('req-AUTH-002').open")
        assert finding.locator(".curl").first.is_visible()
        assert "[redacted]" in finding.inner_text()
        docs = finding.locator('a[href^="https://developers.plane.so/api-reference/"]')
        assert docs.count() >= 1
    finally:
        page.close()
    assert view.errors == [] and view.outside == []


def test_the_small_sample_renders_with_every_section(browser: Any, tmp_path: Path) -> None:
    """Schemathesis findings and the capability table are collapsed sections that open."""
    view = Page(browser, _report(sample_result(), tmp_path), 800)
    page = view.page
    try:
        capabilities = page.locator("#capabilities details")
        capabilities.locator("summary").click()
        row = page.locator("#capabilities tr", has_text="/epics/")
        detail = row.locator("td", has_text="404")
        assert row.is_visible() and detail.is_visible()
        box = detail.bounding_box()
        assert box is not None and box["width"] > 120  # not one word per line
        findings = page.locator("#schemathesis > details")
        assert not findings.get_by_text("GET /projects/").is_visible()
        findings.locator("> summary").click()
        assert findings.get_by_text("GET /projects/").is_visible()
        assert view.scroll_width() <= 800
    finally:
        page.close()
    assert view.errors == [] and view.outside == []
