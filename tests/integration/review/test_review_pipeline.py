"""The pipeline status page and GET /v1/pipeline: proposals per stage from the review
database, consumer lag and dead letters from the real broker, outbox backlogs from
the other services' real /metrics over HTTP, and what shows when they are down."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from flask import Flask
from kafka import KafkaAdminClient, KafkaProducer
from kafka.structs import OffsetAndMetadata, TopicPartition
from werkzeug.serving import make_server

from deploy.local.ports import free_port
from services.review.adapters.pipeline_probes import LivePipelineProbes, outbox_from_metrics
from services.review.app import create_app
from services.review.config import ReviewSettings
from services.review.domain.pipeline import DeadLetter, partition_lag, tail
from services.submission import store as submission_store
from services.submission.app import create_app as create_submission_app
from services.submission.config import SubmissionSettings
from shared.events.catalog import PROPOSALS
from shared.events.envelope import Event
from shared.events.outbox import add_to_outbox
from shared.platform.settings import Settings
from tests.conftest import DatabaseFactory
from tests.integration.review.support import (
    ADMIN,
    auth,
    create_account,
    create_cycle,
    deliver,
    login,
    submitted_event,
)
from tests.integration.review.test_review_pages import log_in

T = TypeVar("T")

# -- pure parts -------------------------------------------------------------------


def test_lag_counts_from_the_commit_or_the_earliest_record_and_is_never_negative() -> None:
    assert partition_lag("t", 0, committed=3, beginning=0, end=10).lag == 7
    assert partition_lag("t", 0, committed=None, beginning=4, end=10).lag == 6
    assert partition_lag("t", 0, committed=12, beginning=0, end=10).lag == 0


def test_the_tail_is_the_newest_first() -> None:
    letters = [
        DeadLetter("t.dlq", p, o, ts, f"k{ts}", "", "", "", "", "", "")
        for p, o, ts in [(0, 0, 5), (1, 0, 9), (0, 1, 7)]
    ]
    assert [d.key for d in tail(letters, 2)] == ["k9", "k7"]


def test_outbox_figures_are_read_from_the_prometheus_text() -> None:
    text = (
        "# TYPE inagara_outbox_backlog gauge\n"
        'inagara_outbox_backlog{service="submission"} 4.0\n'
        "# TYPE inagara_outbox_oldest_unsent_age_seconds gauge\n"
        'inagara_outbox_oldest_unsent_age_seconds{service="submission"} 12.5\n'
    )
    found = outbox_from_metrics("submission", "u", text)
    assert (found.backlog, found.oldest_unsent_age_s, found.error) == (4, 12.5, "")
    assert "no outbox figures" in outbox_from_metrics("submission", "u", "").error


# -- on the broker ----------------------------------------------------------------


def _produce(
    servers: str, topic: str, records: list[tuple[int, bytes, list[tuple[str, bytes]]]]
) -> None:
    producer = KafkaProducer(bootstrap_servers=servers.split(","))
    try:
        for partition, key, headers in records:
            # One at a time: the local broker reports a batch's end offset short.
            producer.send(topic, key=key, value=b"{not json", headers=headers, partition=partition)
            producer.flush()
    finally:
        producer.close()


def _dead_letter_headers(reason: str) -> list[tuple[str, bytes]]:
    return [
        ("dlq_reason", reason.encode()),
        ("dlq_error_type", b"InvalidEvent"),
        ("dlq_topic", PROPOSALS.encode()),
        ("dlq_partition", b"2"),
        ("dlq_offset", b"41"),
        ("dlq_consumer_group", b"inagara.review"),
    ]


def test_lag_per_partition_and_the_last_dead_letters_come_from_the_broker(
    kafka_bootstrap: str, topic: str
) -> None:
    _produce(kafka_bootstrap, topic, [(0, b"a", []), (0, b"b", []), (0, b"c", []), (1, b"d", [])])
    behind, never = f"test.behind.{uuid.uuid4().hex[:8]}", f"test.never.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap.split(","))
    try:  # a group that finished one record of partition 0, without forming a group
        admin.alter_group_offsets(behind, {TopicPartition(topic, 0): OffsetAndMetadata(1, "", -1)})
    finally:
        admin.close()
    dlq = f"{topic}.dlq"
    keys = [f"poison-{uuid.uuid4().hex[:8]}-{n}".encode() for n in range(12)]
    _produce(
        kafka_bootstrap,
        dlq,
        [(n % 3, key, _dead_letter_headers(f"bad {n}")) for n, key in enumerate(keys)],
    )

    probes = LivePipelineProbes(kafka_bootstrap, timeout_s=2.0)
    lags = {g.group: g for g in probes.group_lags({behind: (topic,), never: (topic,)})}
    by_partition = {p.partition: p for p in lags[behind].partitions}
    assert (by_partition[0].committed, by_partition[0].end, by_partition[0].lag) == (1, 3, 2)
    assert by_partition[1].committed is None and by_partition[1].lag == 1
    assert lags[behind].total == 3 and lags[never].total == 4 and not lags[never].error

    (tail_,) = probes.dead_letters((dlq,), 10)
    assert len(tail_.letters) == 10
    newest = tail_.letters[0]
    assert newest.key == keys[-1].decode() and newest.reason == "bad 11"
    assert (newest.error_type, newest.origin_topic, newest.origin_offset) == (
        "InvalidEvent",
        PROPOSALS,
        "41",
    )
    assert newest.consumer_group == "inagara.review" and newest.timestamp_ms > 0
    assert keys[0].decode() not in {d.key for d in tail_.letters}, "only the newest ten"
    (absent,) = probes.dead_letters((f"test.absent.{uuid.uuid4().hex[:8]}",), 10)
    assert absent.error == "no such topic"


# -- the page and the endpoint ----------------------------------------------------


@pytest.fixture
def submission_web(database_factory: DatabaseFactory) -> Iterator[str]:
    """The real submission web app on a port, with one event waiting in its outbox."""
    app = create_submission_app(SubmissionSettings(database_url=database_factory()))
    engine = app.extensions["inagara"].engine
    with engine.begin() as conn:
        add_to_outbox(
            conn,
            submission_store.outbox,
            PROPOSALS,
            Event(type="proposal.submitted", source="/test", subject="p", data={}),
        )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    engine.dispose()


def _review_app(database_url: str, servers: str, submission_url: str) -> Flask:
    return create_app(
        Settings(
            service="review",
            database_url=database_url,
            admin_token=ADMIN,
            kafka_bootstrap_servers=servers,
        ),
        ReviewSettings(
            secret_key="test-secret",
            submission_url=submission_url,
            notification_url=f"http://127.0.0.1:{free_port()}",  # nothing listens
        ),
    )


ASKS = 5


def _asked_until_the_broker_answers(ask: Callable[[], T], timed_out: Callable[[T], bool]) -> T:
    """The page's answer, asked again (up to ``ASKS`` times) while one of its broker probes
    ran out of its 1 s bound (an error, or a dead-letter tail read short without one): on a
    busy machine one can (the pytest-xdist worker beside this one may be starting a whole
    stack). The test's assertions then judge the last answer."""
    for _ in range(ASKS - 1):
        answer = ask()
        if not timed_out(answer):
            return answer
    return ask()


