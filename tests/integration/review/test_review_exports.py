"""The secretariat's CSV exports built in the background: asked for from the cycle page,
built by the worker's export loop while the page refreshes itself, downloaded when ready
(the same bytes as the synchronous download), only by the secretariat, deleted when expired."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.review.config import ReviewSettings
from services.review.store import outbox
from services.review.usecases import exports, reviewing
from services.review.usecases.work import ReviewWork, work_factory
from services.review.worker import export_loop
from tests.integration.review.support import (
    create_account,
    create_cycle,
    deliver,
    engine_of,
    make_app,
    submitted_event,
)
from tests.integration.review.test_review_pages import csrf, log_in


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    app.extensions["inagara"].engine.dispose()


def _scored_cycle(app: Flask) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """A cycle with one proposal scored by its one reviewer (by the review form)."""
    api = app.test_client()
    reviewer = create_account(api, agency_code="X")
    secretary = create_account(api, role="secretariat", name="Sekretariat")
    cycle = create_cycle(api, reviewers_per_proposal=1, award_count=1)
    deliver(app, submitted_event("DINKES", title='=HYPERLINK("x") Posyandu'))
    browser = app.test_client()
    log_in(browser, reviewer["email"])
    listing = browser.get("/ui/assignments").data
    (aid,) = re.findall(rb'/ui/assignments/([0-9a-f-]{36})"', listing)
    page = browser.get(f"/ui/assignments/{aid.decode()}").data
    used = reviewing.rubric_for(cycle["id"], "desk", ReviewWork(engine_of(app), outbox))
    form = {f"score-{c.key}": str(c.scale_max) for c in used.criteria}
    saved = browser.post(
        f"/ui/assignments/{aid.decode()}/review",
        data={**form, "comment": "bagus", "csrf_token": csrf(page)},
    )
    assert saved.status_code == 302
    return reviewer, secretary, cycle


def _ask(office: FlaskClient, cycle_id: str, kind: str) -> str:
    page = office.get(f"/ui/cycles/{cycle_id}")
    assert b'id="exports"' in page.data
    answer = office.post(
        f"/ui/cycles/{cycle_id}/exports", data={"kind": kind, "csrf_token": csrf(page.data)}
    )
    assert answer.status_code == 302, answer.data
    found = re.fullmatch(r"/ui/exports/([0-9a-f-]{36})", answer.headers["Location"])
    assert found, answer.headers["Location"]
    return found.group(1)


def _wait_ready(office: FlaskClient, export_id: str, timeout: float = 15.0) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = office.get(f"/ui/exports/{export_id}").data
        if b'data-status="ready"' in page:
            return page
        time.sleep(0.05)
    raise AssertionError("the export was not built in time")


def test_an_export_is_pending_then_built_by_the_worker_and_downloads_the_same_csv(
    app: Flask,
) -> None:
    reviewer, secretary, cycle = _scored_cycle(app)
    office = app.test_client()
    log_in(office, secretary["email"])
    ids = {kind: _ask(office, cycle["id"], kind) for kind in exports.KINDS}

    pending = office.get(f"/ui/exports/{ids['ranking']}")
    assert pending.status_code == 200
    assert b'<meta http-equiv="refresh"' in pending.data
    assert "Sedang disiapkan…" in pending.get_data(as_text=True)
    assert b'data-status="pending"' in pending.data and b'id="download"' not in pending.data
    assert office.get(f"/ui/exports/{ids['ranking']}/download").status_code == 404

    stop = threading.Event()
    loop = export_loop(ReviewSettings(export_check_interval_s=0.05))
    thread = threading.Thread(target=loop(engine_of(app)), args=(stop,))
    thread.start()
    try:
        for kind, export_id in ids.items():
            ready = _wait_ready(office, export_id)
            assert b'<meta http-equiv="refresh"' not in ready
            assert f"/ui/exports/{export_id}/download".encode() in ready
            download = office.get(f"/ui/exports/{export_id}/download")
            assert download.status_code == 200 and download.mimetype == "text/csv"
            assert f"{kind}-{cycle['id']}.csv" in download.headers["Content-Disposition"]
            synchronous = office.get(f"/ui/cycles/{cycle['id']}/{kind}.csv")
            assert download.data == synchronous.data
            assert download.data.count(b"\n") >= 2, "a header and a row"
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert b"'=HYPERLINK" in office.get(f"/ui/exports/{ids['ranking']}/download").data
    participation = office.get(f"/ui/exports/{ids['participation']}/download").data.decode()
    assert participation.startswith("agency_code,agency_name,proposals,titles")
    assert "DINKES" in participation

    # Only the secretariat sees an export.
    someone = app.test_client()
    log_in(someone, reviewer["email"])
    anonymous = app.test_client()
    for path in (f"/ui/exports/{ids['scores']}", f"/ui/exports/{ids['scores']}/download"):
        assert someone.get(path).status_code == 403, path
        assert anonymous.get(path).status_code == 302, path
    assert office.get("/ui/exports/00000000-0000-0000-0000-000000000000").status_code == 404


def test_an_unknown_kind_or_cycle_is_refused_and_expired_exports_are_deleted(app: Flask) -> None:
    _, secretary, cycle = _scored_cycle(app)
    office = app.test_client()
    log_in(office, secretary["email"])
    page = office.get(f"/ui/cycles/{cycle['id']}")
    refused = office.post(
        f"/ui/cycles/{cycle['id']}/exports",
        data={"kind": "passwords", "csrf_token": csrf(page.data)},
    )
    assert refused.status_code == 302 and refused.headers["Location"].endswith(cycle["id"])
    no_token = office.post(f"/ui/cycles/{cycle['id']}/exports", data={"kind": "ranking"})
    assert no_token.status_code == 400

    export_id = _ask(office, cycle["id"], "ranking")
    work = work_factory(engine_of(app))
    assert exports.build_pending(work) == 1
    assert exports.build_pending(work) == 0, "built once"
    _wait_ready(office, export_id, timeout=1)
    assert exports.purge_expired(24, work) == 0, "still fresh"
    later = datetime.now(UTC) + timedelta(hours=25)
    assert exports.purge_expired(24, work, now=later) == 1
    assert office.get(f"/ui/exports/{export_id}").status_code == 404
    assert office.get(f"/ui/exports/{export_id}/download").status_code == 404


def test_an_export_that_cannot_be_built_says_so_and_offers_no_download(app: Flask) -> None:
    _, secretary, _ = _scored_cycle(app)
    office = app.test_client()
    log_in(office, secretary["email"])
    work = work_factory(engine_of(app))
    with work() as uow:  # its cycle is gone by the time the worker gets to it
        uow.exports.add(
            {
                "id": "11111111-1111-1111-1111-111111111111",
                "cycle_id": "no-such-cycle",
                "kind": exports.SCORES,
                "requested_by": secretary["id"],
                "requested_at": datetime.now(UTC),
                "filename": "scores-no-such-cycle.csv",
            }
        )
    assert exports.build_pending(work) == 0
    page = office.get("/ui/exports/11111111-1111-1111-1111-111111111111")
    assert b'data-status="failed"' in page.data and b'<meta http-equiv="refresh"' not in page.data
    assert "Ekspor tidak dapat dibuat" in page.get_data(as_text=True)
    assert (
        office.get("/ui/exports/11111111-1111-1111-1111-111111111111/download").status_code == 404
    )
