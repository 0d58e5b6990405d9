"""The season report for the mayor's office in a real browser (Chromium), in Bahasa
Indonesia: reached from the cycle page's link, printable (the print stylesheet drops the
navigation), printed to PDF by Chromium itself (``--print-to-pdf``). Screenshots and the
PDF go to ``test-artifacts/`` (``review-id-season-report*.png``, ``season-report.pdf``)."""

from __future__ import annotations

import subprocess  # nosec B404: the system Chromium, run on a file this test wrote
import tempfile
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser

from tests.e2e.test_review_browser import (  # noqa: F401 (fixtures)
    ARTIFACTS,
    CHROMIUM_ARGS,
    assert_indonesian,
    browser,
    find_chromium,
    log_in,
    shot,
    site,
)
from tests.integration.review.test_review_exports import _scored_cycle

pytestmark = pytest.mark.e2e


def test_the_season_report_reads_in_indonesian_and_prints_to_pdf(
    browser: Browser,  # noqa: F811
    site: tuple[Flask, str],  # noqa: F811
) -> None:
    app, base = site
    _, secretary, cycle = _scored_cycle(app)
    page = browser.new_page(locale="id-ID")
    page.set_default_timeout(10_000)
    log_in(page, base, secretary["email"])
    page.wait_for_url("**/ui/cycles")
    page.goto(f"{base}/ui/cycles/{cycle['id']}")
    page.click("#season-report-link")
    page.wait_for_url(f"**/ui/cycles/{cycle['id']}/report")

    assert_indonesian(
        page, "Laporan siklus", "Usulan per tahap", "Partisipasi per perangkat daerah", "Pemenang"
    )
    assert page.locator("#total").inner_text() == "1"
    assert "DINKES" in page.locator("#per-agency").inner_text()
    shot(page, "season-report")
    page.emulate_media(media="print")
    assert not page.locator("header").is_visible(), "the print layout leaves out the navigation"
    shot(page, "season-report-print")

    executable = find_chromium()
    assert executable is not None
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "season-report.pdf"
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        html = Path(folder) / "laporan.html"
        html.write_text(page.content(), encoding="utf-8")
        subprocess.run(  # nosec B603
            [
                executable,
                "--headless",
                *CHROMIUM_ARGS,
                f"--user-data-dir={folder}/profile",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf}",
                html.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 2000


def test_the_cycle_form_sets_the_policy_per_agency_and_participation_reports_it(
    browser: Browser,  # noqa: F811
    site: tuple[Flask, str],  # noqa: F811
) -> None:
    from datetime import UTC, datetime, timedelta

    from tests.e2e.test_review_browser import local
    from tests.integration.review.support import create_account, register_agency

    app, base = site
    secretary = create_account(app.test_client(), role="secretariat", name="Sekretariat")
    register_agency(app, "DISDIK")
    page = browser.new_page(locale="id-ID")
    page.set_default_timeout(10_000)
    log_in(page, base, secretary["email"])
    page.wait_for_url("**/ui/cycles")
    assert_indonesian(page, "Minimum usulan per perangkat daerah")
    now = datetime.now(UTC)
    page.fill("input[name=name]", "Satu Inovasi 2026")
    page.fill("input[name=submission_opens_at]", local(now - timedelta(days=1)))
    page.fill("input[name=submission_closes_at]", local(now + timedelta(days=30)))
    page.fill("input[name=review_deadline]", local(now + timedelta(days=60)))
    page.fill("input[name=min_per_agency]", "1")
    page.fill("input[name=max_per_agency]", "2")
    shot(page, "policy-new-cycle")
    page.click("#new-cycle button[type=submit]")
    page.wait_for_url("**/ui/cycles/*")
    cycle_id = page.url.rsplit("/", 1)[-1]
    page.goto(f"{base}/ui/cycles/{cycle_id}/participation")

    assert_indonesian(page, "Minimum per perangkat daerah: 1.", "Maksimum per perangkat daerah: 2.")
    assert "DISDIK" in page.locator("#participation").inner_text()
    shot(page, "policy-participation")
