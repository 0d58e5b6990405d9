"""The review pages' language and formats, through Flask's test client on a real database:
Indonesian by default, English on request (?lang=, then the session), the account's
preference, the browser's Accept-Language; dates in the programme's time zone, rupiah."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.review.support import (
    ADMIN,
    PASSWORD,
    auth,
    create_account,
    create_cycle,
    deliver,
    make_app,
    submitted_event,
)


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    app.extensions["inagara"].engine.dispose()


def text(client: FlaskClient, path: str, **headers: str) -> str:
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200, answer.data
    return answer.get_data(as_text=True)


def html_lang(page: str) -> str:
    found = re.search(r'<html lang="(\w+)">', page)
    assert found
    return found.group(1)


def log_in(client: FlaskClient, email: str, query: str = "") -> None:
    page = text(client, f"/ui/login{query}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    answer = client.post(
        f"/ui/login{query}",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert answer.status_code == 302, answer.data


def test_indonesian_by_default_with_a_switch(app: Flask) -> None:
    page = text(app.test_client(), "/ui/login")
    assert html_lang(page) == "id"
    assert "<h1>Masuk</h1>" in page and "Kata sandi" in page and "Password" not in page
    assert 'href="/ui/login?lang=en"' in page and 'href="/ui/login?lang=id"' in page
    assert re.search(r'hreflang="id"[^>]*aria-current="true">ID<', page)


def test_the_browser_language_when_nothing_else_says(app: Flask) -> None:
    client = app.test_client()
    english = text(client, "/ui/login", **{"Accept-Language": "en-US,en;q=0.9"})
    assert html_lang(english) == "en" and "<h1>Log in</h1>" in english
    preferred = text(client, "/ui/login", **{"Accept-Language": "id-ID,id;q=0.9,en;q=0.8"})
    assert html_lang(preferred) == "id"
    unknown = text(client, "/ui/login", **{"Accept-Language": "fr-FR"})
    assert html_lang(unknown) == "id", "a language we do not have: Indonesian"


def test_the_switch_is_remembered_by_the_session_and_across_the_login(app: Flask) -> None:
    reviewer = create_account(app.test_client())
    client = app.test_client()
    assert "<h1>Log in</h1>" in text(client, "/ui/login?lang=en")
    # Later requests, even from a browser that prefers Indonesian, stay in English.
    assert html_lang(text(client, "/ui/login", **{"Accept-Language": "id"})) == "en"
    log_in(client, reviewer["email"])
    listing = text(client, "/ui/assignments")
    assert html_lang(listing) == "en" and "My assignments" in listing
    back = text(client, "/ui/assignments?lang=id")
    assert "Tugas saya" in back and "My assignments" not in back
    assert "Tugas saya" in text(client, "/ui/assignments")


def test_the_account_preference_beats_the_browser(app: Flask) -> None:
    api = app.test_client()
    reviewer = create_account(api, language="en")
    client = app.test_client()
    log_in(client, reviewer["email"])
    page = text(client, "/ui/assignments", **{"Accept-Language": "id"})
    assert html_lang(page) == "en" and "Nothing assigned to you right now." in page
    changed = api.patch(f"/v1/users/{reviewer['id']}", json={"language": "id"}, headers=auth(ADMIN))
    assert changed.status_code == 200 and changed.json["language"] == "id"
    assert "Saat ini tidak ada usulan" in text(client, "/ui/assignments")
    refused = api.patch(f"/v1/users/{reviewer['id']}", json={"language": "fr"}, headers=auth(ADMIN))
    assert refused.status_code == 422 and refused.json["code"] == "validation.failed"


def test_dates_in_the_programme_time_zone_and_rupiah(app: Flask) -> None:
    api = app.test_client()
    reviewer = create_account(api, agency_code="X")
    # 30 June 2027 07:00 UTC is a Wednesday, 14.00 in Jakarta.
    deadline = datetime(2027, 6, 30, 7, 0, tzinfo=UTC)
    create_cycle(api, reviewers_per_proposal=1, review_deadline=deadline.isoformat())
    event = submitted_event("DINKES", budget_idr=150_000_000)
    deliver(app, event)
    client = app.test_client()
    log_in(client, reviewer["email"])
    listing = text(client, "/ui/assignments")
    assert "Rabu, 30 Juni 2027 pukul 14.00 WIB" in listing
    assert "2027-06-30" not in listing and "UTC" not in listing
    link = re.search(r'href="(/ui/assignments/[0-9a-f-]{36})"', listing)
    assert link
    page = text(client, link.group(1))
    assert "Rp150.000.000" in page and "Anggaran." in page
    english = text(client, f"{link.group(1)}?lang=en")
    assert "deadline Wednesday, 30 June 2027 at 14:00 WIB" in english and "Budget." in english


def test_another_time_zone_for_the_programme(database_url: str) -> None:
    app = make_app(database_url, time_zone="Asia/Makassar")
    try:
        api = app.test_client()
        reviewer = create_account(api, agency_code="X")
        deadline = datetime(2027, 6, 30, 7, 0, tzinfo=UTC)
        create_cycle(api, reviewers_per_proposal=1, review_deadline=deadline.isoformat())
        deliver(app, submitted_event("DINKES"))
        client = app.test_client()
        log_in(client, reviewer["email"])
        assert "Rabu, 30 Juni 2027 pukul 15.00 WITA" in text(client, "/ui/assignments")
    finally:
        app.extensions["inagara"].engine.dispose()


def test_a_refusal_on_a_page_speaks_the_page_language(app: Flask) -> None:
    api = app.test_client()
    secretary = create_account(api, role="secretariat")
    client = app.test_client()
    log_in(client, secretary["email"])
    page = text(client, "/ui/cycles")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    answer = client.post(
        "/ui/cycles/no-such-cycle/awards",
        data={"csrf_token": token.group(1)},
        follow_redirects=True,
    )
    assert answer.status_code == 404 and answer.json and answer.json["code"] == "resource.not_found"
    refused = client.post(
        "/ui/cycles",
        data={"csrf_token": token.group(1), "name": "x", "year": "nope"},
        follow_redirects=True,
    )
    assert "Periksa isian" in refused.get_data(as_text=True)
