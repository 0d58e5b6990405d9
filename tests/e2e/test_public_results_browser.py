"""The public results in a real browser (Chromium), no login: the secretariat publishes a
season's results from its cycle page, and the public reads them on the results service:
the list of cycles, the cycle's categories side by side, the catalogue searched and
filtered, in Bahasa Indonesia and in English. Screenshots go to ``test-artifacts/``
(``results-*.png`` and ``review-id-results-publish.png``)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from tests.e2e.test_review_browser import (  # noqa: F401 (fixtures)
    ARTIFACTS,
    assert_indonesian,
    browser,
    log_in,
    shot,
    site,
)
from tests.integration.results import support as results
from tests.integration.review.support import create_account, outbox_events
from tests.integration.review.test_review_results_publication import _awarded_season

pytestmark = pytest.mark.e2e


@pytest.fixture
def public_site(database_factory: Callable[[], str]) -> Iterator[tuple[Flask, str]]:
    app = results.make_app(database_factory())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    app.extensions["inagara"].engine.dispose()


def public_shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    language = page.locator("html").get_attribute("lang")
    page.screenshot(path=str(ARTIFACTS / f"results-{language}-{name}.png"), full_page=True)


def test_the_public_reads_the_published_results_and_searches_the_catalogue(
    browser: Browser,  # noqa: F811
    site: tuple[Flask, str],  # noqa: F811
    public_site: tuple[Flask, str],
) -> None:
    app, base = site
    api = app.test_client()
    cycle, ids = _awarded_season(app, api)
    decided = api.post(
        f"/v1/cycles/{cycle['id']}/awards",
        json={"category": "tata_kelola", "awards": [{"proposal_id": ids["d"], "award": "Terbaik"}]},
        headers={"Authorization": "Bearer review-admin-token"},
    )
    assert decided.status_code == 200, decided.json
    secretary = create_account(api, role="secretariat", name="Sekretariat Inovasi")

    page = browser.new_page(locale="id-ID")
    page.set_default_timeout(10_000)
    log_in(page, base, secretary["email"])
    page.goto(f"{base}/ui/cycles/{cycle['id']}")
    assert_indonesian(page, "Hasil untuk publik", "Terbitkan nilai")
    shot(page, "results-publish")
    page.click("#publish-results button[type=submit]")
    assert "3 finalis" in page.locator(".flash.ok").inner_text()
    page.close()

    public_app, public = public_site
    for event in outbox_events(app, "cycle.results_published"):
        results.deliver(public_app, event)

    reader = browser.new_page(locale="id-ID")
    reader.set_default_timeout(10_000)
    reader.goto(public)
    assert reader.locator("html").get_attribute("lang") == "id"
    assert reader.locator("#cycles tr[data-cycle]").count() == 1
    public_shot(reader, "index")
    reader.click(f"#cycles tr[data-cycle='{cycle['id']}'] a")
    reader.wait_for_url(f"**/siklus/{cycle['id']}")
    sections = reader.locator("#categories section")
    assert sections.count() == 2
    assert sections.nth(0).locator("h2").inner_text() == "Pelayanan Publik"
    assert sections.nth(0).locator("table.shortlist tr[data-proposal]").count() == 2
    assert sections.nth(0).locator("ul.awards li").inner_text().startswith("Juara 1")
    assert sections.nth(1).locator("ul.awards li").inner_text().startswith("Terbaik")
    assert reader.locator("th", has_text="Nilai").count() == 0, "scores were not published"
    assert "Penilai" not in reader.inner_text("body"), "no reviewer named"
    assert reader.locator("a#privacy").get_attribute("href") == results.CONFIG.privacy_url
    public_shot(reader, "cycle")
    reader.emulate_media(media="print")
    public_shot(reader, "cycle-print")
    reader.emulate_media(media="screen")

    reader.click("header a.lang")
    assert reader.locator("html").get_attribute("lang") == "en"
    assert "Awards" in reader.inner_text("body")
    public_shot(reader, "cycle")

    reader.goto(f"{public}/katalog")
    assert reader.locator("#catalog tr[data-proposal]").count() == 2
    reader.fill("#q", "DINKES")
    reader.click("form.search button[type=submit]")
    reader.wait_for_url("**/katalog?*")
    assert reader.locator("#catalog tr[data-proposal]").count() == 1
    assert reader.locator("#catalog tr[data-proposal]").get_attribute("data-proposal") == ids["a"]
    reader.fill("#q", "")
    reader.select_option("#category", "tata_kelola")
    reader.click("form.search button[type=submit]")
    assert reader.locator("#catalog tr[data-proposal]").get_attribute("data-proposal") == ids["d"]
    public_shot(reader, "catalog")
    reader.close()
