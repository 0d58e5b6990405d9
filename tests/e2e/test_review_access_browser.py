"""People and access in a real browser (system Chromium, as ``test_review_browser.py``):
an invitation read from the mail, the password set through its link, the login; a reset
from the login page; a deactivated reviewer's open session refused at its next request.
Every page in Bahasa Indonesia (a browser set to Indonesian). Screenshots go to
``test-artifacts/`` (``review-id-access-*.png``)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from services.review.adapters.mailer import MemoryMailer
from tests.e2e.test_review_browser import assert_indonesian, browser, log_in, shot
from tests.integration.review.support import PASSWORD, create_account, make_app

pytestmark = pytest.mark.e2e
__all__ = ["browser"]  # the module's Chromium fixture, shared
NEW_PASSWORD = "kopi tubruk di pagi hari"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/ui/access/rvl_[A-Za-z0-9_-]+")


@pytest.fixture
def site(database_url: str) -> Iterator[tuple[Flask, str, MemoryMailer]]:
    mailer = MemoryMailer()
    app = make_app(database_url, mailer=mailer)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", mailer
    server.shutdown()
    thread.join(10)
    app.extensions["inagara"].engine.dispose()


def link_for(mailer: MemoryMailer, email: str) -> str:
    mail = [m for m in mailer.sent if m.to == email][-1]
    found = LINK.search(mail.body)
    assert found, mail.body
    return found.group(0)


def set_password(page: Page, link: str, password: str) -> None:
    page.goto(link)
    assert_indonesian(page, "Buat kata sandi", "Minimal 12 karakter")
    page.fill("input[name=password]", password)
    page.fill("input[name=confirm]", password)
    shot(page, "access-set-password")
    page.click("#set-password button[type=submit]")
    page.wait_for_url("**/ui/login")
    assert_indonesian(page, "Kata sandi Anda tersimpan")


def log_in_with(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/ui/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("#login button[type=submit]")


def test_an_invited_reviewer_sets_a_password_and_logs_in(
    browser: Browser, site: tuple[Flask, str, MemoryMailer]
) -> None:
    app, base, mailer = site
    secretariat = create_account(app.test_client(), role="secretariat", name="Sekretariat Uji")
    staff = browser.new_page(locale="id-ID")
    log_in(staff, base, secretariat["email"])
    staff.goto(f"{base}/ui/people")
    assert_indonesian(staff, "Pengguna", "Undang seseorang")
    staff.fill("#invite input[name=name]", "Dewi Penilai")
    staff.fill("#invite input[name=email]", "dewi@example.go.id")
    staff.select_option("#invite select[name=role]", "reviewer")
    staff.click("#invite button[type=submit]")
    assert_indonesian(staff, "Tautan telah dikirim ke dewi@example.go.id", "diundang")
    shot(staff, "access-invited")

    invited = browser.new_page(locale="id-ID")
    set_password(invited, link_for(mailer, "dewi@example.go.id"), NEW_PASSWORD)
    log_in_with(invited, base, "dewi@example.go.id", NEW_PASSWORD)
    invited.wait_for_url("**/ui/assignments")
    assert_indonesian(invited, "Dewi Penilai")

    staff.goto(f"{base}/ui/access-log")
    assert_indonesian(staff, "Log akses", "menerima undangan dan membuat kata sandi")
    shot(staff, "access-log")


def test_a_reviewer_resets_a_forgotten_password_from_the_login_page(
    browser: Browser, site: tuple[Flask, str, MemoryMailer]
) -> None:
    app, base, mailer = site
    reviewer = create_account(app.test_client(), name="Budi Lupa")
    page = browser.new_page(locale="id-ID")
    page.goto(f"{base}/ui/login")
    page.click("#forgot")
    assert_indonesian(page, "Lupa kata sandi?")
    page.fill("#forgot-form input[name=email]", reviewer["email"])
    page.click("#forgot-form button[type=submit]")
    page.wait_for_url("**/ui/login")
    assert_indonesian(page, "Bila email ini memiliki akun")

    set_password(page, link_for(mailer, reviewer["email"]), NEW_PASSWORD)
    log_in_with(page, base, reviewer["email"], PASSWORD)
    assert_indonesian(page, "Email atau kata sandi salah")
    log_in_with(page, base, reviewer["email"], NEW_PASSWORD)
    page.wait_for_url("**/ui/assignments")


def test_a_deactivated_reviewers_open_session_is_refused_at_the_next_request(
    browser: Browser, site: tuple[Flask, str, MemoryMailer]
) -> None:
    app, base, _ = site
    api = app.test_client()
    secretariat = create_account(api, role="secretariat", name="Sekretariat Uji")
    reviewer = create_account(api, name="Rudi Dinonaktifkan")
    reviewing = browser.new_context(locale="id-ID").new_page()
    log_in(reviewing, base, reviewer["email"])
    reviewing.wait_for_url("**/ui/assignments")

    staff = browser.new_context(locale="id-ID").new_page()
    log_in(staff, base, secretariat["email"])
    staff.goto(f"{base}/ui/people")
    row = staff.locator(f"tr[data-email='{reviewer['email']}']")
    row.locator("button.deactivate").click()
    assert_indonesian(staff, "Rudi Dinonaktifkan dinonaktifkan")
    shot(staff, "access-deactivated")

    reviewing.reload()
    reviewing.wait_for_url("**/ui/login**")
    assert_indonesian(reviewing, "Masuk")
