"""The login brute-force limit on POST /v1/auth/tokens and POST /ui/login, on a real
database, with a clock the test moves: 429 after the limit, again after the window,
a success clears the email's count; the counters are shared by every web process."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.review.app import create_app
from services.review.config import ReviewSettings
from shared.platform.settings import Settings
from tests.integration.review.support import ADMIN, PASSWORD, create_account, engine_of

LIMITS = ReviewSettings(
    secret_key="test-secret",
    login_max_failures=3,
    login_max_failures_per_client=6,
    login_window_s=600,
)


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 8, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def review_app(database_url: str, clock: Clock) -> Flask:
    settings = Settings(service="review", database_url=database_url, admin_token=ADMIN)
    return create_app(settings, LIMITS, clock=clock)


@pytest.fixture
def app(database_url: str, clock: Clock) -> Iterator[Flask]:
    app = review_app(database_url, clock)
    yield app
    engine_of(app).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def api_login(client: FlaskClient, email: str, password: str, ip: str = "10.0.0.1") -> Any:
    body = {"email": email, "password": password}
    return client.post("/v1/auth/tokens", json=body, environ_base={"REMOTE_ADDR": ip})


def ui_login(client: FlaskClient, email: str, password: str, ip: str = "10.0.0.1") -> Any:
    page = client.get("/ui/login", environ_base={"REMOTE_ADDR": ip}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, page
    form = {"csrf_token": token.group(1), "email": email, "password": password}
    return client.post("/ui/login", data=form, environ_base={"REMOTE_ADDR": ip})


def test_the_api_answers_429_after_the_limit_without_checking_the_password(
    client: FlaskClient, clock: Clock
) -> None:
    user = create_account(client)
    for _ in range(3):
        assert api_login(client, user["email"], "wrong").status_code == 401
        clock.advance(seconds=30)

    refused = api_login(client, user["email"], PASSWORD)  # the right password, all the same
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.json["status"] == 429 and "failed logins" in refused.json["detail"]
    assert refused.headers["Retry-After"] == str(600 - 90)

    clock.advance(seconds=600 - 90)  # the window opened at the first failure
    assert api_login(client, user["email"], PASSWORD).status_code == 201


def test_a_success_clears_the_count_for_the_email(client: FlaskClient) -> None:
    user = create_account(client)
    for _ in range(2):
        assert api_login(client, user["email"], "wrong").status_code == 401
    assert api_login(client, user["email"], PASSWORD).status_code == 201
    for _ in range(2):
        assert api_login(client, user["email"], "wrong").status_code == 401
    assert api_login(client, user["email"], PASSWORD).status_code == 201


def test_wrong_passwords_from_one_address_never_lock_the_account_out_elsewhere(
    client: FlaskClient, clock: Clock
) -> None:
    """Anyone who knows a reviewer's email could keep them locked out if failures counted
    per account: they count per (account, address) and per address."""
    user = create_account(client)
    for _ in range(3):
        assert api_login(client, user["email"].upper(), "wrong", "10.0.1.1").status_code == 401
    assert api_login(client, user["email"], PASSWORD, "10.0.1.1").status_code == 429
    # The attacker keeps trying from there; the reviewer, elsewhere, logs in all the same.
    for _ in range(5):
        assert api_login(client, user["email"], "wrong", "10.0.1.1").status_code == 429
        assert api_login(client, user["email"], PASSWORD, "10.0.1.2").status_code == 201
        assert ui_login(client, user["email"], PASSWORD, "10.0.1.3").status_code == 302
        clock.advance(seconds=60)
    # The attacker, from their address, still waits for the window to close.
    assert api_login(client, user["email"], PASSWORD, "10.0.1.1").status_code == 429


def test_an_address_is_limited_for_every_email(client: FlaskClient) -> None:
    other = create_account(client)
    for n in range(6):
        assert api_login(client, f"nobody{n}@example.go.id", "x", "10.0.2.1").status_code == 401
    assert api_login(client, other["email"], PASSWORD, "10.0.2.1").status_code == 429
    assert api_login(client, other["email"], PASSWORD, "10.0.2.2").status_code == 201


def test_the_login_page_answers_429_after_the_limit(client: FlaskClient, clock: Clock) -> None:
    user = create_account(client)
    for _ in range(3):
        assert ui_login(client, user["email"], "wrong").status_code == 401
    refused = ui_login(client, user["email"], PASSWORD)
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert "coba lagi dalam 10 menit." in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] == "600"

    clock.advance(minutes=10)
    welcomed = ui_login(client, user["email"], PASSWORD)
    assert welcomed.status_code == 302 and welcomed.headers["Location"].startswith("/ui/")


def test_failures_counted_by_one_web_process_hold_in_another(
    database_url: str, clock: Clock
) -> None:
    first, second = review_app(database_url, clock), review_app(database_url, clock)
    try:
        user = create_account(first.test_client())
        for app in (first, second, first):
            assert api_login(app.test_client(), user["email"], "wrong").status_code == 401
        assert api_login(second.test_client(), user["email"], PASSWORD).status_code == 429
    finally:
        engine_of(first).dispose()
        engine_of(second).dispose()
