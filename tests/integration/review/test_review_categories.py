"""A season with two award categories through the review API, the pages and the event
handlers, on a real database: placement, rankings side by side, a shortlist and awards
per category, and the category named in every decision event."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.review.support import (
    ADMIN,
    AGENCIES,
    auth,
    create_account,
    create_cycle,
    deliver,
    login,
    make_app,
    outbox_events,
    scores_for,
    submitted_event,
)
from tests.integration.review.test_review_pages import log_in

CATEGORIES = [
    {
        "code": "pelayanan_publik",
        "name": "Pelayanan Publik",
        "shortlist_size": 2,
        "award_count": 1,
        "match": {"form": ["public_service"]},
    },
    {"code": "tata_kelola", "name": "Tata Kelola", "shortlist_size": 1, "award_count": 1},
]


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    app.extensions["inagara"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _score_everything(client: FlaskClient, cycle_id: str, tokens: list[str], level: dict) -> None:
    rubric = client.get(f"/v1/cycles/{cycle_id}/rubrics/desk", headers=auth(ADMIN)).json
    for token in tokens:
        for held in client.get("/v1/assignments", headers=auth(token)).json["items"]:
            answer = client.put(
                f"/v1/assignments/{held['id']}/review",
                json={"scores": scores_for(rubric, level[held["proposal_id"]]), "comment": "ok"},
                headers=auth(token),
            )
            assert answer.status_code == 200, answer.json


def _decide(client: FlaskClient, pid: str) -> Any:
    return client.post(
        f"/v1/proposals/{pid}/decisions", json={"decision": "shortlist"}, headers=auth(ADMIN)
    )


def test_a_season_with_two_categories_ranks_shortlists_and_awards_each_on_its_own(
    app: Flask, client: FlaskClient
) -> None:
    reviewers = [create_account(client, agency_code=f"R{i}") for i in range(4)]
    tokens = [login(client, r["email"]) for r in reviewers]
    cycle = create_cycle(client, categories=CATEGORIES, category_by="agency")
    assert [c["code"] for c in cycle["categories"]] == ["pelayanan_publik", "tata_kelola"]
    scheduled = outbox_events(app, "cycle.scheduled")[0].data
    assert scheduled["categories"] == [
        {"code": "pelayanan_publik", "name": "Pelayanan Publik"},
        {"code": "tata_kelola", "name": "Tata Kelola"},
    ]
    assert scheduled["category_by"] == "agency"

    events = {
        "a": submitted_event(AGENCIES[0], form="public_service"),
        "b": submitted_event(AGENCIES[1], form="public_service"),
        "c": submitted_event(AGENCIES[2], form="governance"),
        # The agency chose the governance category for a public-service innovation.
        "d": submitted_event(AGENCIES[3], form="public_service", award_category="tata_kelola"),
    }
    for event in events.values():
        deliver(app, event)
    ids = {k: e.subject for k, e in events.items()}
    placed = {
        k: client.get(f"/v1/proposals/{pid}", headers=auth(ADMIN)).json["award_category"]
        for k, pid in ids.items()
    }
    assert placed == {
        "a": "pelayanan_publik",
        "b": "pelayanan_publik",
        "c": "tata_kelola",
        "d": "tata_kelola",
    }

    level = {ids["a"]: 4, ids["b"]: 2, ids["c"]: 1, ids["d"]: 3}
    _score_everything(client, cycle["id"], tokens, level)

    ranking = client.get(f"/v1/cycles/{cycle['id']}/ranking", headers=auth(ADMIN)).json
    assert [r["proposal_id"] for r in ranking["items"]] == [ids[k] for k in "adbc"]
    side = {c["code"]: c for c in ranking["by_category"]}
    assert [r["proposal_id"] for r in side["pelayanan_publik"]["items"]] == [ids["a"], ids["b"]]
    assert [r["proposal_id"] for r in side["tata_kelola"]["items"]] == [ids["d"], ids["c"]]
    assert [r["rank"] for r in side["tata_kelola"]["items"]] == [1, 2]
    exported = client.get(f"/v1/cycles/{cycle['id']}/ranking?format=csv", headers=auth(ADMIN))
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [(r["award_category"], r["rank"], r["proposal_id"]) for r in rows] == [
        ("pelayanan_publik", "1", ids["a"]),
        ("pelayanan_publik", "2", ids["b"]),
        ("tata_kelola", "1", ids["d"]),
        ("tata_kelola", "2", ids["c"]),
    ]
    assert rows[0]["award_category_name"] == "Pelayanan Publik"
    only = client.get(
        f"/v1/cycles/{cycle['id']}/ranking?category=tata_kelola", headers=auth(ADMIN)
    ).json
    assert [r["proposal_id"] for r in only["items"]] == [ids["d"], ids["c"]]

    for k in "abd":
        assert _decide(client, ids[k]).status_code == 200
    full = _decide(client, ids["c"])
    assert full.status_code == 409 and "Tata Kelola" in full.json["detail"]
    shortlisted = {e.subject: e.data for e in outbox_events(app, "proposal.shortlisted")}
    assert shortlisted[ids["d"]]["award_category_name"] == "Tata Kelola"
    assert shortlisted[ids["d"]]["rank"] == 1, "the rank within its category"
    moved = client.patch(
        f"/v1/cycles/{cycle['id']}", json={"categories": CATEGORIES[:1]}, headers=auth(ADMIN)
    )
    assert moved.status_code == 409, "categories are fixed once a shortlist exists"

    too_many = client.post(
        f"/v1/cycles/{cycle['id']}/awards",
        json={
            "category": "pelayanan_publik",
            "awards": [{"proposal_id": ids["a"]}, {"proposal_id": ids["b"]}],
        },
        headers=auth(ADMIN),
    )
    assert too_many.status_code == 422
    public = client.post(
        f"/v1/cycles/{cycle['id']}/awards",
        json={
            "category": "pelayanan_publik",
            "awards": [{"proposal_id": ids["a"], "award": "Terbaik"}],
        },
        headers=auth(ADMIN),
    )
    assert public.status_code == 200, public.json
    assert public.json == {"awarded": [ids["a"]], "not_awarded": [ids["b"]]}
    assert client.get(f"/v1/cycles/{cycle['id']}", headers=auth(ADMIN)).json["status"] == "open"
    again = client.post(
        f"/v1/cycles/{cycle['id']}/awards",
        json={"category": "pelayanan_publik", "awards": [{"proposal_id": ids["b"]}]},
        headers=auth(ADMIN),
    )
    assert again.status_code == 409

    governance = client.post(
        f"/v1/cycles/{cycle['id']}/awards",
        json={"category": "tata_kelola", "awards": [{"proposal_id": ids["d"]}]},
        headers=auth(ADMIN),
    )
    assert governance.status_code == 200, governance.json
    assert sorted(governance.json["not_awarded"]) == [ids["c"]]
    assert client.get(f"/v1/cycles/{cycle['id']}", headers=auth(ADMIN)).json["status"] == "awarded"

    awarded = {e.subject: e.data for e in outbox_events(app, "proposal.awarded")}
    assert {pid: d["award_category"] for pid, d in awarded.items()} == {
        ids["a"]: "pelayanan_publik",
        ids["d"]: "tata_kelola",
    }
    assert awarded[ids["a"]]["award"] == "Terbaik" and awarded[ids["a"]]["rank"] == 1
    lost = {e.subject: e.data for e in outbox_events(app, "proposal.not_awarded")}
    assert lost[ids["c"]]["award_category_name"] == "Tata Kelola"


def test_the_cycle_page_shows_each_categorys_ranking_side_by_side_in_indonesian(
    app: Flask, client: FlaskClient
) -> None:
    secretariat = create_account(client, role="secretariat")
    cycle = create_cycle(client, categories=CATEGORIES)
    for form in ("public_service", "governance"):
        deliver(app, submitted_event(AGENCIES[0], form=form))
    browser = app.test_client()
    log_in(browser, secretariat["email"])

    page = browser.get(f"/ui/cycles/{cycle['id']}").get_data(as_text=True)

    assert "Peringkat per kategori penghargaan" in page
    assert "2 kategori penghargaan" in page and "daftar pendek 3 ·" not in page
    assert 'id="ranking-pelayanan_publik"' in page and 'id="ranking-tata_kelola"' in page
    assert "Pelayanan Publik" in page and "Tata Kelola" in page
    csv = browser.get(f"/ui/cycles/{cycle['id']}/ranking.csv").get_data(as_text=True)
    assert csv.splitlines()[0].endswith(",award_category")


def test_the_cycle_form_takes_categories_one_a_line(app: Flask, client: FlaskClient) -> None:
    secretariat = create_account(client, role="secretariat")
    browser = app.test_client()
    log_in(browser, secretariat["email"])
    from tests.integration.review.test_review_pages import csrf

    token = csrf(browser.get("/ui/cycles").data)
    form = {
        "csrf_token": token,
        "name": "Anugerah Inovasi 2027",
        "year": "2027",
        "submission_opens_at": "2027-01-01T08:00",
        "submission_closes_at": "2027-03-01T17:00",
        "review_deadline": "2027-04-01T17:00",
        "categories": "digital | Inovasi Digital | 3 | 1 | kind=digital\n"
        "lainnya | Lainnya | 2 | 1\n",
        "category_by": "profile",
    }
    made = browser.post("/ui/cycles", data=form)
    assert made.status_code == 302, made.get_data(as_text=True)
    cycles = client.get("/v1/cycles", headers=auth(ADMIN)).json["items"]
    created = next(c for c in cycles if c["name"] == "Anugerah Inovasi 2027")
    assert [(c["code"], c["match"]) for c in created["categories"]] == [
        ("digital", {"kind": ["digital"]}),
        ("lainnya", {}),
    ]

    bad = browser.post("/ui/cycles", data={**form, "categories": "x | y | 3", "name": "Salah"})
    assert bad.status_code == 200
    assert not any(
        c["name"] == "Salah" for c in client.get("/v1/cycles", headers=auth(ADMIN)).json["items"]
    )


def test_categories_by_proposer_place_by_the_agencys_type_and_again_when_they_change(
    app: Flask, client: FlaskClient
) -> None:
    by_proposer = [
        {
            "code": "kewilayahan",
            "name": "Kecamatan dan Kelurahan",
            "shortlist_size": 2,
            "award_count": 1,
            "match": {"agency_type": ["kecamatan", "kelurahan"]},
        },
        {
            "code": "bumd",
            "name": "BUMD",
            "shortlist_size": 1,
            "award_count": 1,
            "match": {"agency_type": ["bumd"]},
        },
        {
            "code": "perangkat_daerah",
            "name": "Perangkat Daerah",
            "shortlist_size": 2,
            "award_count": 1,
        },
    ]
    cycle = create_cycle(client, categories=by_proposer)
    events = {
        kind: submitted_event(code, agency_type=kind)
        for code, kind in (("KEC-A", "kecamatan"), ("PDAM", "bumd"), ("DINKES", "dinas"))
    }
    for event in events.values():
        deliver(app, event)

    def placed() -> dict[str, str]:
        return {
            kind: client.get(f"/v1/proposals/{e.subject}", headers=auth(ADMIN)).json[
                "award_category"
            ]
            for kind, e in events.items()
        }

    assert placed() == {"kecamatan": "kewilayahan", "bumd": "bumd", "dinas": "perangkat_daerah"}
    changed = client.patch(
        f"/v1/cycles/{cycle['id']}",
        json={"categories": [by_proposer[0], {**by_proposer[2], "code": "lainnya"}]},
        headers=auth(ADMIN),
    )
    assert changed.status_code == 200, changed.json
    assert placed() == {"kecamatan": "kewilayahan", "bumd": "lainnya", "dinas": "lainnya"}
    wrong = client.patch(
        f"/v1/cycles/{cycle['id']}",
        json={"categories": [{**by_proposer[1], "match": {"budget_idr": ["0"]}}]},
        headers=auth(ADMIN),
    )
    assert wrong.status_code == 422


def test_each_category_may_have_its_own_panel(app: Flask, client: FlaskClient) -> None:
    reviewers = [create_account(client, agency_code=f"R{i}") for i in range(5)]
    tokens = [login(client, r["email"]) for r in reviewers]
    cycle = create_cycle(client, categories=CATEGORIES)
    events = {
        "public": submitted_event(AGENCIES[0], form="public_service"),
        "governance": submitted_event(AGENCIES[1], form="governance"),
    }
    for event in events.values():
        deliver(app, event)
    ids = {k: e.subject for k, e in events.items()}
    _score_everything(client, cycle["id"], tokens, dict.fromkeys(ids.values(), 3))
    for pid in ids.values():
        assert _decide(client, pid).status_code == 200

    own = client.post(
        f"/v1/cycles/{cycle['id']}/panel",
        json={"reviewer_ids": [reviewers[3]["id"]], "category": "tata_kelola"},
        headers=auth(ADMIN),
    )
    assert own.status_code == 200 and own.json == {"finalists_assigned": 1}
    rest = client.post(
        f"/v1/cycles/{cycle['id']}/panel",
        json={"reviewer_ids": [reviewers[4]["id"]]},
        headers=auth(ADMIN),
    )
    assert rest.status_code == 200 and rest.json == {"finalists_assigned": 1}

    panel = {
        e.subject: e.data["reviewer"]["id"]
        for e in outbox_events(app, "review.assigned")
        if e.data["round"] == "panel"
    }
    assert panel == {ids["governance"]: reviewers[3]["id"], ids["public"]: reviewers[4]["id"]}
    listed = client.get(f"/v1/cycles/{cycle['id']}", headers=auth(ADMIN)).json["categories"]
    assert [c.get("panel") for c in listed] == [None, [reviewers[3]["id"]]]
    unknown = client.post(
        f"/v1/cycles/{cycle['id']}/panel",
        json={"reviewer_ids": [reviewers[4]["id"]], "category": "bumd"},
        headers=auth(ADMIN),
    )
    assert unknown.status_code == 422
