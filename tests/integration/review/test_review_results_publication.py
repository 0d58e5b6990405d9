"""The secretariat publishes a cycle's results (``cycle.results_published``) once every
category's awards are decided, through the API and the cycle page; the event carries each
category's finalists in rank order and the awards, scores only when chosen, never a
reviewer; the results service shows exactly that."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.results import support as results
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
    submitted_event,
)
from tests.integration.review.test_review_categories import (
    CATEGORIES,
    _decide,
    _score_everything,
)
from tests.integration.review.test_review_pages import csrf, log_in


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    app.extensions["inagara"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _awarded_season(app: Flask, client: FlaskClient) -> tuple[dict[str, Any], dict[str, str]]:
    """Two categories: a and b shortlisted in pelayanan publik (a wins), d shortlisted in
    tata kelola (and wins), c scored and never shortlisted."""
    reviewers = [create_account(client, agency_code=f"R{i}", name=f"Penilai {i}") for i in range(4)]
    tokens = [login(client, r["email"]) for r in reviewers]
    cycle = create_cycle(client, categories=CATEGORIES)
    events = {
        "a": submitted_event(AGENCIES[0], form="public_service"),
        "b": submitted_event(AGENCIES[1], form="public_service"),
        "c": submitted_event(AGENCIES[2], form="governance"),
        "d": submitted_event(AGENCIES[3], form="governance"),
    }
    for event in events.values():
        deliver(app, event)
    ids = {k: e.subject for k, e in events.items()}
    _score_everything(
        client, cycle["id"], tokens, {ids["a"]: 4, ids["b"]: 2, ids["c"]: 1, ids["d"]: 3}
    )
    for k in "abd":
        assert _decide(client, ids[k]).status_code == 200
    decided = client.post(
        f"/v1/cycles/{cycle['id']}/awards",
        json={
            "category": "pelayanan_publik",
            "awards": [{"proposal_id": ids["a"], "award": "Juara 1"}],
        },
        headers=auth(ADMIN),
    )
    assert decided.status_code == 200, decided.json
    return cycle, ids


def test_results_are_published_only_once_every_award_is_decided(
    app: Flask, client: FlaskClient
) -> None:
    cycle, ids = _awarded_season(app, client)
    early = client.post(f"/v1/cycles/{cycle['id']}/results", json={}, headers=auth(ADMIN))
    assert early.status_code == 409 and early.json["code"] == "cycle.awards_undecided"
    assert outbox_events(app, "cycle.results_published") == []
    decided = client.post(
        f"/v1/cycles/{cycle['id']}/awards",
        json={"category": "tata_kelola", "awards": [{"proposal_id": ids["d"], "award": "Terbaik"}]},
        headers=auth(ADMIN),
    )
    assert decided.status_code == 200, decided.json

    reviewer = create_account(client, agency_code="R9")
    refused = client.post(
        f"/v1/cycles/{cycle['id']}/results", json={}, headers=auth(login(client, reviewer["email"]))
    )
    assert refused.status_code == 403
    assert client.post("/v1/cycles/nope/results", json={}, headers=auth(ADMIN)).status_code == 404
    published = client.post(f"/v1/cycles/{cycle['id']}/results", json={}, headers=auth(ADMIN))
    assert published.status_code == 200, published.json
    assert published.json["entries"] == 3 and published.json["scores_published"] is False

    [event] = outbox_events(app, "cycle.results_published")
    assert event.subject == cycle["id"]
    data = event.data
    assert [c["code"] for c in data["categories"]] == ["pelayanan_publik", "tata_kelola"]
    shown = [(e["proposal_id"], e["category"], e["rank"], e["award"]) for e in data["entries"]]
    assert shown == [
        (ids["a"], "pelayanan_publik", 1, "Juara 1"),
        (ids["b"], "pelayanan_publik", 2, None),
        (ids["d"], "tata_kelola", 1, "Terbaik"),
    ], "the finalists in rank order, c (never shortlisted) left out"
    assert all(e["score"] is None for e in data["entries"])
    text = str(data)
    assert "@" not in text and "Penilai" not in text, "no reviewer in the public record"

    # The results service shows exactly that.
    with_scores = client.post(
        f"/v1/cycles/{cycle['id']}/results", json={"scores": True}, headers=auth(ADMIN)
    )
    assert with_scores.status_code == 200
    second = outbox_events(app, "cycle.results_published")[1].data
    assert all(isinstance(e["score"], float) for e in second["entries"])


def test_the_results_service_shows_what_the_review_service_published(
    app: Flask, client: FlaskClient, database_factory: Any
) -> None:
    cycle, ids = _awarded_season(app, client)
    client.post(
        f"/v1/cycles/{cycle['id']}/awards",
        json={"category": "tata_kelola", "awards": [{"proposal_id": ids["d"], "award": "Terbaik"}]},
        headers=auth(ADMIN),
    )
    assert (
        client.post(f"/v1/cycles/{cycle['id']}/results", json={}, headers=auth(ADMIN)).status_code
        == 200
    )
    public = results.make_app(database_factory())
    try:
        for event in outbox_events(app, "cycle.results_published"):
            results.deliver(public, event)
        feed = public.test_client().get(f"/v1/cycles/{cycle['id']}").json
        side = {g["code"]: g for g in feed["by_category"]}
        assert [e["proposal_id"] for e in side["pelayanan_publik"]["shortlist"]] == [
            ids["a"],
            ids["b"],
        ]
        assert [e["award"] for e in side["pelayanan_publik"]["awards"]] == ["Juara 1"]
        assert [e["proposal_id"] for e in side["tata_kelola"]["awards"]] == [ids["d"]]
        assert ids["c"] not in str(feed)
    finally:
        public.extensions["inagara"].engine.dispose()


def test_the_cycle_page_publishes_with_a_checkbox_for_scores(
    app: Flask, client: FlaskClient
) -> None:
    cycle, ids = _awarded_season(app, client)
    client.post(
        f"/v1/cycles/{cycle['id']}/awards",
        json={"category": "tata_kelola", "awards": [{"proposal_id": ids["d"]}]},
        headers=auth(ADMIN),
    )
    secretariat = create_account(client, role="secretariat")
    browser = app.test_client()
    log_in(browser, secretariat["email"])
    page = browser.get(f"/ui/cycles/{cycle['id']}")
    text = page.get_data(as_text=True)
    assert 'id="publish-results"' in text and 'name="scores"' in text
    assert "Terbitkan nilai" in text, "the checkbox speaks Indonesian"
    answer = browser.post(
        f"/ui/cycles/{cycle['id']}/results",
        data={"csrf_token": csrf(page.data), "scores": "1"},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert "3 finalis" in answer.get_data(as_text=True)
    [event] = outbox_events(app, "cycle.results_published")
    assert event.data["scores_published"] is True
