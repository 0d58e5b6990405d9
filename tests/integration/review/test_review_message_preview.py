"""The secretariat's message preview: the review page asks the real notification app
(served on a local port, its own database) what a decision would send, and shows it
per recipient and channel, in Indonesian by default, before anything is decided."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from deploy.local.ports import free_port
from tests.integration.review.support import (
    ADMIN,
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


@pytest.fixture
def notification(database_factory: Callable[[], str]) -> Iterator[NotificationServer]:
    server = NotificationServer(database_factory())
    server.thread.start()
    yield server
    server.server.shutdown()
    server.app.extensions["inagara"].engine.dispose()


@pytest.fixture
def app(database_factory: Callable[[], str], notification: NotificationServer) -> Iterator[Flask]:
    app = make_app(database_factory(), notification_url=notification.url)
    yield app
    app.extensions["inagara"].engine.dispose()


def csrf(page: bytes) -> str:
    found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    assert found, "the form carries a CSRF token"
    return found.group(1).decode()


def secretariat_browser(app: Flask) -> FlaskClient:
    secretary = create_account(app.test_client(), role="secretariat", name="Sekretariat")
    browser = app.test_client()
    token = csrf(browser.get("/ui/login").data)
    answer = browser.post(
        "/ui/login", data={"email": secretary["email"], "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, answer.data
    return browser


def test_the_secretariat_sees_the_messages_of_a_decision_before_taking_it(
    app: Flask, notification: NotificationServer
) -> None:
    api = app.test_client()
    reviewer = create_account(api, agency_code="X")
    cycle = create_cycle(api, reviewers_per_proposal=1, award_count=1)
    event = submitted_event("DINKES", title="Posyandu Digital Pratinjau")
    deliver(app, event)
    notification.record(event)
    pid = event.subject
    token = login(api, reviewer["email"])
    (held,) = api.get("/v1/assignments", headers=auth(token)).json["items"]
    rubric = api.get(f"/v1/cycles/{cycle['id']}/rubrics/desk", headers=auth(ADMIN)).json
    scored = api.put(
        f"/v1/assignments/{held['id']}/review",
        json={"scores": scores_for(rubric, 3)},
        headers=auth(token),
    )
    assert scored.status_code == 200, scored.json
    browser = secretariat_browser(app)
    page = browser.get(f"/ui/proposals/{pid}").data
    assert b"Pratinjau: tolak" in page, page

    shown = browser.post(
        f"/ui/proposals/{pid}/preview",
        data={"decision": "reject", "note": "Bukti lapangan belum cukup", "csrf_token": csrf(page)},
        follow_redirects=True,
    )

    assert shown.status_code == 200
    text = shown.data.decode()
    assert "Pratinjau pesan" in text and "Belum ada yang dikirim" in text
    rows = re.findall(r'<tr data-channel="([a-z]+)" data-recipient="([^"]+)">', text)
    assert set(rows) == {
        ("email", "siti.rahmawati@example.org"),
        ("whatsapp", "+6281234567890"),
    }, rows
    assert "Bukti lapangan belum cukup" in text, "the note is in the email as it will go out"
    assert "dilanjutkan" in text, "the notification service's own Indonesian template"
    assert "inovator" in text
    assert 'name="decision" value="reject"' in text, "the decision can be taken from here"
    status = app.test_client().get(
        f"/v1/proposals/{pid}", headers={"Authorization": f"Bearer {ADMIN}"}
    )
    assert status.json["status"] != "rejected", "a preview decides nothing"

    english = browser.get(f"/ui/proposals/{pid}/preview?decision=reject&lang=en").data.decode()
    assert "Message preview" in english and "Nothing has been sent" in english


def test_a_notification_service_that_does_not_answer_is_shown_not_fatal(
    database_factory: Callable[[], str],
) -> None:
    app = make_app(database_factory(), notification_url=f"http://127.0.0.1:{free_port()}")
    try:
        event = submitted_event("DINKES")
        deliver(app, event)
        browser = secretariat_browser(app)
        answer = browser.get(f"/ui/proposals/{event.subject}/preview?decision=shortlist")
        assert answer.status_code == 200
        assert b'id="preview-error"' in answer.data
        assert b'name="decision" value="shortlist"' in answer.data
        assert browser.get(f"/ui/proposals/{event.subject}/preview?decision=x").status_code == 400
    finally:
        app.extensions["inagara"].engine.dispose()
