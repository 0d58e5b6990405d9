"""The create lane answers an accepted proposal as the app would, and hands every other
request to the app untouched (services/submission/api/create_lane.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from prometheus_client import REGISTRY
from sqlalchemy import select

from services.submission import store
from services.submission.api.create_lane import CreateLane
from tests.integration.submission.conftest import ADMIN, Portal, auth, profile

VARYING = {"id", "created_at", "updated_at", "submitted_at", "deadline"}
SAMPLE = ("submission", "POST", "/v1/proposals", "201")


def lane_of(app: Flask) -> CreateLane:
    lane = app.wsgi_app
    assert isinstance(lane, CreateLane)
    return lane


@contextmanager
def without_lane(app: Flask) -> Iterator[None]:
    """The app as it was before the lane: the same requests, answered by Flask alone."""
    lane = lane_of(app)
    app.wsgi_app = lane._inner  # type: ignore[method-assign]
    try:
        yield
    finally:
        app.wsgi_app = lane  # type: ignore[method-assign]


def masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "…" if k in VARYING else masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


def counted() -> float:
    labels = dict(zip(("service", "method", "route", "status"), SAMPLE, strict=True))
    return REGISTRY.get_sample_value("inagara_http_requests_total", labels) or 0.0


def events(app: Flask) -> list[dict[str, Any]]:
    engine = app.extensions["inagara"].engine
    with engine.connect() as conn:
        rows = conn.execute(select(store.outbox).order_by(store.outbox.c.id)).mappings()
        return [
            {"type": r["event_type"], "headers": r["headers"], "value": json.loads(r["value"])}
            for r in rows
        ]


def test_an_accepted_proposal_is_answered_by_the_lane_as_by_the_app(
    app: Flask, portal: Portal, admin_key: str
) -> None:
    lane, before = lane_of(app), counted()
    headers = auth(admin_key, **{"X-Correlation-Id": "portal-req-1"})

    fast = portal.client.post("/v1/proposals", json=profile(), headers=headers)
    after_fast = events(app)
    with without_lane(app):
        slow = portal.client.post("/v1/proposals", json=profile(), headers=headers)
    after_slow = events(app)

    assert lane.taken == 1
    assert fast.status_code == slow.status_code == 201
    assert masked(fast.get_json()) == masked(slow.get_json())
    assert fast.data.endswith(b"\n") and slow.data.endswith(b"\n")
    assert list(fast.get_json()) == list(slow.get_json())  # the same order of keys

    def same(headers: Any) -> dict[str, str]:
        return {k: v for k, v in headers.items() if k not in {"Content-Length", "Location"}}

    assert same(fast.headers) == same(slow.headers)
    assert fast.headers["Location"] == f"/v1/proposals/{fast.get_json()['id']}"
    assert slow.headers["Location"] == f"/v1/proposals/{slow.get_json()['id']}"
    # Counted under the same route, once each.
    assert counted() == before + 2
    # The same event, with the same correlation, written with the proposal.
    fast_event, slow_event = after_fast[-1], after_slow[-1]
    assert len(after_slow) == len(after_fast) + 1
    assert fast_event["type"] == slow_event["type"] == "proposal.submitted"

    def shape(event: dict[str, Any], proposal_id: str) -> Any:
        """The event with its own ids and times masked."""
        text = json.dumps(event).replace(proposal_id, "<proposal>")
        found = json.loads(text)
        found["headers"] = [
            [k, "…" if k in {"ce_id", "ce_time"} else v] for k, v in found["headers"]
        ]
        found["value"] = masked({**found["value"], "id": "…", "time": "…"})
        return found

    assert shape(fast_event, fast.get_json()["id"]) == shape(slow_event, slow.get_json()["id"])
    # Read back like any other proposal, with its timeline.
    for answer in (fast, slow):
        proposal_id = answer.get_json()["id"]
        assert portal.proposal(admin_key, proposal_id)["status"] == "submitted"
        assert [e["type"] for e in portal.timeline(admin_key, proposal_id)] == [
            e["type"] for e in portal.timeline(admin_key, slow.get_json()["id"])
        ]


DEEP: Any = "x"
for _ in range(40):
    DEEP = [DEEP]


@pytest.mark.parametrize(
    ("case", "request_args"),
    [
        ("invalid body", {"json": profile(title="")}),
        ("unknown field", {"json": profile(colour="red")}),
        ("not an object", {"json": [profile()]}),
        ("not JSON", {"data": b"{title", "content_type": "application/json"}),
        ("deep JSON", {"json": {**profile(), "results": DEEP}}),
        ("NUL character", {"json": profile(title="Posyandu\x00")}),
        ("a form", {"data": {"title": "x"}}),
        ("a draft", {"json": profile(), "query_string": {"draft": "true"}}),
        ("unknown key", {"json": profile(), "headers": auth("inag_nope")}),
        ("no key", {"json": profile(), "headers": {}}),
        ("admin token", {"json": profile(), "headers": auth(ADMIN)}),
        ("a drafter", {"json": profile(), "drafter": True}),
        ("unknown cycle", {"json": profile(cycle_id="no-such-cycle")}),
    ],
)
def test_every_other_request_is_the_apps_and_answered_as_without_the_lane(
    app: Flask,
    portal: Portal,
    admin_key: str,
    drafter_key: str,
    case: str,
    request_args: dict[str, Any],
) -> None:
    lane = lane_of(app)
    args = dict(request_args)
    key = drafter_key if args.pop("drafter", False) else admin_key
    args["headers"] = args.get("headers", auth(key))

    with_lane = portal.client.post("/v1/proposals", **args)
    with without_lane(app):
        plain = portal.client.post("/v1/proposals", **args)

    assert lane.taken == 0, case
    assert with_lane.status_code == plain.status_code, case
    assert with_lane.status_code != 201 or case == "a draft", case
    assert masked(with_lane.get_json()) == masked(plain.get_json()), case


def test_an_idempotency_key_is_the_apps_and_replays_what_it_answered(
    app: Flask, portal: Portal, admin_key: str
) -> None:
    headers = auth(admin_key, **{"Idempotency-Key": "portal-retry-1"})
    first = portal.client.post("/v1/proposals", json=profile(), headers=headers)
    again = portal.client.post("/v1/proposals", json=profile(), headers=headers)

    assert lane_of(app).taken == 0
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
