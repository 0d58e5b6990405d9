"""Logs carry the correlation id and never a secret; metrics name what happened."""

from __future__ import annotations

import json
import logging
import threading

from prometheus_client import REGISTRY
from sqlalchemy import MetaData

from shared.events.consumer import ConsumerConfig, EventConsumer
from shared.events.envelope import Event, to_record
from shared.events.outbox import add_to_outbox, outbox_table
from shared.events.producer import MemoryPublisher
from shared.platform.db import create_schema, make_engine
from shared.platform.logs import JsonFormatter, correlated, redact
from shared.platform.metrics import OutboxCollector
from shared.platform.settings import Settings
from tests.fakes import FakeKafkaConsumer


def test_redaction_masks_keys_tokens_passwords_and_phone_numbers() -> None:
    line = (
        "Authorization: Bearer s3cr3t key=inag_0a1b2c3d_AbC-dEf password=hunter2 "
        "postgresql://inagara:pw@db/x phone +6281234567890 or 081234567890"
    )
    masked = redact(line)
    for secret in ("s3cr3t", "AbC-dEf", "hunter2", ":pw@", "1234567", "+6281234567890"):
        assert secret not in masked
    assert "+6281" in masked and "890" in masked  # enough to tell numbers apart


def test_a_json_log_line_carries_the_correlation_id() -> None:
    formatter = JsonFormatter("review")
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "sent to %s", ("+6281234567890",), None
    )
    with correlated("proposal-42"):
        line = json.loads(formatter.format(record))
    assert line["correlation_id"] == "proposal-42"
    assert line["service"] == "review"
    assert "+6281234567890" not in line["message"]
    assert json.loads(formatter.format(record))["correlation_id"] == ""


def sample(name: str, labels: dict[str, str]) -> float:
    value = REGISTRY.get_sample_value(name, labels)
    return value or 0.0


def test_the_consumer_counts_handled_and_dead_lettered_records_and_reports_lag() -> None:
    fake = FakeKafkaConsumer()
    event = Event(type="test.counted", source="/t", subject="p1", data={}, correlation_id="p1")
    record = to_record(event)
    fake.append("t.metrics", record.key, record.value, record.headers)
    fake.append("t.metrics", b"p1", b"garbage", [])
    fake.append(
        "t.metrics",
        record.key,
        record.value,
        [*record.headers[:-1], ("content-type", b"text/plain")],
    )
    seen: list[str] = []
    consumer = EventConsumer(
        Settings(service="metrics-test"),
        ConsumerConfig(group_id="g-metrics", topics=("t.metrics",)),
        lambda events: seen.extend(e.id for e in events),
        MemoryPublisher(),
        consumer=fake,
    )
    handled = {
        "service": "metrics-test",
        "topic": "t.metrics",
        "type": "test.counted",
        "outcome": "handled",
    }
    dead = {**handled, "type": "invalid", "outcome": "dead_lettered"}
    before = (
        sample("inagara_events_consumed_total", handled),
        sample("inagara_events_consumed_total", dead),
    )
    consumer.poll_once(threading.Event())
    assert sample("inagara_events_consumed_total", handled) == before[0] + 1
    assert sample("inagara_events_consumed_total", dead) == before[1] + 2
    assert seen == [event.id]
    lag = {"service": "metrics-test", "group": "g-metrics", "topic": "t.metrics", "partition": "0"}
    assert sample("inagara_consumer_lag", lag) == 0


def test_the_outbox_collector_reports_backlog_and_the_oldest_age(tmp_path) -> None:  # type: ignore[no-untyped-def]
    metadata = MetaData()
    outbox = outbox_table(metadata)
    engine = make_engine(f"sqlite:///{tmp_path}/o.db")
    create_schema(engine, metadata)
    collector = OutboxCollector("svc", engine, outbox)
    assert {m.name: m.samples[0].value for m in collector.collect()} == {
        "inagara_outbox_backlog": 0,
        "inagara_outbox_oldest_unsent_age_seconds": 0,
    }
    with engine.begin() as conn:
        for _ in range(3):
            add_to_outbox(conn, outbox, "t", Event(type="x", source="/t", subject="p", data={}))
    figures = {m.name: m.samples[0].value for m in collector.collect()}
    assert figures["inagara_outbox_backlog"] == 3
    assert figures["inagara_outbox_oldest_unsent_age_seconds"] >= 0
