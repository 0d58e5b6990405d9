"""The review pages in a real browser: a system Chromium driven by Playwright (no browser is
ever downloaded; ``deploy/local/ensure-chromium.sh`` finds or installs one).

A whole cycle runs through the pages, in Bahasa Indonesia (a browser set to Indonesian):
the secretariat creates the cycle, five proposals from five agencies arrive (through the
review service's event handler), three reviewers score each, the secretariat shortlists,
rejects and awards. Every main page is checked for Indonesian text and for English that
leaked (any English string of the catalog whose Indonesian differs). Then the ID | EN
switch turns the same pages English. Screenshots go to ``test-artifacts/``
(``review-id-*.png``, ``review-en-*.png``).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from tests.integration.review.support import (
    ADMIN,
    AGENCIES,
    PASSWORD,
    NotificationServer,
    auth,
    create_account,
    create_cycle,
    deliver,
    login,
    make_app,
    scores_for,
    submitted_event,
)
from tools import translations

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    """Where ensure-chromium.sh looks: ``CHROMIUM_PATH``, then the usual names on PATH."""
    configured = os.environ.get("CHROMIUM_PATH", "")
    if configured and os.access(configured, os.X_OK):
        return configured
    for name in BROWSER_NAMES:
        if found := shutil.which(name):
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.fail(
            "No Chromium or Chrome found (CHROMIUM_PATH, chromium, chromium-browser, google-chrome). "
            "Run deploy/local/ensure-chromium.sh (as root it installs Debian's chromium)."
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def site(database_url: str) -> Iterator[tuple[Flask, str]]:
    app = make_app(database_url)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    app.extensions["inagara"].engine.dispose()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    language = page.locator("html").get_attribute("lang")
    page.screenshot(path=str(ARTIFACTS / f"review-{language}-{name}.png"), full_page=True)


def english_only_phrases() -> list[re.Pattern[str]]:
    """The catalog's English strings that read differently in Indonesian (placeholders
    aside), as whole words: on an Indonesian page none of them may show."""
    return [
        re.compile(rf"(?<!\w){re.escape(m.id)}(?!\w)")
        for m in translations.read("id")
        if m.id and "%(" not in m.id and m.string != m.id and len(m.id) >= 4
    ]


LEAKS = english_only_phrases()
VISIBLE_TEXT = "() => document.body.innerText"


def assert_indonesian(page: Page, *expected: str) -> None:
    assert page.locator("html").get_attribute("lang") == "id"
    visible = page.evaluate(VISIBLE_TEXT)
    for phrase in expected:
        assert phrase in visible, f"{page.url}: {phrase!r} not shown"
    leaked = sorted({p.pattern for p in LEAKS if p.search(visible)})
    assert not leaked, f"{page.url}: English on the Indonesian page: {leaked}"


def assert_english(page: Page, *expected: str) -> None:
    assert page.locator("html").get_attribute("lang") == "en"
    visible = page.evaluate(VISIBLE_TEXT)
    for phrase in expected:
        assert phrase in visible, f"{page.url}: {phrase!r} not shown"


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/ui/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")


def log_out(page: Page) -> None:
    page.click("header button[type=submit]")
    page.wait_for_url("**/ui/login")


def local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_a_whole_cycle_through_the_pages(browser: Browser, site: tuple[Flask, str]) -> None:
    app, base = site
    api = app.test_client()
    reviewers = [create_account(api, name=f"Penilai {code}", agency_code=code) for code in AGENCIES]
    secretary = create_account(api, role="secretariat", name="Sekretariat Inovasi")
    page = browser.new_page(locale="id-ID")  # the browser of an Indonesian civil servant
    page.set_default_timeout(10_000)

    page.goto(f"{base}/ui/login")
    assert_indonesian(page, "Masuk", "Kata sandi")
    assert page.locator("#language a").all_inner_texts() == ["ID", "EN"]
    assert page.locator("#language a[aria-current]").inner_text() == "ID"
    shot(page, "login")
    log_in(page, base, secretary["email"])
    page.wait_for_url("**/ui/cycles")
    assert_indonesian(page, "Siklus penghargaan", "Siklus baru", "Buat siklus", "Keluar")
    now = datetime.now(UTC)
    page.fill("input[name=name]", "Inovasi Daerah <2026>")
    page.fill("input[name=submission_opens_at]", local(now - timedelta(days=30)))
    page.fill("input[name=submission_closes_at]", local(now + timedelta(days=30)))
    page.fill("input[name=review_deadline]", local(now + timedelta(days=60)))
    page.fill("input[name=award_count]", "2")
    page.click("#new-cycle button[type=submit]")
    page.wait_for_url("**/ui/cycles/*")
    cycle_url = page.url
    assert page.locator("h1").inner_text() == "Inovasi Daerah <2026>", "shown as text, escaped"
    assert_indonesian(page, "Usulan per tahap", "Belum ada usulan yang masuk ke siklus ini.")
    page.goto(f"{base}/ui/cycles")
    assert_indonesian(page, "Siklus penghargaan", "dibuka", " WIB")
    shot(page, "secretariat-cycles")
    log_out(page)

    events = [submitted_event(code) for code in AGENCIES]
    for event in events:
        deliver(app, event)
    strength = dict(zip([e.subject for e in events], (0, 1, 2, 3, 3), strict=True))

    reviews_done = 0
    for index, reviewer in enumerate(reviewers):
        log_in(page, base, reviewer["email"])
        page.wait_for_url("**/ui/assignments")
        if index == 0:
            assert_indonesian(page, "Tugas saya", "Batas waktu", "belum dinilai", " WIB")
            shot(page, "reviewer-assignments")
        links = page.locator("#assignments a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert 2 <= len(hrefs) <= 4, "fifteen reviews over five reviewers, balanced within two"
        reviews_done += len(hrefs)
        for href in hrefs:
            page.goto(f"{base}{href}")
            assert page.locator("#evidence a").count() >= 1
            pid = next(
                e.subject for e in events if page.locator("h1").inner_text().endswith(e.subject[:6])
            )
            for select in page.locator("#scoring select").all():
                values = [o.get_attribute("value") for o in select.locator("option").all()]
                level = min(strength[pid], len(values) - 2)
                select.select_option(values[level + 1])
            page.fill("textarea[name=comment]", "Bukti <lengkap>")
            page.click("#scoring button[type=submit]")
            page.wait_for_selector(".flash.ok")
            if index == 0 and href == hrefs[0]:
                assert_indonesian(
                    page, "Nilai Anda tersimpan", "Profil", "Kriteria", "Simpan nilai", "Rp"
                )
                shot(page, "reviewer-scoring")
        log_out(page)

    assert reviews_done == 15
    log_in(page, base, secretary["email"])
    page.goto(cycle_url)
    rows = page.locator("#ranking tr[data-proposal]")
    assert rows.count() == 5
    order = [rows.nth(i).get_attribute("data-proposal") for i in range(5)]
    assert page.locator("#assignments-overview tr").count() == 6
    assert_indonesian(page, "Peringkat (penilaian dokumen)", "sudah dinilai", "Nilai sama:")
    shot(page, "secretariat-ranking")
    for pid in order[:3]:
        page.locator(f"#ranking tr[data-proposal='{pid}'] button[value=shortlist]").click()
        page.wait_for_selector(".flash.ok")
    page.locator(f"#ranking tr[data-proposal='{order[3]}'] button[value=reject]").click()
    page.wait_for_selector(".flash.ok")
    for pid, award in ((order[0], "Juara 1"), (order[1], "Juara 2")):
        page.check(f"#awards input[name=winner][value='{pid}']")
        page.fill(f"#awards input[name='award-{pid}']", award)
    page.click("#awards button[type=submit]")
    assert (
        "2 menerima penghargaan, 2 tidak menerima penghargaan"
        in page.locator(".flash.ok").inner_text()
    )
    assert_indonesian(page, "Peringkat akhir", "menerima penghargaan")
    shot(page, "secretariat-awards")
    page.goto(f"{base}/ui/proposals/{order[0]}")
    assert page.locator("#status").inner_text() == "menerima penghargaan"
    assert page.locator("#status").get_attribute("data-status") == "awarded"
    assert_indonesian(
        page,
        "Penugasan",
        "Anggaran.",
        "Rp150.000.000",
        "Log audit",
        "Sekretariat Inovasi (sekretariat)",
        "memasukkan usulan ke daftar pendek",
        "sistem (seleksi administrasi)",
    )
    audit = page.locator("#audit").inner_text()
    assert secretary["id"] not in audit and "{" not in audit, (
        "names and sentences, not ids and JSON"
    )
    shot(page, "secretariat-proposal")
    page.goto(f"{cycle_url}/participation")
    assert_indonesian(page, "Partisipasi", "Satu perangkat daerah, satu inovasi")
    shot(page, "secretariat-participation")
    page.click("header a:has-text('Alur proses')")
    page.wait_for_url("**/ui/pipeline")
    assert "menerima penghargaan" in page.locator("#stages").inner_text()
    assert page.locator("html").get_attribute("lang") == "id"
    assert "Status alur proses" in page.locator("h1").inner_text()
    shot(page, "secretariat-pipeline")

    # The switch: English on request, remembered for the rest of the session.
    page.click("#language a[hreflang=en]")
    page.wait_for_url("**/ui/pipeline?lang=en")
    assert_english(page, "Pipeline status", "Proposals per stage", "awarded")
    shot(page, "secretariat-pipeline")
    page.goto(cycle_url)
    assert_english(page, "Ranking (desk)", "Final standing", "Log out", "not awarded")
    shot(page, "secretariat-ranking")
    page.goto(f"{base}/ui/cycles")
    assert_english(page, "Award cycles", "New cycle", "Create cycle", " WIB")
    shot(page, "secretariat-cycles")
    page.goto(f"{base}/ui/proposals/{order[0]}")
    assert page.locator("#status").inner_text() == "awarded"
    assert_english(page, "Assignments", "Audit log", "Budget.", "Rp150.000.000")
    shot(page, "secretariat-proposal")
    page.goto(f"{cycle_url}/participation")
    assert_english(page, "Participation", "One agency, one innovation")
    shot(page, "secretariat-participation")
    log_out(page)
    assert_english(page, "Log in", "Password")
    shot(page, "login")
    log_in(page, base, reviewers[0]["email"])
    page.wait_for_url("**/ui/assignments")
    assert_english(page, "My assignments", "Deadline", "scored (you can still change it)")
    shot(page, "reviewer-assignments")
    page.locator("#assignments a").first.click()
    assert_english(page, "Profile", "Criterion", "Save scores", "Scores")
    shot(page, "reviewer-scoring")
    page.click("#language a[hreflang=id]")
    assert_indonesian(page, "Profil", "Kriteria", "Simpan nilai")
    page.close()

    statuses = {
        pid: api.get(f"/v1/proposals/{pid}", headers=auth(ADMIN)).json["status"] for pid in order
    }
    assert [statuses[pid] for pid in order] == [
        "awarded",
        "awarded",
        "not_awarded",
        "rejected",
        "not_awarded",
    ]


def test_the_secretariat_previews_a_decisions_messages_in_the_browser(
    browser: Browser, database_factory: Callable[[], str]
) -> None:
    """Issue 17, item 6: the messages a decision would send, per recipient and channel, as
    the notification service (a real one on a local port) renders them; nothing sent."""
    notification = NotificationServer(database_factory())
    notification.thread.start()
    app = make_app(database_factory(), notification_url=notification.url)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        api = app.test_client()
        reviewer = create_account(api, agency_code="X")
        secretary = create_account(api, role="secretariat", name="Sekretariat Inovasi")
        cycle = create_cycle(api, reviewers_per_proposal=1, award_count=1)
        event = submitted_event("DINKES", title="Posyandu Digital Pratinjau")
        deliver(app, event)
        notification.record(event)
        token = login(api, reviewer["email"])
        (held,) = api.get("/v1/assignments", headers=auth(token)).json["items"]
        rubric = api.get(f"/v1/cycles/{cycle['id']}/rubrics/desk", headers=auth(ADMIN)).json
        api.put(
            f"/v1/assignments/{held['id']}/review",
            json={"scores": scores_for(rubric, 3)},
            headers=auth(token),
        )

        page = browser.new_page(locale="id-ID")
        page.set_default_timeout(10_000)
        log_in(page, base, secretary["email"])
        page.wait_for_url("**/ui/cycles")
        page.goto(f"{base}/ui/proposals/{event.subject}")
        page.fill("#decision textarea[name=note]", "Bukti lapangan belum cukup")
        page.click("#decision button.preview[value=reject]")
        page.wait_for_selector("#preview")
        assert_indonesian(page, "Pratinjau pesan", "Belum ada yang dikirim", "Penerima", "inovator")
        rows = page.locator("#preview tr[data-channel]")
        shown = {
            (r.get_attribute("data-channel"), r.get_attribute("data-recipient")) for r in rows.all()
        }
        assert shown == {("email", "siti.rahmawati@example.org"), ("whatsapp", "+6281234567890")}
        assert "Bukti lapangan belum cukup" in page.locator("#preview").inner_text()
        shot(page, "secretariat-preview")
        page.click("#language a[hreflang=en]")
        assert_english(page, "Message preview", "Recipient", "innovator")
        shot(page, "secretariat-preview")
        page.click("#confirm button[name=decision]")
        page.wait_for_selector(".flash.ok")
        assert page.locator("#status").get_attribute("data-status") == "rejected"
        page.close()
    finally:
        server.shutdown()
        thread.join(10)
        app.extensions["inagara"].engine.dispose()
        notification.server.shutdown()
        notification.app.extensions["inagara"].engine.dispose()


def test_the_secretariat_asks_for_an_export_and_the_page_turns_into_a_download(
    browser: Browser, site: tuple[Flask, str]
) -> None:
    """Issue 17, item 5: a CSV export is asked for, its page refreshes itself (no script:
    the CSP allows none) while the worker builds it, then offers the file."""
    from services.review.config import ReviewSettings
    from services.review.worker import export_loop
    from tests.integration.review.support import engine_of

    app, base = site
    api = app.test_client()
    reviewer = create_account(api, agency_code="X")
    secretary = create_account(api, role="secretariat", name="Sekretariat Inovasi")
    cycle = create_cycle(api, reviewers_per_proposal=1, award_count=1)
    deliver(app, submitted_event("DINKES", title="Posyandu Digital Ekspor"))
    token = login(api, reviewer["email"])
    (held,) = api.get("/v1/assignments", headers=auth(token)).json["items"]
    rubric = api.get(f"/v1/cycles/{cycle['id']}/rubrics/desk", headers=auth(ADMIN)).json
    api.put(
        f"/v1/assignments/{held['id']}/review",
        json={"scores": scores_for(rubric, 3)},
        headers=auth(token),
    )

    page = browser.new_page(locale="id-ID", accept_downloads=True)
    page.set_default_timeout(15_000)
    log_in(page, base, secretary["email"])
    page.wait_for_url("**/ui/cycles")
    page.goto(f"{base}/ui/cycles/{cycle['id']}")
    page.click("#exports button[value=ranking]")
    page.wait_for_url("**/ui/exports/*")
    assert page.locator("#export").get_attribute("data-status") == "pending"
    assert_indonesian(page, "Sedang disiapkan…", "Ekspor")
    shot(page, "secretariat-export-pending")

    stop = threading.Event()
    worker = threading.Thread(
        target=export_loop(ReviewSettings(export_check_interval_s=0.2))(engine_of(app)),
        args=(stop,),
    )
    worker.start()
    try:
        # No reload from the test: the page's own <meta http-equiv="refresh"> brings the link.
        page.wait_for_selector("#download")
    finally:
        stop.set()
        worker.join(5)
    assert_indonesian(page, "Unduh ranking-")
    shot(page, "secretariat-export-ready")
    with page.expect_download() as done:
        page.click("#download")
    downloaded = Path(done.value.path()).read_bytes()
    assert done.value.suggested_filename == f"ranking-{cycle['id']}.csv"
    # The same bytes as the synchronous download, fetched with the browser's session.
    synchronous = page.request.get(f"{base}/ui/cycles/{cycle['id']}/ranking.csv")
    assert synchronous.ok and downloaded == synchronous.body()
    assert b"Posyandu Digital Ekspor" in downloaded
    page.close()
