"""The agency register as the review service keeps it (agency.registered / agency.updated
through the real consumer handler and inbox), the agency code check, and conflicts of
interest that follow the organisation through the real assignment path, on a real database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.events.catalog import AGENCY_UPDATED
from tests.integration.review.support import (
    ADMIN,
    PASSWORD,
    agency_event,
    auth,
    create_account,
    create_cycle,
    deliver,
    login,
    make_app,
    register_agency,
    submitted_event,
)
from tests.integration.review.test_review_pages import csrf, log_in

KEC, KEL, DINAS = "KEC-MAJU", "KEL-MAJU-1", "DINKES"


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    app.extensions["inagara"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _user(client: FlaskClient, code: str) -> dict[str, object]:
    body = {
        "name": "Penilai",
        "email": f"r-{uuid.uuid4().hex[:8]}@example.go.id",
        "password": PASSWORD,
        "agency_code": code,
    }
    return {
        "status": (r := client.post("/v1/users", json=body, headers=auth(ADMIN))).status_code,
        **r.json,
    }


def _reviewers_of(client: FlaskClient, pid: str) -> set[str]:
    items = client.get(f"/v1/proposals/{pid}/assignments", headers=auth(ADMIN)).json["items"]
    return {a["reviewer_id"] for a in items if a["status"] != "released"}


def test_the_register_is_kept_from_events_and_only_the_latest_counts(
    app: Flask, client: FlaskClient
) -> None:
    then = datetime.now(UTC)
    event = agency_event(KEC, kind="kecamatan", changed_at=then)
    deliver(app, event)
    deliver(app, event)  # redelivered: the inbox keeps it once
    renamed = agency_event(
        KEC,
        kind="kecamatan",
        name="Kecamatan Maju Jaya",
        type=AGENCY_UPDATED,
        changed_at=then + timedelta(minutes=1),
    )
    deliver(app, renamed)
    # An older announcement arriving late (a re-announcement overtaken) changes nothing.
    deliver(app, agency_event(KEC, kind="kecamatan", name="Stale", changed_at=then))
    register_agency(app, KEL, kind="kelurahan", parent_code=KEC)
    listed = {a["code"]: a for a in client.get("/v1/agencies", headers=auth(ADMIN)).json["items"]}
    assert listed[KEC]["name"] == "Kecamatan Maju Jaya" and listed[KEC]["kind"] == "kecamatan"
    assert listed[KEL]["parent_code"] == KEC


def test_an_unknown_agency_code_is_a_422_naming_close_matches(
    client: FlaskClient, app: Flask
) -> None:
    register_agency(app, DINAS)
    typo = _user(client, "DINKES-TYPO")
    assert typo["status"] == 422
    (message,) = typo["errors"]["agency_code"]  # type: ignore[index]
    assert "DINKES" in message and "DINKES-TYPO" in message
    far = _user(client, "ZZZZZZ")
    assert far["status"] == 422 and "No registered agency" in far["errors"]["agency_code"][0]  # type: ignore[index]
    spelled = _user(client, " dinkes ")
    assert spelled["status"] == 201 and spelled["agency_code"] == DINAS, "kept as registered"
    assert _user(client, "")["status"] == 201, "no home agency (the secretariat's people)"
    changed = client.patch(
        f"/v1/users/{spelled['id']}", json={"agency_code": "DINKS"}, headers=auth(ADMIN)
    )
    assert changed.status_code == 422 and "DINKES" in changed.json["errors"]["agency_code"][0]


def test_a_kecamatan_reviewer_never_gets_its_kelurahan_and_manual_assignment_is_a_409(
    app: Flask, client: FlaskClient
) -> None:
    register_agency(app, KEC, kind="kecamatan")
    register_agency(app, KEL, kind="kelurahan", parent_code=KEC)
    kec = create_account(client, agency_code=KEC)
    kel = create_account(client, agency_code=KEL)
    other = create_account(client, agency_code="DISDIK")
    create_cycle(client, reviewers_per_proposal=3)
    of_kel, of_kec = submitted_event(KEL), submitted_event(KEC)
    deliver(app, of_kel)
    deliver(app, of_kec)
    assert _reviewers_of(client, of_kel.subject) == {other["id"]}
    assert _reviewers_of(client, of_kec.subject) == {other["id"]}
    refused = client.post(
        f"/v1/proposals/{of_kel.subject}/assignments",
        json={"reviewer_id": kec["id"]},
        headers=auth(ADMIN),
    )
    assert refused.status_code == 409 and refused.json["code"] == "assignment.conflict_of_interest"
    assert "child agency" in refused.json["detail"]
    refused = client.post(
        f"/v1/proposals/{of_kec.subject}/assignments",
        json={"reviewer_id": kel["id"]},
        headers=auth(ADMIN),
    )
    assert refused.status_code == 409 and "parent agency" in refused.json["detail"]


def test_a_declaration_releases_what_it_touches_and_assignment_then_avoids_it(
    app: Flask, client: FlaskClient
) -> None:
    register_agency(app, "DISDIK")
    a = create_account(client, agency_code="BAPPEDA")
    b = create_account(client, agency_code="BAPPEDA")
    create_cycle(client, reviewers_per_proposal=1)
    first = submitted_event("DISDIK")
    deliver(app, first)
    (holder_id,) = _reviewers_of(client, first.subject)
    holder, spare = (a, b) if holder_id == a["id"] else (b, a)
    token = auth(login(client, holder["email"]))
    typo = client.post("/v1/conflicts", json={"kind": "agency", "target": "DISDK"}, headers=token)
    assert typo.status_code == 422 and "DISDIK" in typo.json["errors"]["target"][0]
    declared = client.post(
        "/v1/conflicts",
        json={"kind": "agency", "target": "disdik", "reason": "my old office"},
        headers=token,
    )
    assert declared.status_code == 201 and declared.json["target"] == "DISDIK"
    assert len(declared.json["released"]) == 1
    assert _reviewers_of(client, first.subject) == {spare["id"]}
    again = submitted_event("DISDIK")
    deliver(app, again)
    assert _reviewers_of(client, again.subject) == {spare["id"]}
    listed = client.get("/v1/conflicts", headers=token).json["items"]
    assert [(c["kind"], c["target"]) for c in listed] == [("agency", "DISDIK")]
    assert client.delete(f"/v1/conflicts/{listed[0]['id']}", headers=token).status_code == 204
    assert client.get("/v1/conflicts", headers=token).json["items"] == []


def test_participation_lists_every_registered_agency_with_zero_proposals_too(
    app: Flask, client: FlaskClient
) -> None:
    register_agency(app, KEC, kind="kecamatan")
    register_agency(app, KEL, kind="kelurahan", parent_code=KEC, name="Kelurahan Maju Satu")
    cycle = create_cycle(client)
    deliver(app, submitted_event(KEL, cycle_id=cycle["id"]))
    report = client.get(f"/v1/cycles/{cycle['id']}/participation", headers=auth(ADMIN)).json
    rows = {a["code"]: a for a in report["agencies"]}
    assert rows[KEC]["proposals"] == 0 and KEC in report["without_proposal"]
    assert rows[KEL]["proposals"] == 1 and rows[KEL]["name"] == "Kelurahan Maju Satu"
    assert rows[KEL]["parent_code"] == KEC and rows[KEL]["kind"] == "kelurahan"


CODES = [f"AG{i}" for i in range(6)]


@st.composite
def organisations(draw: st.DrawFn) -> dict[str, object]:
    parents = {
        c: draw(st.sampled_from(CODES[:i]))
        for i, c in enumerate(CODES)
        if i and draw(st.booleans())
    }
    homes = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=5))
    declared = draw(
        st.lists(st.tuples(st.integers(0, len(homes) - 1), st.sampled_from(CODES)), max_size=3)
    )
    proposers = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=4))
    return {"parents": parents, "homes": homes, "declared": declared, "proposers": proposers}


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(organisations())
def test_no_conflicted_assignment_through_the_real_assignment_path(
    database_url: str, world: dict[str, object]
) -> None:
    app = make_app(database_url)
    client = app.test_client()
    try:
        run = uuid.uuid4().hex[:4].upper()
        code = {c: f"{c}-{run}" for c in CODES}  # this example's own agencies
        parents: dict[str, str] = world["parents"]  # type: ignore[assignment]
        for c in CODES:
            register_agency(app, code[c], parent_code=code[parents[c]] if c in parents else None)
        reviewers = [create_account(client, agency_code=code[h]) for h in world["homes"]]  # type: ignore[attr-defined]
        declared: dict[str, set[str]] = {r["id"]: set() for r in reviewers}
        for index, c in world["declared"]:  # type: ignore[attr-defined]
            r = reviewers[index]
            token = auth(login(client, r["email"]))
            body = {"kind": "agency", "target": code[c]}
            assert client.post("/v1/conflicts", json=body, headers=token).status_code == 201
            declared[r["id"]].add(code[c])
        create_cycle(client, reviewers_per_proposal=3)
        # Earlier examples' reviewers share the database: their agencies are other runs'.
        users = client.get("/v1/users", headers=auth(ADMIN)).json["items"]
        home = {u["id"]: u["agency_code"] for u in users}
        for c in world["proposers"]:  # type: ignore[attr-defined]
            event = submitted_event(code[c])
            deliver(app, event)
            kin = {code[c]} | ({code[parents[c]]} if c in parents else set())
            kin |= {code[k] for k, p in parents.items() if p == c}
            for reviewer_id in _reviewers_of(client, event.subject):
                assert home[reviewer_id] not in kin, "the organisation's conflict"
                assert code[c] not in declared.get(reviewer_id, set()), "a declared conflict"
    finally:
        app.extensions["inagara"].engine.dispose()


def test_a_reviewer_declares_a_conflict_up_front_on_their_page(app: Flask) -> None:
    register_agency(app, "PDAM", kind="bumd", name="Perumda Air Minum")
    reviewer = create_account(app.test_client(), agency_code="BAPPEDA")
    browser = app.test_client()
    log_in(browser, reviewer["email"])
    page = browser.get("/ui/conflicts")
    assert page.status_code == 200
    text = page.data.decode()
    assert "Konflik kepentingan saya" in text and "Anda belum menyatakan konflik" in text
    assert "Perumda Air Minum (PDAM)" in text, "agencies are offered by name"
    sent = browser.post(
        "/ui/conflicts",
        data={
            "target": "PDAM",
            "reason": "saudara saya direkturnya",
            "csrf_token": csrf(page.data),
        },
    )
    assert sent.status_code == 302
    listed = browser.get("/ui/conflicts").data.decode()
    assert "saudara saya direkturnya" in listed and "Konflik dinyatakan" in listed
    token = auth(login(app.test_client(), reviewer["email"]))
    items = app.test_client().get("/v1/conflicts", headers=token).json["items"]
    assert [(c["kind"], c["target"]) for c in items] == [("agency", "PDAM")]