def test_the_secretariat_sees_stages_lag_backlogs_and_dead_letters(
    kafka_bootstrap: str, database_url: str, submission_web: str
) -> None:
    app = _review_app(database_url, kafka_bootstrap, submission_web)
    try:
        api = app.test_client()
        create_cycle(api)
        deliver(app, submitted_event("DINKES"))
        deliver(app, submitted_event("DISDIK"))
        key = f"poison-{uuid.uuid4().hex}"
        _produce(
            kafka_bootstrap,
            f"{PROPOSALS}.dlq",
            [(0, key.encode(), _dead_letter_headers("InvalidEvent: not JSON"))],
        )

        body = _asked_until_the_broker_answers(
            lambda: api.get("/v1/pipeline", headers=auth(ADMIN)).json,
            lambda answer: (
                answer["broker_error"] != ""
                or any(g["error"] for g in answer["groups"])
                or key not in str(answer["dead_letters"])
            ),
        )
        assert sum(body["totals_by_status"].values()) == 2
        assert sum(s["count"] for s in body["stages"] if s["cycle_id"]) == 2
        assert body["broker_error"] == ""
        groups = {g["group"]: g for g in body["groups"]}
        assert set(groups) == {
            "inagara.submission",
            "inagara.review",
            "inagara.notification",
            "inagara.results",
        }
        assert groups["inagara.results"]["topics"] == ["inagara.reviews"]
        assert groups["inagara.notification"]["topics"] == ["inagara.proposals", "inagara.reviews"]
        assert all(not g["error"] and g["partitions"] for g in groups.values())
        outboxes = {o["service"]: o for o in body["outboxes"]}
        assert outboxes["submission"]["backlog"] == 1 and not outboxes["submission"]["error"]
        assert outboxes["review"]["backlog"] >= 1, "the cycle and the screening wait for the relay"
        assert outboxes["notification"]["backlog"] is None
        assert "unreachable" in outboxes["notification"]["error"]
        letters = {t["topic"]: t for t in body["dead_letters"]}
        assert key in [d["key"] for d in letters[f"{PROPOSALS}.dlq"]["letters"]]

        office = app.test_client()
        secretary = create_account(api, role="secretariat")
        log_in(office, secretary["email"])
        page = _asked_until_the_broker_answers(
            lambda: office.get("/ui/pipeline"),
            lambda answer: (
                "Broker tidak dapat dihubungi" in answer.get_data(as_text=True)
                or key not in answer.get_data(as_text=True)
            ),
        )
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert 'href="/ui/pipeline"' in html, "linked from the secretariat's navigation"
        for shown in (key, "InvalidEvent: not JSON", "inagara.notification", submission_web):
            assert shown in html
        assert "Broker tidak dapat dihubungi" not in html
        own_token = auth(login(api, secretary["email"]))
        assert api.get("/v1/pipeline", headers=own_token).status_code == 200
    finally:
        app.extensions["inagara"].engine.dispose()


