"""The secretariat's second factor (TOTP, recovery codes) through the API and the pages,
on a real database (SQLite and PostgreSQL), with the app's clock moved by the test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.review.adapters import totp
from services.review.adapters.mailer import MemoryMailer
from services.review.app import create_app
from services.review.config import ReviewSettings
from shared.platform.settings import Settings
from tests.integration.review.support import ADMIN, PASSWORD, auth, create_account

STEP = timedelta(seconds=totp.STEP_S)


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def tick(self, steps: int = 1) -> None:
        self.at += steps * STEP


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(database_url: str, clock: Clock) -> Iterator[Flask]:
    app = create_app(
        Settings(service="review", database_url=database_url, admin_token=ADMIN),
        ReviewSettings(secret_key="test-secret", require_second_factor=True),
        clock=clock,
        mailer=MemoryMailer(),
    )
    yield app
    app.extensions["inagara"].engine.dispose()


def csrf(page: bytes) -> str:
    found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    assert found, "the form carries a CSRF token"
    return found.group(1).decode()


def post_form(client: FlaskClient, path: str, **data: str) -> Any:
    return client.post(path, data={**data, "csrf_token": csrf(client.get(path).data)})


def enrol_by_page(client: FlaskClient, clock: Clock, email: str) -> tuple[str, list[str]]:
    """Log in with the password, enrol on the page it leads to: the secret and the codes."""
    login = post_form(client, "/ui/login", email=email, password=PASSWORD)
    assert login.status_code == 302 and login.headers["Location"].endswith("/ui/second-factor")
    assert client.get("/ui/people").status_code == 302, "no session before the second factor"
    page = client.get("/ui/second-factor")
    assert page.status_code == 200 and b"<svg" in page.data
    found = re.search(rb'<code id="secret">([A-Z2-7]+)</code>', page.data)
    assert found
    secret = found.group(1).decode()
    assert client.get("/ui/second-factor").data.count(secret.encode()) >= 1, "same on reload"
    wrong = post_form(client, "/ui/second-factor", otp="000000")
    assert wrong.status_code == 200 and b'id="enrol"' in wrong.data
    done = post_form(client, "/ui/second-factor", otp=totp.code_at(secret, clock()))
    assert done.status_code == 200
    codes = re.findall(rb"<li><code>([0-9A-Z-]+)</code></li>", done.data)
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, [c.decode() for c in codes]


def token_answer(client: FlaskClient, email: str, otp: str | None = None) -> Any:
    body = {"email": email, "password": PASSWORD} | ({"otp": otp} if otp is not None else {})
    return client.post("/v1/auth/tokens", json=body)


def actions(client: FlaskClient, user_id: str) -> list[str]:
    log = client.get("/v1/access-audit", headers=auth(ADMIN)).json["items"]
    return [e["action"] for e in log if e["entity_id"] == user_id]


def test_a_secretariat_account_enrols_then_logs_in_with_a_code(app: Flask, clock: Clock) -> None:
    api = app.test_client()
    person = create_account(api, role="secretariat", max_load=0)
    refused = token_answer(api, person["email"])
    assert refused.status_code == 403
    assert refused.json["code"] == "auth.second_factor_enrolment_required"

    browser = app.test_client()
    secret, codes = enrol_by_page(browser, clock, person["email"])
    assert browser.get("/ui/people").status_code == 200, "the enrolment ended the login"
    assert "second_factor_enrolled" in actions(api, person["id"])

    assert token_answer(api, person["email"]).json["code"] == "auth.otp_required"
    assert token_answer(api, person["email"], "123456").json["code"] == "auth.wrong_otp"
    clock.tick()
    code = totp.code_at(secret, clock())
    assert token_answer(api, person["email"], code).status_code == 201
    again = token_answer(api, person["email"], code)
    assert again.status_code == 401 and again.json["code"] == "auth.wrong_otp", "no replay"
    assert token_answer(api, person["email"], codes[0].lower()).status_code == 201
    used = token_answer(api, person["email"], codes[0])
    assert used.status_code == 401, "a recovery code works once"
    assert "recovery_code_used" in actions(api, person["id"])

    # The pages: the password, then the code, then the page asked for first.
    other = app.test_client()
    step1 = other.post(
        "/ui/login?next=/ui/access-log",
        data={
            "email": person["email"],
            "password": PASSWORD,
            "csrf_token": csrf(other.get("/ui/login").data),
        },
    )
    assert step1.status_code == 302 and step1.headers["Location"].endswith("/ui/login/code")
    assert other.get("/ui/people").status_code == 302
    assert post_form(other, "/ui/login/code", otp="654321").status_code == 401
    clock.tick()
    step2 = post_form(other, "/ui/login/code", otp=totp.code_at(secret, clock()))
    assert step2.status_code == 302 and step2.headers["Location"].endswith("/ui/access-log")
    state = other.get("/ui/second-factor")
    assert b'data-enrolled="true"' in state.data
    clock.tick()
    renewed = post_form(other, "/ui/second-factor", otp=totp.code_at(secret, clock()))
    fresh = re.findall(rb"<li><code>([0-9A-Z-]+)</code></li>", renewed.data)
    assert len(fresh) == 10
    assert token_answer(api, person["email"], codes[1]).status_code == 401, "old codes end"
    assert token_answer(api, person["email"], fresh[0].decode()).status_code == 201
    assert "recovery_codes_renewed" in actions(api, person["id"])


def test_the_secretariat_removes_a_lost_second_factor(app: Flask, clock: Clock) -> None:
    api = app.test_client()
    person = create_account(api, role="secretariat", max_load=0)
    browser = app.test_client()
    enrol_by_page(browser, clock, person["email"])
    assert browser.get("/ui/people").status_code == 200
    removed = api.delete(f"/v1/users/{person['id']}/second-factor", headers=auth(ADMIN))
    assert removed.status_code == 204
    assert browser.get("/ui/people").status_code == 302, "its sessions ended"
    assert token_answer(api, person["email"]).status_code == 403, "it enrols again"
    assert "second_factor_removed" in actions(api, person["id"])
    missing = api.delete("/v1/users/no-such-id/second-factor", headers=auth(ADMIN))
    assert missing.status_code == 404


def test_a_second_factor_removed_after_the_password_lets_no_one_in(
    app: Flask, clock: Clock
) -> None:
    api = app.test_client()
    person = create_account(api, role="secretariat", max_load=0)
    secret, _codes = enrol_by_page(app.test_client(), clock, person["email"])
    browser = app.test_client()
    step1 = post_form(browser, "/ui/login", email=person["email"], password=PASSWORD)
    assert step1.headers["Location"].endswith("/ui/login/code")
    api.delete(f"/v1/users/{person['id']}/second-factor", headers=auth(ADMIN))
    clock.tick()
    step2 = post_form(browser, "/ui/login/code", otp=totp.code_at(secret, clock()))
    assert step2.status_code == 302 and step2.headers["Location"].endswith("/ui/login")
    assert browser.get("/ui/people").status_code == 302


def test_the_pending_login_expires(app: Flask, clock: Clock) -> None:
    api = app.test_client()
    person = create_account(api, role="secretariat", max_load=0)
    _secret, _codes = enrol_by_page(app.test_client(), clock, person["email"])
    browser = app.test_client()
    post_form(browser, "/ui/login", email=person["email"], password=PASSWORD)
    clock.tick(11)  # past the 5 minutes the password step holds
    late = browser.get("/ui/login/code")
    assert late.status_code == 302 and late.headers["Location"].endswith("/ui/login")


def test_wrong_codes_count_as_failed_logins(app: Flask, clock: Clock) -> None:
    api = app.test_client()
    person = create_account(api, role="secretariat", max_load=0)
    secret, _codes = enrol_by_page(app.test_client(), clock, person["email"])
    for _ in range(ReviewSettings().login_max_failures):
        assert token_answer(api, person["email"], "111111").status_code == 401
    limited = token_answer(api, person["email"], totp.code_at(secret, clock()))
    assert limited.status_code == 429


def test_reviewers_log_in_without_one_and_may_enrol(app: Flask, clock: Clock) -> None:
    api = app.test_client()
    person = create_account(api)
    assert token_answer(api, person["email"]).status_code == 201
    browser = app.test_client()
    login = post_form(browser, "/ui/login", email=person["email"], password=PASSWORD)
    assert login.status_code == 302 and not login.headers["Location"].endswith("/ui/second-factor")
    page = browser.get("/ui/second-factor")
    secret = re.search(rb'<code id="secret">([A-Z2-7]+)</code>', page.data)
    assert secret
    done = post_form(
        browser, "/ui/second-factor", otp=totp.code_at(secret.group(1).decode(), clock())
    )
    assert done.status_code == 200
    assert token_answer(api, person["email"]).json["code"] == "auth.otp_required"


def test_only_the_secretariat_removes_one_on_the_people_page(app: Flask, clock: Clock) -> None:
    api = app.test_client()
    person = create_account(api, role="secretariat", max_load=0)
    enrol_by_page(app.test_client(), clock, person["email"])
    path = f"/ui/people/{person['id']}/second-factor"
    for role in ("observer", "reviewer"):
        other = create_account(api, role=role, max_load=0)
        browser = app.test_client()
        assert (
            post_form(browser, "/ui/login", email=other["email"], password=PASSWORD).status_code
            == 302
        )
        token = csrf(browser.get("/ui/second-factor").data)
        assert browser.post(path, data={"csrf_token": token}).status_code == 403, role
    assert token_answer(api, person["email"]).json["code"] == "auth.otp_required", "still on"

    staff = create_account(api, role="secretariat", max_load=0)
    browser = app.test_client()
    enrol_by_page(browser, clock, staff["email"])
    people = browser.get("/ui/people")
    assert b'class="second-factor" data-enrolled="true"' in people.data
    removed = browser.post(path, data={"csrf_token": csrf(people.data)})
    assert removed.status_code == 302
    assert token_answer(api, person["email"]).json["code"] == (
        "auth.second_factor_enrolment_required"
    )
