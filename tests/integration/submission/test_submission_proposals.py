"""A proposal's life through the API: drafts, versions, two tiers, submit, withdraw, search."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from sqlalchemy import event as sql_event
from sqlalchemy import select

from services.submission import store
from shared.events.envelope import Event, from_record
from tests.integration.submission.conftest import Portal, profile


def outbox_events(app: Flask) -> list[Event]:
    """The proposals' events in the outbox (the agencies' announcements left out)."""
    with app.extensions["inagara"].engine.connect() as conn:
        rows = conn.execute(select(store.outbox).order_by(store.outbox.c.id)).all()
    return [
        from_record(r.key, r.value, [(n, v.encode()) for n, v in r.headers])
        for r in rows
        if not r.event_type.startswith("agency.")
    ]


def test_a_drafter_drafts_and_edits_and_the_administrator_submits(
    portal: Portal, drafter_key: str, admin_key: str, agency: dict[str, Any]
) -> None:
    draft = portal.draft(drafter_key, title="Posyandu Digital v1")
    assert (draft["status"], draft["version"], draft["submitted_at"]) == ("draft", 1, None)
    assert draft["allowed_actions"] == ["edit", "submit", "change_evidence"]
    assert outbox_events(portal.app) == []

    path = f"/v1/proposals/{draft['id']}"
    edited = portal.as_agency(drafter_key, "PUT", path, json=profile(title="Posyandu Digital v2"))
    assert edited.status_code == 200 and edited.get_json()["version"] == 2

    refused = portal.as_agency(drafter_key, "POST", f"{path}/submit", json={})
    assert refused.status_code == 403
    submitted = portal.as_agency(admin_key, "POST", f"{path}/submit", json={})
    assert submitted.status_code == 200, submitted.get_json()
    body = submitted.get_json()
    assert (body["status"], body["version"], body["submitted_version"]) == ("submitted", 2, 2)

    (event,) = outbox_events(portal.app)
    assert event.type == "proposal.submitted" and event.subject == draft["id"]
    assert event.data["version"] == 2
    assert event.data["profile"]["title"] == "Posyandu Digital v2"
    assert event.data["agency"]["contact_email"] == "inovasi@dinkes.example.go.id"
    assert event.data["agency"]["contact_phone"] == "+6281234567890"
    assert event.data["cycle_id"] is None and event.data["evidence"] == []

    first = portal.as_agency(admin_key, "GET", f"{path}/versions/1").get_json()
    assert first["profile"]["title"] == "Posyandu Digital v1" and first["submitted_at"] is None
    assert portal.as_agency(admin_key, "GET", f"{path}/versions/2").get_json()["submitted_at"]
    assert portal.as_agency(admin_key, "GET", f"{path}/versions/3").status_code == 404
    versions = portal.as_agency(admin_key, "GET", f"{path}/versions").get_json()["items"]
    assert [v["version"] for v in versions] == [1, 2]
    steps = [e["type"] for e in portal.timeline(admin_key, draft["id"])]
    assert steps == ["proposal.drafted", "proposal.edited", "proposal.submitted"]


def test_an_impossible_action_is_a_409_listing_what_is_possible(
    portal: Portal, admin_key: str
) -> None:
    proposal = portal.submitted(admin_key)
    path = f"/v1/proposals/{proposal['id']}"
    edit = portal.as_agency(admin_key, "PUT", path, json=profile(title="Changed"))
    assert edit.status_code == 409
    problem = edit.get_json()
    assert edit.mimetype == "application/problem+json"
    assert problem["current_status"] == "submitted" and problem["allowed_actions"] == [
        "withdraw",
        "add_addendum",
    ], "an addendum while the window is open"
    assert portal.as_agency(admin_key, "POST", f"{path}/submit", json={}).status_code == 409

    withdrawn = portal.as_agency(admin_key, "POST", f"{path}/withdraw", json={"reason": "Merged"})
    assert withdrawn.get_json()["status"] == "withdrawn"
    again = portal.as_agency(admin_key, "POST", f"{path}/withdraw", json={})
    assert again.status_code == 409 and again.get_json()["allowed_actions"] == ["reopen"]
    events = outbox_events(portal.app)
    assert [e.type for e in events] == ["proposal.submitted", "proposal.withdrawn"]
    assert events[1].data["reason"] == "Merged" and events[1].data["version"] == 1


def test_an_agency_may_let_its_drafters_submit(
    portal: Portal, agency: dict[str, Any], admin_key: str, drafter_key: str
) -> None:
    direct = portal.as_agency(drafter_key, "POST", "/v1/proposals", json=profile())
    assert direct.status_code == 403 and "draft=true" in direct.get_json()["detail"]
    portal.as_agency(
        admin_key, "PATCH", f"/v1/agencies/{agency['id']}", json={"allow_drafter_submit": True}
    )
    assert portal.submitted(drafter_key)["status"] == "submitted"


def test_another_agencys_proposal_is_as_absent_as_an_unknown_one(
    portal: Portal, admin_key: str
) -> None:
    mine = portal.draft(admin_key)
    other = portal.key(portal.agency("DISDIK")["id"])
    for method, suffix in [
        ("GET", ""),
        ("PUT", ""),
        ("POST", "/submit"),
        ("POST", "/withdraw"),
        ("GET", "/versions/1"),
        ("GET", "/timeline"),
        ("GET", "/evidence"),
    ]:
        kwargs = {"json": profile() if method == "PUT" else {}}
        response = portal.as_agency(other, method, f"/v1/proposals/{mine['id']}{suffix}", **kwargs)
        assert response.status_code == 404, (method, suffix, response.get_json())
    listed = portal.as_agency(other, "GET", "/v1/proposals").get_json()
    assert listed == {"items": [], "next_cursor": None}


def test_search_filters_and_pages_in_a_stable_order(portal: Portal, admin_key: str) -> None:
    made = [
        portal.draft(
            admin_key, title=f"Inovasi Air Bersih {n}", category="water" if n % 2 else "health"
        )
        for n in range(5)
    ]
    portal.submitted(
        admin_key, title="Sekolah Ramah Anak", category="education", maturity="implemented"
    )
    seen: list[str] = []
    cursor = None
    while True:
        query = "/v1/proposals?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = portal.as_agency(admin_key, "GET", query).get_json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 6
    assert seen[-5:] == [p["id"] for p in reversed(made)]

    def ids(query: str) -> set[str]:
        response = portal.as_agency(admin_key, "GET", f"/v1/proposals?{query}")
        assert response.status_code == 200, response.get_json()
        return {p["id"] for p in response.get_json()["items"]}

    assert ids("category=water") == {made[1]["id"], made[3]["id"]}
    assert ids("q=air%20BERSIH&status=draft&category=health") == {
        made[0]["id"],
        made[2]["id"],
        made[4]["id"],
    }
    assert len(ids("status=submitted&maturity=implemented")) == 1
    assert ids("q=100%25") == set()
    bad = portal.as_agency(admin_key, "GET", "/v1/proposals?cursor=not-a-cursor")
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]
    assert portal.as_agency(admin_key, "GET", "/v1/proposals?status=lost").status_code == 422


def test_creating_a_proposal_is_idempotent(portal: Portal, admin_key: str) -> None:
    headers = {"Idempotency-Key": "draft-1"}
    first = portal.as_agency(
        admin_key, "POST", "/v1/proposals?draft=true", json=profile(), headers=headers
    )
    again = portal.as_agency(
        admin_key, "POST", "/v1/proposals?draft=true", json=profile(), headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    submit_instead = portal.as_agency(
        admin_key, "POST", "/v1/proposals", json=profile(), headers=headers
    )
    assert submit_instead.status_code == 422
    assert len(portal.as_agency(admin_key, "GET", "/v1/proposals").get_json()["items"]) == 1


def test_an_idempotent_create_stores_its_answer_with_the_proposal_and_a_refusal_keeps_nothing(
    portal: Portal, admin_key: str, drafter_key: str
) -> None:
    headers = {"Idempotency-Key": "submit-1"}
    refused = portal.as_agency(
        drafter_key, "POST", "/v1/proposals", json=profile(), headers=headers
    )
    assert refused.status_code == 403
    # The refusal released the key: the same key with another request is a fresh one.
    drafted = portal.as_agency(
        drafter_key, "POST", "/v1/proposals?draft=true", json=profile(), headers=headers
    )
    assert drafted.status_code == 201 and "Idempotent-Replayed" not in drafted.headers
    replayed = portal.as_agency(
        drafter_key, "POST", "/v1/proposals?draft=true", json=profile(), headers=headers
    )
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.get_json() == drafted.get_json()
    assert replayed.headers["Location"] == drafted.headers["Location"]
    submitted = portal.as_agency(
        admin_key, "POST", "/v1/proposals", json=profile(), headers={"Idempotency-Key": "s-2"}
    )
    again = portal.as_agency(
        admin_key, "POST", "/v1/proposals", json=profile(), headers={"Idempotency-Key": "s-2"}
    )
    assert submitted.status_code == again.status_code == 201
    assert (
        again.get_json()
        == submitted.get_json()
        == portal.proposal(admin_key, submitted.get_json()["id"])
    )


def test_the_response_body_is_plain_json_text(portal: Portal, admin_key: str) -> None:
    proposal = portal.draft(admin_key, title="<script>alert(1)</script>")
    raw = portal.as_agency(admin_key, "GET", f"/v1/proposals/{proposal['id']}")
    assert raw.mimetype == "application/json"
    assert json.loads(raw.get_data(as_text=True))["profile"]["title"] == "<script>alert(1)</script>"


def test_the_nul_character_is_refused_everywhere_and_stores_nothing(
    portal: Portal, admin_key: str
) -> None:
    # PostgreSQL cannot store it: without the guard these were 500s there.
    attempts = [
        ("POST", "/v1/proposals?draft=true", {"json": profile(title="a\x00b")}, 422),
        ("GET", "/v1/proposals?q=a%00b", {}, 422),
        ("GET", "/v1/proposals/a%00b", {}, 404),
        (
            "POST",
            "/v1/proposals?draft=true",
            {"json": profile(), "headers": {"Idempotency-Key": "a\x00"}},
            422,
        ),
    ]
    for method, path, kwargs, status in attempts:
        response = portal.as_agency(admin_key, method, path, **kwargs)
        assert response.status_code == status, (path, response.get_json())
        assert response.mimetype == "application/problem+json"
    named = portal.admin(
        "POST", "/v1/agencies", json={"code": "X1", "name": "n\x00", "type": "dinas"}
    )
    assert named.status_code == 422
    assert portal.as_agency(admin_key, "GET", "/v1/proposals").get_json()["items"] == []


def test_creating_a_proposal_runs_no_more_statements_than_it_needs(
    app: Flask, portal: Portal, admin_key: str
) -> None:
    # The benchmarked path: one statement per row it writes, the cycles it checks,
    # and the Idempotency-Key's claim (committed on its own) and answer (with the work).
    portal.draft(admin_key)  # the key is remembered from now on
    ran: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        words = statement.split()
        ran.append(" ".join(words[:3] if words[0] == "INSERT" else words[:1]))

    engine = app.extensions["inagara"].engine
    sql_event.listen(engine, "before_cursor_execute", record)
    try:
        response = portal.as_agency(
            admin_key, "POST", "/v1/proposals", json=profile(), headers={"Idempotency-Key": "k1"}
        )
    finally:
        sql_event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 201, response.get_json()
    assert sorted(ran) == sorted(
        [
            "INSERT INTO idempotency_keys",
            "SELECT",  # the known cycles
            "INSERT INTO proposals",
            "INSERT INTO proposal_versions",
            "INSERT INTO timeline",
            "UPDATE",  # the key's answer, in the work's transaction
            "INSERT INTO outbox",
        ]
    )
