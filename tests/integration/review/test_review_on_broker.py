"""The review worker's parts on the real broker: a submitted proposal ends up screened and
assigned, and scores produce ``proposal.scored``, published by the outbox relay."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Flask

from services.review import store
from services.review.consumers import HANDLERS
from shared.events.catalog import REVIEWS
from shared.events.consumer import ConsumerConfig, EventConsumer
from shared.events.envelope import Event, from_record, to_record
from shared.events.inbox import Dispatcher
from shared.events.producer import KafkaPublisher
from shared.events.relay import OutboxRelay
from shared.settings import Settings
from tests.integration.review.support import (
    ADMIN,
    auth,
    create_account,
    create_cycle,
    engine_of,
    login,
    make_app,
    scores_for,
    submitted_event,
)
from tests.kafka_io import produce_raw, read_topic


def eventually(probe: Callable[[], object], what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s}s: {what}")
        time.sleep(0.05)


def review_events(bootstrap: str, proposal_id: str, type: str, expect: int) -> list[Event]:
    """The events of one proposal on inagara.reviews (other tests publish there too)."""
    found: list[Event] = []

    def probe() -> bool:
        records = read_topic(bootstrap, REVIEWS, expect=1, timeout_s=2, settle_s=0.2)
        found[:] = [
            e
            for e in (from_record(r.key, r.value, r.headers) for r in records)
            if e.subject == proposal_id and e.type == type
        ]
        return len(found) >= expect

    eventually(probe, f"{expect} x {type} for {proposal_id}")
    return found


def test_submitted_proposal_is_screened_assigned_and_scored_over_the_broker(
    database_url: str, kafka_bootstrap: str, topic: str
) -> None:
    app: Flask = make_app(database_url)
    client = app.test_client()
    engine = engine_of(app)
    publisher = KafkaPublisher(kafka_bootstrap)
    stop = threading.Event()
    settings = Settings(service="review", kafka_bootstrap_servers=kafka_bootstrap)
    consumer = EventConsumer(
        settings,
        ConsumerConfig(group_id=f"review-{topic}", topics=(topic,), commit_interval_s=0.1),
        Dispatcher(engine, store.inbox, HANDLERS).handle_all,
        publisher,
    )
    relay = OutboxRelay(engine, store.outbox, publisher, idle_wait_s=0.05)
    threads = [threading.Thread(target=loop, args=(stop,)) for loop in (consumer.run, relay.run)]
    try:
        reviewers = [create_account(client, agency_code=f"AG{i}") for i in range(3)]
        create_cycle(client)
        for thread in threads:
            thread.start()
        event = submitted_event("DINKES")
        record = to_record(event)
        produce_raw(kafka_bootstrap, topic, record.key, record.value, record.headers)

        def status() -> str:
            got = client.get(f"/v1/proposals/{event.subject}", headers=auth(ADMIN))
            return str(got.json["status"]) if got.status_code == 200 else ""

        eventually(lambda: status() == "assigned", "the proposal screened and assigned")
        (screened,) = review_events(kafka_bootstrap, event.subject, "proposal.screened", 1)
        assert screened.data["passed"] is True
        assert screened.causation_id == event.id and screened.correlation_id == event.subject
        assigned = review_events(kafka_bootstrap, event.subject, "review.assigned", 3)
        assert {e.data["reviewer"]["id"] for e in assigned} == {r["id"] for r in reviewers}

        rubric = client.get(
            f"/v1/cycles/{screened.data['cycle_id']}/rubrics/desk", headers=auth(ADMIN)
        ).json
        for reviewer, level in zip(reviewers, (1, 2, 3), strict=True):
            token = auth(login(client, reviewer["email"]))
            (held,) = client.get("/v1/assignments", headers=token).json["items"]
            answer = client.put(
                f"/v1/assignments/{held['id']}/review",
                json={"scores": scores_for(rubric, level), "comment": ""},
                headers=token,
            )
            assert answer.status_code == 200, answer.json
        (scored,) = review_events(kafka_bootstrap, event.subject, "proposal.scored", 1)
        assert sorted(scored.data["reviewer_totals"]) == [33.33, 66.67, 100.0]
        assert scored.data["mean_score"] == 66.67 and scored.data["disagreement"] is True
    finally:
        stop.set()
        for thread in threads:
            if thread.is_alive():
                thread.join(15)
        publisher.close()
        engine.dispose()
