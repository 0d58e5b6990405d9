"""The secretariat's second factor in a real browser (system Chromium, as
``test_review_browser.py``), with REVIEW_REQUIRE_SECOND_FACTOR on: an invitation read from
the mail, the password set through its link, the login leading to the TOTP enrolment (the
QR code, the code from the key shown, the recovery codes shown once), then a login with
the password and a code, and the access log saying so. Every page in Bahasa Indonesia.
Screenshots go to ``test-artifacts/`` (``review-id-second-factor-*.png``)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser
from werkzeug.serving import make_server

from services.review.adapters import totp
from services.review.adapters.mailer import MemoryMailer
from tests.e2e.test_review_access_browser import NEW_PASSWORD, log_in_with, set_password
from tests.e2e.test_review_browser import assert_indonesian, browser, shot
from tests.integration.review.support import ADMIN, auth, make_app

pytestmark = pytest.mark.e2e
__all__ = ["browser"]  # the module's Chromium fixture, shared


@pytest.fixture
def site(database_url: str) -> Iterator[tuple[Flask, str, MemoryMailer]]:
    mailer = MemoryMailer()
    app = make_app(database_url, mailer=mailer, require_second_factor=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", mailer
    server.shutdown()
    thread.join(10)
    app.extensions["inagara"].engine.dispose()


def test_an_invited_secretariat_member_enrols_a_second_factor_and_logs_in_with_it(
    browser: Browser, site: tuple[Flask, str, MemoryMailer]
) -> None:
    app, base, mailer = site
    invited = app.test_client().post(
        "/v1/invitations",
        json={"name": "Sinta Sekretariat", "email": "sinta@example.go.id", "role": "secretariat"},
        headers=auth(ADMIN),
    )
    assert invited.status_code == 201, invited.json
    page = browser.new_context(locale="id-ID").new_page()
    # Invited through the API (its test client's host): the link's path, on this server.
    mail = [m for m in mailer.sent if m.to == "sinta@example.go.id"][-1]
    found = re.search(r"/ui/access/rvl_[A-Za-z0-9_-]+", mail.body)
    assert found, mail.body
    set_password(page, base + found.group(0), NEW_PASSWORD)

    log_in_with(page, base, "sinta@example.go.id", NEW_PASSWORD)
    page.wait_for_url("**/ui/second-factor")
    assert_indonesian(page, "Faktor kedua", "Pindai kode QR ini")
    assert page.locator("#qr svg").is_visible()
    secret = page.locator("#secret").inner_text().strip()
    shot(page, "second-factor-enrol")
    page.fill("#enrol input[name=otp]", "000000")
    page.click("#enrol button[type=submit]")
    assert_indonesian(page, "Kode salah atau sudah pernah dipakai")
    page.fill("#enrol input[name=otp]", totp.code_at(secret, datetime.now(UTC)))
    page.click("#enrol button[type=submit]")
    assert_indonesian(page, "Kode pemulihan", "hanya ditampilkan sekarang")
    assert page.locator("#recovery-codes li").count() == 10
    shot(page, "second-factor-recovery-codes")
    page.click("#continue")
    page.wait_for_url("**/ui/cycles")
    page.click("header button[type=submit]")  # log out
    page.wait_for_url("**/ui/login")

    log_in_with(page, base, "sinta@example.go.id", NEW_PASSWORD)
    page.wait_for_url("**/ui/login/code")
    assert_indonesian(page, "Ketik kode enam digit")
    # The next step's code: the one used to enrol is never accepted twice.
    page.fill(
        "#login-code input[name=otp]",
        totp.code_at(secret, datetime.now(UTC) + timedelta(seconds=totp.STEP_S)),
    )
    shot(page, "second-factor-login-code")
    page.click("#login-code button[type=submit]")
    page.wait_for_url("**/ui/cycles")
    page.goto(f"{base}/ui/access-log")
    assert_indonesian(page, "mengaktifkan faktor kedua (aplikasi autentikator)")
    page.goto(f"{base}/ui/people")
    row = page.locator("tr[data-email='sinta@example.go.id'] td.second-factor")
    assert row.get_attribute("data-enrolled") == "true"
