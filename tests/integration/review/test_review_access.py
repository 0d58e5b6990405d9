"""Accounts by invitation, resets and deactivation through the API and the pages, on a
real database (SQLite and PostgreSQL), with the emails kept by a MemoryMailer."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.review import bootstrap
from services.review.adapters.mailer import MemoryMailer
from services.review.config import ReviewSettings
from shared.platform.settings import Settings
from tests.integration.review.support import ADMIN, auth, create_account, make_app

GOOD = "kopi tubruk di pagi hari"
LINK = re.compile(r"https?://[^\s]+/ui/access/(rvl_[A-Za-z0-9_-]+)")


@pytest.fixture
def mailer() -> MemoryMailer:
    return MemoryMailer()


@pytest.fixture
def app(database_url: str, mailer: MemoryMailer) -> Iterator[Flask]:
    app = make_app(database_url, mailer=mailer, ui_url="https://review.example.go.id")
    yield app
    app.extensions["inagara"].engine.dispose()


def csrf(page: bytes) -> str:
    found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    assert found, "the form carries a CSRF token"
    return found.group(1).decode()


def last_link(mailer: MemoryMailer, to: str) -> str:
    mail = [m for m in mailer.sent if m.to == to][-1]
    found = LINK.search(mail.body)
    assert found, mail.body
    assert found.group(0).startswith("https://review.example.go.id/ui/access/")
    return found.group(1)


def set_password_by_page(client: FlaskClient, secret: str, password: str) -> Any:
    page = client.get(f"/ui/access/{secret}")
    assert page.status_code == 200, page.data
    return client.post(
        f"/ui/access/{secret}",
        data={"password": password, "confirm": password, "csrf_token": csrf(page.data)},
    )


def ui_login(client: FlaskClient, email: str, password: str) -> int:
    token = csrf(client.get("/ui/login").data)
    answer = client.post(
        "/ui/login", data={"email": email, "password": password, "csrf_token": token}
    )
    return answer.status_code


def test_an_invitation_sets_a_password_once_and_the_person_logs_in(
    app: Flask, mailer: MemoryMailer
) -> None:
    api = app.test_client()
    answer = api.post(
        "/v1/invitations",
        json={"name": "Sari Observer", "email": "sari@example.go.id", "role": "observer"},
        headers=auth(ADMIN),
    )
    assert answer.status_code == 201 and answer.json["email_sent"] is True
    assert answer.json["user"]["role"] == "observer"
    secret = last_link(mailer, "sari@example.go.id")
    assert "Yth. Sari Observer" in mailer.sent[-1].body
    # No password yet: nothing logs in.
    no_password = api.post("/v1/auth/tokens", json={"email": "sari@example.go.id", "password": ""})
    assert no_password.status_code in (401, 422)

    browser = app.test_client()
    weak = set_password_by_page(browser, secret, "sari@example.go.id!!")
    assert weak.status_code == 200 and b"email" in weak.data
    done = set_password_by_page(browser, secret, GOOD)
    assert done.status_code == 302 and done.headers["Location"].endswith("/ui/login")
    assert browser.get(f"/ui/access/{secret}").status_code == 404, "single use"
    assert ui_login(browser, "sari@example.go.id", GOOD) == 302
    # An observer reads the secretariat's pages and submits none of their forms.
    assert browser.get("/ui/people").status_code == 200
    assert browser.get("/ui/access-log").status_code == 200
    page = browser.get("/ui/people")
    # Its forms are not shown (the page's style hides them in a read-only main), the
    # language links are.
    assert b'<main class="read-only">' in page.data and b'id="read-only"' in page.data
    assert b'main.read-only form[method="post"]:not(.own) { display: none; }' in page.data
    refused = browser.post("/ui/people/invite", data={"csrf_token": csrf(page.data)})
    assert refused.status_code == 403

    log = api.get("/v1/access-audit", headers=auth(ADMIN)).json["items"]
    mine = [e["action"] for e in log if e["entity_id"] == answer.json["user"]["id"]]
    assert mine == ["invitation_accepted", "invited"], "newest first"


def test_a_reset_link_replaces_the_password_and_ends_the_open_sessions(
    app: Flask, mailer: MemoryMailer
) -> None:
    api = app.test_client()
    reviewer = create_account(api)
    browser = app.test_client()
    assert ui_login(browser, reviewer["email"], "correct horse battery") == 302
    assert browser.get("/ui/assignments").status_code == 200

    unknown = api.post("/v1/auth/password-resets", json={"email": "nobody@example.go.id"})
    asked = api.post("/v1/auth/password-resets", json={"email": reviewer["email"]})
    assert unknown.status_code == asked.status_code == 202
    assert [m.to for m in mailer.sent] == [reviewer["email"]], "only an account gets a link"
    assert "Atur ulang" in mailer.sent[0].subject

    secret = last_link(mailer, reviewer["email"])
    changed = api.post("/v1/auth/password", json={"link": secret, "password": GOOD})
    assert changed.status_code == 200

    assert browser.get("/ui/assignments").status_code == 302, "the open session ended"
    old = api.post(
        "/v1/auth/tokens", json={"email": reviewer["email"], "password": "correct horse battery"}
    )
    assert old.status_code == 401
    new = api.post("/v1/auth/tokens", json={"email": reviewer["email"], "password": GOOD})
    assert new.status_code == 201
    again = api.post("/v1/auth/password", json={"link": secret, "password": GOOD + " lagi"})
    assert again.status_code == 404


def test_deactivation_refuses_the_open_session_at_its_next_request(app: Flask) -> None:
    api = app.test_client()
    reviewer = create_account(api)
    browser = app.test_client()
    assert ui_login(browser, reviewer["email"], "correct horse battery") == 302
    token = api.post(
        "/v1/auth/tokens",
        json={"email": reviewer["email"], "password": "correct horse battery"},
    ).json["token"]
    assert browser.get("/ui/assignments").status_code == 200

    off = api.patch(f"/v1/users/{reviewer['id']}", json={"active": False}, headers=auth(ADMIN))

    assert off.status_code == 200
    assert browser.get("/ui/assignments").status_code == 302
    assert api.get("/v1/me", headers=auth(token)).status_code == 401
    reset = api.post(f"/v1/users/{reviewer['id']}/password-reset", headers=auth(ADMIN))
    assert reset.status_code == 404, "no link for a deactivated account"
    rows = list(csv.reader(io.StringIO(api.get("/v1/access-audit.csv", headers=auth(ADMIN)).text)))
    assert rows[0] == ["at", "actor", "action", "account", "before", "after"]
    assert [r[2] for r in rows[1:] if r[3] == reviewer["id"]] == ["deactivated", "account_created"]


def test_a_weak_password_is_a_422_naming_the_field(app: Flask) -> None:
    api = app.test_client()
    answer = api.post(
        "/v1/users",
        json={"name": "Lemah", "email": "lemah@example.go.id", "password": "password1234"},
        headers=auth(ADMIN),
    )
    assert answer.status_code == 422 and "password" in answer.json["errors"]


def test_the_first_account_command_prints_a_link_and_never_a_password(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(service="review", database_url=database_url, admin_token=ADMIN)
    review = ReviewSettings(ui_url="https://review.example.go.id")
    args = ["--email", "kepala@example.go.id", "--name", "Kepala Sekretariat"]

    assert bootstrap.main(args, settings, review) == 0
    printed = capsys.readouterr().out
    secret = LINK.search(printed)
    assert secret and "password:" not in printed.lower().replace("set its password:", "")
    assert bootstrap.main(args, settings, review) == 1, "a secretariat exists: refused"
    assert "secretariat account exists" in capsys.readouterr().err
    assert bootstrap.main([*args, "--again"], settings, review) == 0
    newer = LINK.search(capsys.readouterr().out)
    assert newer and newer.group(1) != secret.group(1)

    app = make_app(database_url)
    try:
        api = app.test_client()
        stale = api.post("/v1/auth/password", json={"link": secret.group(1), "password": GOOD})
        assert stale.status_code == 404, "the new link replaced the first"
        made = api.post("/v1/auth/password", json={"link": newer.group(1), "password": GOOD})
        assert made.status_code == 200 and made.json["role"] == "secretariat"
        token = api.post(
            "/v1/auth/tokens", json={"email": "kepala@example.go.id", "password": GOOD}
        ).json["token"]
        assert api.get("/v1/users", headers=auth(token)).status_code == 200
    finally:
        app.extensions["inagara"].engine.dispose()


def test_reset_requests_are_limited_like_logins(app: Flask, mailer: MemoryMailer) -> None:
    api = app.test_client()
    reviewer = create_account(api)
    answers = [
        api.post("/v1/auth/password-resets", json={"email": reviewer["email"]}).status_code
        for _ in range(6)
    ]
    assert answers == [202] * 5 + [429]
    assert len(mailer.sent) == 5
    limited = api.post("/v1/auth/password-resets", json={"email": reviewer["email"]})
    assert int(limited.headers["Retry-After"]) > 0
    # Another person's reset from elsewhere is not held up.
    other = create_account(api)
    elsewhere = api.post(
        "/v1/auth/password-resets",
        json={"email": other["email"]},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert elsewhere.status_code == 202
