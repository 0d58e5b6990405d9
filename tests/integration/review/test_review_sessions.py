"""Review sessions end when they should: API tokens and UI sessions expire, and logout,
a password change, a deactivation and the secretariat's "sign out everywhere" end them
at once. Before, an old token and a captured cookie (signed, valid 31 days) still worked
after all of these."""

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
from tests.integration.review.support import ADMIN, PASSWORD, auth, create_account, engine_of

SESSION_HOURS = 8


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 8, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(database_url: str, clock: Clock) -> Iterator[Flask]:
    app = create_app(
        Settings(service="review", database_url=database_url, admin_token=ADMIN),
        ReviewSettings(secret_key="test-secret", session_ttl_s=SESSION_HOURS * 3600),
        clock=clock,
    )
    yield app
    engine_of(app).dispose()


def api_token(client: FlaskClient, email: str, password: str = PASSWORD) -> str:
    response = client.post("/v1/auth/tokens", json={"email": email, "password": password})
    assert response.status_code == 201, response.json
    return str(response.json["token"])


def ui_session(app: Flask, email: str, password: str = PASSWORD) -> str:
    """Log in through the login page; the session cookie's value, as a thief would keep it."""
    browser = app.test_client()
    page = browser.get("/ui/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    form = {"csrf_token": token.group(1), "email": email, "password": password}
    assert browser.post("/ui/login", data=form).status_code == 302
    cookie = browser.get_cookie("inagara_review_session")
    assert cookie is not None
    return cookie.value


def token_works(client: FlaskClient, token: str) -> bool:
    response = client.get("/v1/me", headers=auth(token))
    assert response.status_code in (200, 401), response.json
    return response.status_code == 200


def cookie_works(app: Flask, cookie: str) -> bool:
    """A fresh browser that holds only the captured cookie."""
    browser = app.test_client()
    browser.set_cookie("inagara_review_session", cookie)
    response = browser.get("/ui/assignments")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def both(app: Flask, client: FlaskClient, email: str) -> tuple[str, str]:
    return api_token(client, email), ui_session(app, email)


def test_tokens_and_sessions_expire(app: Flask, clock: Clock) -> None:
    client = app.test_client()
    user = create_account(client)
    response = client.post("/v1/auth/tokens", json={"email": user["email"], "password": PASSWORD})
    token, cookie = response.json["token"], ui_session(app, user["email"])
    expires = datetime.fromisoformat(response.json["expires_at"])
    assert expires == clock.now + timedelta(hours=SESSION_HOURS)
    clock.now += timedelta(hours=SESSION_HOURS) - timedelta(seconds=1)
    assert token_works(client, token) and cookie_works(app, cookie)
    clock.now += timedelta(seconds=1)
    assert not token_works(client, token) and not cookie_works(app, cookie)


def test_logging_out_ends_that_session_only(app: Flask) -> None:
    client = app.test_client()
    user = create_account(client)
    token, other_token = api_token(client, user["email"]), api_token(client, user["email"])
    cookie = ui_session(app, user["email"])

    browser = app.test_client()
    browser.set_cookie("inagara_review_session", cookie)
    page = browser.get("/ui/assignments").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf, "the logout form carries the CSRF token"
    assert browser.post("/ui/logout", data={"csrf_token": csrf.group(1)}).status_code == 302
    assert not cookie_works(app, cookie), "a captured cookie dies with the logout"

    assert client.delete("/v1/auth/tokens/current", headers=auth(token)).status_code == 204
    assert not token_works(client, token)
    assert token_works(client, other_token)


@pytest.mark.parametrize(
    "change", [{"password": "a brand new passphrase"}, {"active": False}], ids=["password", "off"]
)
def test_a_password_change_or_deactivation_ends_every_session(
    app: Flask, change: dict[str, Any]
) -> None:
    client = app.test_client()
    user = create_account(client)
    token, cookie = both(app, client, user["email"])
    response = client.patch(f"/v1/users/{user['id']}", json=change, headers=auth(ADMIN))
    assert response.status_code == 200, response.json
    assert not token_works(client, token) and not cookie_works(app, cookie)
    if "active" in change:
        client.patch(f"/v1/users/{user['id']}", json={"active": True}, headers=auth(ADMIN))
        assert not token_works(client, token), "reactivation does not revive old tokens"


def test_the_secretariat_signs_an_account_out_everywhere(app: Flask) -> None:
    client = app.test_client()
    user = create_account(client)
    secretary = create_account(client, role="secretariat")
    token, cookie = both(app, client, user["email"])
    reviewer_token = api_token(client, create_account(client)["email"])

    path = f"/v1/users/{user['id']}/sessions"
    assert client.delete(path, headers=auth(reviewer_token)).status_code == 403
    assert token_works(client, token) and cookie_works(app, cookie)
    answer = client.delete(path, headers=auth(api_token(client, secretary["email"])))
    assert answer.status_code == 204
    assert not token_works(client, token) and not cookie_works(app, cookie)
    assert client.delete("/v1/users/nobody/sessions", headers=auth(ADMIN)).status_code == 404
    assert token_works(client, api_token(client, user["email"])), "a new login works"
