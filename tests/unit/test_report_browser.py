"""report.html in a real browser: headless system Chromium driven by playwright.

Proves what string checks cannot: the page renders offline (no request leaves file://), the
matrix and an expanded failure are visible, the failures-only filter and the finding links work,
and the console stays free of errors. PLANE_CONFORMANCE_SCREENSHOT=1 writes report.png next to
the report (any other value is taken as the directory to write it to).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conformance.report import write_all
from tests.unit.report_samples import sample_result

CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    """Skip locally; in CI a missing browser is a broken environment, so fail."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        _unavailable("chromium is not installed (apt-get install -y chromium)")
    return str(path)


def _screenshot_path(report_dir: Path) -> Path | None:
    wanted = os.environ.get("PLANE_CONFORMANCE_SCREENSHOT", "")
    if not wanted:
        return None
    directory = report_dir if wanted == "1" else Path(wanted)
    directory.mkdir(parents=True, exist_ok=True)
    return directory / "report.png"


def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    report = next(p for p in write_all(sample_result(), tmp_path) if p.name == "report.html")

    console_errors: list[str] = []
    outside_requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
            page.on("pageerror", lambda exc: console_errors.append(str(exc)))
            page.on(
                "request",
                lambda r: r.url.startswith("file:") or outside_requests.append(r.url),
            )
            page.goto(report.as_uri())

            # The matrix: one row per requirement, statuses as badges.
            rows = page.locator("#requirements tr[data-status]")
            assert rows.count() == 6
            assert rows.filter(has_text="AUTH-002").locator(".badge").inner_text() == "failed"

            # A failure expands to its evidence.
            failure = page.locator("details#req-AUTH-002")
            assert not failure.locator(".curl").is_visible()
            failure.locator("summary").click()
            assert failure.get_attribute("open") is not None
            assert failure.get_by_text("401 Unauthorized with a JSON error body").is_visible()
            assert failure.locator(".curl").first.is_visible()
            assert "[redacted]" in failure.inner_text()

            # Following a matrix link opens the finding (the hashchange script).
            page.locator('a[href="#req-PAG-010"]').click()
            page.wait_for_function("document.getElementById('req-PAG-010').open")

            # The filter hides passing rows and keeps failing ones.
            page.locator("#failed-only").check()
            assert not rows.filter(has_text="AUTH-001").is_visible()
            assert rows.filter(has_text="AUTH-002").is_visible()
            page.locator("#failed-only").uncheck()
            assert rows.filter(has_text="AUTH-001").is_visible()

            shot = _screenshot_path(tmp_path)
            if shot is not None:
                page.locator("#failed-only").check()
                page.locator("a[href='#req-AUTH-002']").click()
                page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot: {shot}")
        finally:
            browser.close()

    assert console_errors == []
    assert outside_requests == []  # self-contained: nothing fetched from anywhere