def test_only_the_secretariat_may_look(kafka_bootstrap: str, database_url: str) -> None:
    app = _review_app(database_url, kafka_bootstrap, f"http://127.0.0.1:{free_port()}")
    try:
        api = app.test_client()
        reviewer = create_account(api)
        assert api.get("/v1/pipeline").status_code == 401
        assert api.get("/v1/pipeline", headers=auth("not-a-token")).status_code == 401
        assert (
            api.get("/v1/pipeline", headers=auth(login(api, reviewer["email"]))).status_code == 403
        )
        assert app.test_client().get("/ui/pipeline").status_code == 302
        browser = app.test_client()
        log_in(browser, reviewer["email"])
        assert browser.get("/ui/pipeline").status_code == 403
        assert b"/ui/pipeline" not in browser.get("/ui/assignments").data
    finally:
        app.extensions["inagara"].engine.dispose()


def test_the_page_answers_quickly_with_the_broker_and_the_services_down(
    database_url: str,
) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    app = _review_app(database_url, f"127.0.0.1:{free_port()}", down)
    try:
        api = app.test_client()
        secretary = create_account(api, role="secretariat")
        browser = app.test_client()
        log_in(browser, secretary["email"])
        started = time.monotonic()
        page = browser.get("/ui/pipeline")
        took = time.monotonic() - started
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Broker tidak dapat dihubungi" in html and "unreachable" in html
        assert took < 2.5, f"the page took {took:.1f}s with everything down"
        body = api.get("/v1/pipeline", headers=auth(ADMIN)).json
        assert body["broker_error"].startswith("broker unreachable")
        assert all(g["error"] == "broker unreachable" for g in body["groups"])
        assert all(t["error"] == "broker unreachable" for t in body["dead_letters"])
        assert [o["service"] for o in body["outboxes"] if o["error"]] == [
            "submission",
            "notification",
        ]
    finally:
        app.extensions["inagara"].engine.dispose()
