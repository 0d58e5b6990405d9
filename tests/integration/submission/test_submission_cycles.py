"""Submission windows (announced by the review service, or configured) and the
secretariat's participation report."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask

from services.submission.app import create_app
from services.submission.config import SubmissionSettings
from tests.integration.submission import review_events as ev
from tests.integration.submission.conftest import Portal, profile


def test_without_any_known_cycle_a_submission_is_accepted_without_one(
    portal: Portal, admin_key: str
) -> None:
    assert portal.submitted(admin_key)["cycle_id"] is None


def test_the_one_open_cycle_is_chosen_and_a_closed_one_refuses_with_its_dates(
    portal: Portal, admin_key: str
) -> None:
    now = ev.now()
    portal.review(
        ev.cycle_scheduled("2025", now - timedelta(days=400), now - timedelta(days=300)),
        ev.cycle_scheduled("2026", now - timedelta(days=1), now + timedelta(days=30)),
    )
    assert portal.submitted(admin_key)["cycle_id"] == "2026"
    cycles = portal.as_agency(admin_key, "GET", "/v1/cycles").get_json()["items"]
    assert {c["id"]: c["open_now"] for c in cycles} == {"2025": False, "2026": True}

    late = portal.as_agency(admin_key, "POST", "/v1/proposals", json=profile(cycle_id="2025"))
    assert late.status_code == 409
    assert (
        "Cycle 2025" in late.get_json()["detail"]
        and "Drafts can be saved" in late.get_json()["detail"]
    )
    draft = portal.draft(admin_key, cycle_id="2025")
    assert draft["cycle_id"] == "2025"
    refused = portal.as_agency(admin_key, "POST", f"/v1/proposals/{draft['id']}/submit", json={})
    assert refused.status_code == 409
    moved = portal.as_agency(
        admin_key, "POST", f"/v1/proposals/{draft['id']}/submit", json={"cycle_id": "2026"}
    )
    assert moved.status_code == 200 and moved.get_json()["cycle_id"] == "2026"

    in_2026 = portal.as_agency(admin_key, "GET", "/v1/proposals?cycle_id=2026").get_json()["items"]
    assert len(in_2026) == 2 and {p["cycle_id"] for p in in_2026} == {"2026"}
    in_2025 = portal.as_agency(admin_key, "GET", "/v1/proposals?cycle_id=2025").get_json()["items"]
    assert in_2025 == []

    unknown = portal.as_agency(admin_key, "POST", "/v1/proposals", json=profile(cycle_id="1999"))
    assert unknown.status_code == 422 and "cycle_id" in unknown.get_json()["errors"]


def test_a_later_schedule_moves_the_window_and_an_older_one_is_ignored(
    portal: Portal, admin_key: str
) -> None:
    now = ev.now()
    opened = ev.cycle_scheduled("2026", now - timedelta(days=1), now + timedelta(days=1), now)
    closed = ev.cycle_scheduled(
        "2026", now - timedelta(days=9), now - timedelta(days=2), now + timedelta(seconds=1)
    )
    stale = ev.cycle_scheduled(
        "2026", now - timedelta(days=1), now + timedelta(days=9), now - timedelta(days=1)
    )
    portal.review(opened, closed, stale)
    response = portal.as_agency(admin_key, "POST", "/v1/proposals", json=profile())
    assert (
        response.status_code == 409
        and "No cycle accepts submissions now" in response.get_json()["detail"]
    )


def test_several_open_cycles_need_a_choice(portal: Portal, admin_key: str) -> None:
    now = ev.now()
    portal.review(
        ev.cycle_scheduled("A", now - timedelta(days=1), now + timedelta(days=1)),
        ev.cycle_scheduled("B", now - timedelta(days=1), now + timedelta(days=1)),
    )
    response = portal.as_agency(admin_key, "POST", "/v1/proposals", json=profile())
    assert (
        response.status_code == 422 and "choose one" in response.get_json()["errors"]["cycle_id"][0]
    )
    assert portal.submitted(admin_key, cycle_id="B")["cycle_id"] == "B"


@pytest.fixture
def closed_configured_app(settings: SubmissionSettings) -> Iterator[Flask]:
    app = create_app(
        settings.with_(
            submission_cycle_id="2026",
            submission_opens_at="2026-01-05T00:00:00+07:00",
            submission_closes_at="2026-03-01T00:00:00+07:00",
        )
    )
    yield app
    app.extensions["inagara"].engine.dispose()


def test_a_configured_window_is_enforced(closed_configured_app: Flask) -> None:
    portal = Portal(closed_configured_app, closed_configured_app.test_client())
    key = portal.key(portal.agency("DINKES")["id"])
    response = portal.as_agency(key, "POST", "/v1/proposals", json=profile())
    assert response.status_code == 409
    assert "2026-01-05T00:00:00+07:00" in response.get_json()["detail"]
    assert portal.draft(key)["status"] == "draft"


def test_participation_lists_every_agency_and_who_has_not_submitted(portal: Portal) -> None:
    now = ev.now()
    portal.review(ev.cycle_scheduled("2026", now - timedelta(days=1), now + timedelta(days=1)))
    kecamatan = portal.agency("KEC-A", type="kecamatan")
    keys = {
        code: portal.key(portal.agency(code, parent_id=kecamatan["id"], type="kelurahan")["id"])
        for code in ("KEL-1", "KEL-2", "KEL-3")
    }
    portal.submitted(keys["KEL-1"])
    portal.submitted(keys["KEL-1"])
    portal.draft(keys["KEL-2"])
    withdrawn = portal.submitted(keys["KEL-3"])
    portal.as_agency(keys["KEL-3"], "POST", f"/v1/proposals/{withdrawn['id']}/withdraw", json={})

    report = portal.admin("GET", "/v1/cycles/2026/participation").get_json()
    assert {a["code"]: a["submitted"] for a in report["agencies"]} == {
        "KEC-A": 0,
        "KEL-1": 2,
        "KEL-2": 0,
        "KEL-3": 0,
    }
    assert [a["code"] for a in report["without_submission"]] == ["KEC-A", "KEL-2", "KEL-3"]
    assert report["agencies"][1]["parent_code"] == "KEC-A"

    for response in (
        portal.admin("GET", "/v1/cycles/2026/participation?format=csv"),
        portal.admin("GET", "/v1/cycles/2026/participation", headers={"Accept": "text/csv"}),
    ):
        assert response.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert [(r["code"], r["submitted"]) for r in rows][1] == ("KEL-1", "2")
    assert (
        portal.as_agency(keys["KEL-1"], "GET", "/v1/cycles/2026/participation").status_code == 403
    )


def test_a_cycle_stored_by_another_process_is_never_refused_as_unknown(
    portal: Portal, admin_key: str, app: Flask
) -> None:
    """The web process remembers cycles for 2 s, but refuses only on a fresh read."""
    from sqlalchemy import insert

    from services.submission.store.tables import cycles

    assert portal.submitted(admin_key)["cycle_id"] is None  # the process now remembers "none"
    now = ev.now()
    # As the worker would store it: another connection, nothing this process is told.
    with app.extensions["submission"].engine.begin() as conn:
        conn.execute(
            insert(cycles).values(
                id="2027",
                name="2027",
                year=2027,
                opens_at=now - timedelta(days=1),
                closes_at=now + timedelta(days=30),
                scheduled_at=now,
            )
        )
    created = portal.as_agency(admin_key, "POST", "/v1/proposals", json=profile(cycle_id="2027"))
    assert created.status_code == 201 and created.get_json()["cycle_id"] == "2027"
