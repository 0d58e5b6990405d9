"""The web pages through Flask's test client on a real database: login, CSRF, escaping,
cookies, a reviewer scoring by form, the secretariat deciding, CSV export."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.review.store import outbox
from services.review.usecases import reviewing
from services.review.usecases.work import ReviewWork
from shared.platform.text import BIDI_CONTROLS
from tests.integration.review.support import (
    ADMIN,
    PASSWORD,
    auth,
    create_account,
    create_cycle,
    deliver,
    engine_of,
    make_app,
    submitted_event,
)


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    app.extensions["inagara"].engine.dispose()


def csrf(page: bytes) -> str:
    found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    assert found, "the form carries a CSRF token"
    return found.group(1).decode()


def log_in(client: FlaskClient, email: str) -> None:
    token = csrf(client.get("/ui/login").data)
    answer = client.post(
        "/ui/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, answer.data


def test_forms_without_the_csrf_token_are_refused_and_login_sets_a_strict_cookie(
    app: Flask,
) -> None:
    api = app.test_client()
    reviewer = create_account(api)
    browser = app.test_client()
    assert browser.get("/ui/assignments").status_code == 302
    page = browser.get("/ui/login")
    assert page.status_code == 200
    no_token = browser.post("/ui/login", data={"email": reviewer["email"], "password": PASSWORD})
    assert no_token.status_code == 400
    wrong = browser.post(
        "/ui/login",
        data={"email": reviewer["email"], "password": "x", "csrf_token": csrf(page.data)},
    )
    assert wrong.status_code == 401
    answer = browser.post(
        "/ui/login?next=//evil.example/",
        data={"email": reviewer["email"], "password": PASSWORD, "csrf_token": csrf(page.data)},
    )
    assert answer.headers["Location"] == "/ui/", "no open redirect"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert browser.get("/ui/cycles").status_code == 403, "a reviewer is not the secretariat"


def test_the_cookie_is_secure_behind_a_trusted_tls_proxy(database_url: str) -> None:
    app = make_app(database_url, trust_proxy=True)
    try:
        answer = app.test_client().get("/ui/login", headers={"X-Forwarded-Proto": "https"})
        assert "Secure" in answer.headers["Set-Cookie"]
        plain = (
            make_app(database_url)
            .test_client()
            .get("/ui/login", headers={"X-Forwarded-Proto": "https"})
        )
        assert "Secure" not in plain.headers["Set-Cookie"], (
            "the header is ignored unless configured"
        )
    finally:
        app.extensions["inagara"].engine.dispose()


def test_a_reviewer_scores_by_form_and_the_secretariat_decides_and_exports(app: Flask) -> None:
    api = app.test_client()
    reviewer = create_account(api, agency_code="X")
    secretary = create_account(api, role="secretariat", name="Sekretariat")
    cycle = create_cycle(api, reviewers_per_proposal=1, award_count=1)
    event = submitted_event(
        "DINKES", title="<script>alert(1)</script> Posyandu", results='=HYPERLINK("x")'
    )
    deliver(app, event)

    browser = app.test_client()
    log_in(browser, reviewer["email"])
    listing = browser.get("/ui/assignments").data
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in listing and b"<script>alert" not in listing
    used = reviewing.rubric_for(cycle["id"], "desk", ReviewWork(engine_of(app), outbox))
    (aid,) = re.findall(rb'/ui/assignments/([0-9a-f-]{36})"', listing)
    page = browser.get(f"/ui/assignments/{aid.decode()}").data
    assert b"https://example.org/demo/posyandu-digital" in page
    form = {f"score-{c.key}": str(c.scale_max) for c in used.criteria}
    saved = browser.post(
        f"/ui/assignments/{aid.decode()}/review",
        data={**form, "comment": "<i>ok</i>", "csrf_token": csrf(page)},
        follow_redirects=True,
    )
    assert b"Nilai Anda tersimpan" in saved.data and b'id="total">100.0<' in saved.data
    other = submitted_event("DISDIK")
    deliver(app, other)
    assert api.get(f"/v1/proposals/{event.subject}", headers=auth(ADMIN)).json["status"] == "scored"

    office = app.test_client()
    log_in(office, secretary["email"])
    cycle_page = office.get(f"/ui/cycles/{cycle['id']}")
    assert cycle_page.status_code == 200 and b"ranking" in cycle_page.data
    shortlisted = office.post(
        f"/ui/proposals/{event.subject}/decision",
        data={"decision": "shortlist", "back": "cycle", "csrf_token": csrf(cycle_page.data)},
        follow_redirects=True,
    )
    assert b"Selesai: masuk daftar pendek." in shortlisted.data
    awarded = office.post(
        f"/ui/cycles/{cycle['id']}/awards",
        data={
            "winner": event.subject,
            f"award-{event.subject}": "Juara 1",
            "csrf_token": csrf(shortlisted.data),
        },
        follow_redirects=True,
    )
    assert b"1 menerima penghargaan, 0 tidak menerima" in awarded.data
    assert (
        api.get(f"/v1/proposals/{event.subject}", headers=auth(ADMIN)).json["status"] == "awarded"
    )

    ranking_csv = office.get(f"/ui/cycles/{cycle['id']}/ranking.csv")
    assert ranking_csv.mimetype == "text/csv"
    lines = ranking_csv.data.decode().splitlines()
    assert lines[0].startswith("rank,proposal_id") and event.subject in lines[1]
    scores_csv = office.get(f"/ui/cycles/{cycle['id']}/scores.csv").data.decode()
    assert "benefit=3" in scores_csv and "100.0" in scores_csv
    participation = office.get(f"/ui/cycles/{cycle['id']}/participation").data
    assert b"DISDIK" in participation and b"termasuk yang belum mengajukan usulan" in participation
    proposal_page = office.get(f"/ui/proposals/{event.subject}").data
    assert b'data-status="awarded">menerima penghargaan<' in proposal_page
    assert b"Log audit" in proposal_page
    audit = proposal_page.split(b'id="audit"')[1]
    assert b"Sekretariat (sekretariat)" in audit and secretary["id"].encode() not in audit
    assert b"memasukkan usulan ke daftar pendek" in audit
    # Scores show the criterion names and the level each score stands for.
    assert (
        b"per kriteria" in proposal_page
        and b"Regulasi inovasi: <strong>3</strong>/3" in proposal_page
    )
    assert b"Peraturan kepala daerah atau peraturan daerah" in proposal_page


def test_pages_answer_only_their_people(app: Flask) -> None:
    api = app.test_client()
    mine = create_account(api, agency_code="X")
    other = create_account(api, agency_code="DINKES")
    secretary = create_account(api, role="secretariat")
    cycle = create_cycle(api, reviewers_per_proposal=1)
    event = submitted_event("DINKES")
    deliver(app, event)
    (held,) = api.get(f"/v1/proposals/{event.subject}/assignments", headers=auth(ADMIN)).json[
        "items"
    ]
    secretariat_pages = [
        "/ui/cycles",
        f"/ui/cycles/{cycle['id']}",
        f"/ui/proposals/{event.subject}",
        f"/ui/cycles/{cycle['id']}/participation",
        f"/ui/cycles/{cycle['id']}/ranking.csv",
        f"/ui/cycles/{cycle['id']}/scores.csv",
        f"/ui/cycles/{cycle['id']}/participation.csv",
    ]
    reviewer_pages = ["/ui/assignments", f"/ui/assignments/{held['id']}"]
    anonymous = app.test_client()
    for path in secretariat_pages + reviewer_pages:
        assert anonymous.get(path).status_code == 302, path
    assigned, not_assigned, office = app.test_client(), app.test_client(), app.test_client()
    log_in(assigned, mine["email"])
    log_in(not_assigned, other["email"])
    log_in(office, secretary["email"])
    for path in secretariat_pages:
        assert assigned.get(path).status_code == 403, path
        assert office.get(path).status_code == 200, path
    assert assigned.get(f"/ui/assignments/{held['id']}").status_code == 200
    assert not_assigned.get(f"/ui/assignments/{held['id']}").status_code == 404
    page = not_assigned.get("/ui/assignments")
    assert page.status_code == 200 and event.subject[:6].encode() not in page.data
    stolen = not_assigned.post(
        f"/ui/assignments/{held['id']}/review", data={"csrf_token": csrf(page.data)}
    )
    assert stolen.status_code == 404


def test_bidi_controls_in_a_title_are_not_shown(app: Flask) -> None:
    """``Laporan\\u202egnp.exe`` would read as ``Laporanexe.png``: the pages drop the
    right-to-left override and its kin from what they show."""
    api = app.test_client()
    reviewer = create_account(api, agency_code="X")
    secretary = create_account(api, role="secretariat", name="Sekretariat")
    create_cycle(api, reviewers_per_proposal=1)
    event = submitted_event("DINKES", title="Laporan\u202egnp.exe \u2066x\u2069")
    deliver(app, event)
    browser = app.test_client()
    log_in(browser, reviewer["email"])
    listing = browser.get("/ui/assignments").get_data(as_text=True)
    assert "Laporangnp.exe x" in listing
    office = app.test_client()
    log_in(office, secretary["email"])
    page = office.get(f"/ui/proposals/{event.subject}").get_data(as_text=True)
    assert "Laporangnp.exe" in page
    for shown in (listing, page):
        assert not BIDI_CONTROLS.search(shown)
