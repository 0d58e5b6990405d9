"""A whole award cycle through the review API and the event handlers, on a real database:
five proposals from five agencies, three reviewers each, scoring, shortlist, awards."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.review.support import (
    ADMIN,
    AGENCIES,
    CATEGORIES,
    auth,
    create_account,
    create_cycle,
    deliver,
    login,
    make_app,
    outbox_events,
    submitted_event,
)


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    app.extensions["inagara"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def desk_scores(rubric: dict, strong: int) -> dict[str, int]:
    """The first ``strong`` criteria at the top of the scale, the rest at level 1."""
    return {c["key"]: c["scale_max"] if i < strong else 1 for i, c in enumerate(rubric["criteria"])}


def test_five_proposals_three_reviewers_each_scored_shortlisted_and_awarded(
    app: Flask, client: FlaskClient
) -> None:
    reviewers = [
        create_account(client, name=f"Reviewer {code}", agency_code=code, expertise=[cat])
        for code, cat in zip(AGENCIES, CATEGORIES, strict=True)
    ]
    tokens = {r["id"]: login(client, r["email"]) for r in reviewers}
    cycle = create_cycle(client)
    assert [e.subject for e in outbox_events(app, "cycle.scheduled")] == [cycle["id"]]

    events = [
        submitted_event(code, category=cat) for code, cat in zip(AGENCIES, CATEGORIES, strict=True)
    ]
    for event in events:
        deliver(app, event)
        deliver(app, event)  # redelivered: the inbox makes it a no-op
    ids = [e.subject for e in events]

    screened = outbox_events(app, "proposal.screened")
    assert sorted(e.subject for e in screened) == sorted(ids)
    assert all(e.data["passed"] and e.data["cycle_id"] == cycle["id"] for e in screened)
    assigned = outbox_events(app, "review.assigned")
    assert Counter(e.subject for e in assigned) == dict.fromkeys(ids, 3)
    agency_of = {r["id"]: r["agency_code"] for r in reviewers}
    code_of = dict(zip(ids, AGENCIES, strict=True))
    for e in assigned:
        assert agency_of[e.data["reviewer"]["id"]] != code_of[e.subject], "conflict of interest"
        assert e.data["reviewer"]["email"] and e.data["round"] == "desk"
    loads = Counter(e.data["reviewer"]["id"] for e in assigned)
    # Greedy, one proposal at a time, with each proposal's own agency left out: within two.
    assert max(loads.values()) - min(loads.values()) <= 2, f"load not balanced: {loads}"
    for pid in ids:
        got = client.get(f"/v1/proposals/{pid}", headers=auth(ADMIN))
        assert got.json["status"] == "assigned"

    rubric = client.get(f"/v1/cycles/{cycle['id']}/rubrics/desk", headers=auth(ADMIN)).json
    assert rubric["frozen_at"] is None
    strength = dict(zip(ids, (1, 3, 5, 7, 9), strict=True))
    first_reviewer_of: dict[str, str] = {}
    for reviewer in reviewers:
        mine = client.get("/v1/assignments", headers=auth(tokens[reviewer["id"]])).json["items"]
        assert len(mine) == loads[reviewer["id"]]
        for held in mine:
            pid = held["proposal_id"]
            strong = strength[pid]
            # One enthusiast on the weakest proposal: the reviewers disagree there.
            if pid == ids[0] and pid in first_reviewer_of:
                strong = 9
            first_reviewer_of.setdefault(pid, reviewer["id"])
            answer = client.put(
                f"/v1/assignments/{held['id']}/review",
                json={"scores": desk_scores(rubric, strong), "comment": "<b>solid</b> evidence"},
                headers=auth(tokens[reviewer["id"]]),
            )
            assert answer.status_code == 200, answer.json
            assert answer.json["status"] == "submitted"

    scored = {e.subject: e for e in outbox_events(app, "proposal.scored")}
    assert sorted(scored) == sorted(ids)
    assert len(outbox_events(app, "review.submitted")) == 15
    assert scored[ids[0]].data["disagreement"] is True
    assert scored[ids[4]].data["disagreement"] is False
    frozen = client.get(f"/v1/cycles/{cycle['id']}/rubrics/desk", headers=auth(ADMIN)).json
    assert frozen["frozen_at"] is not None

    ranking = client.get(f"/v1/cycles/{cycle['id']}/ranking", headers=auth(ADMIN)).json
    order = [row["proposal_id"] for row in ranking["items"]]
    means = [row["mean_score"] for row in ranking["items"]]
    assert means == sorted(means, reverse=True) and len(order) == 5
    assert order[0] == ids[4]
    assert ranking["tie_break"].startswith("Higher mean first")
    assert [row["rank"] for row in ranking["items"]] == [1, 2, 3, 4, 5]

    for pid in order[:3]:
        shortlisted = client.post(
            f"/v1/proposals/{pid}/decisions", json={"decision": "shortlist"}, headers=auth(ADMIN)
        )
        assert shortlisted.status_code == 200, shortlisted.json
    rejected = client.post(
        f"/v1/proposals/{order[3]}/decisions",
        json={"decision": "reject", "note": "Not enough evidence of benefit."},
        headers=auth(ADMIN),
    )
    assert rejected.json["status"] == "rejected"

    awards = client.post(
        f"/v1/cycles/{cycle['id']}/awards",
        json={
            "awards": [
                {"proposal_id": order[0], "award": "Juara 1"},
                {"proposal_id": order[1], "award": "Juara 2"},
            ]
        },
        headers=auth(ADMIN),
    )
    assert awards.status_code == 200, awards.json
    assert sorted(awards.json["awarded"]) == sorted(order[:2])
    assert sorted(awards.json["not_awarded"]) == sorted([order[2], order[4]])

    awarded = {e.subject: e.data for e in outbox_events(app, "proposal.awarded")}
    assert awarded[order[0]]["award"] == "Juara 1" and awarded[order[0]]["rank"] == 1
    assert sorted(e.subject for e in outbox_events(app, "proposal.not_awarded")) == sorted(
        [order[2], order[4]]
    )
    assert [e.subject for e in outbox_events(app, "proposal.rejected")] == [order[3]]
    assert sorted(e.subject for e in outbox_events(app, "proposal.shortlisted")) == sorted(
        order[:3]
    )
    again = client.post(
        f"/v1/cycles/{cycle['id']}/awards",
        json={"awards": [{"proposal_id": order[0]}]},
        headers=auth(ADMIN),
    )
    assert again.status_code == 409

    trail = client.get(f"/v1/proposals/{order[0]}/audit", headers=auth(ADMIN)).json["items"]
    moves = [
        f"{e['before']['status']}→{e['after']['status']}"
        for e in trail
        if (e["before"] or {}).get("status")
        and (e["after"] or {}).get("status")
        and "assignment_id" not in e["after"]  # an assignment's own status, not the proposal's
    ]
    assert moves == [
        "received→screened",
        "screened→assigned",
        "assigned→scored",
        "scored→shortlisted",
        "shortlisted→awarded",
    ]
    assert all(e["actor"] and e["at"] for e in trail)
    # Every event of a proposal is keyed by it, in order, on one partition.
    for pid in ids:
        assert all(e.correlation_id == pid for e in outbox_events(app) if e.subject == pid)
