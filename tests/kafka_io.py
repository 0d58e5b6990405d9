"""Reading and writing test records on the real broker."""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.structs import TopicPartition


def read_topic(
    bootstrap: str, topic: str, expect: int, timeout_s: float = 15, settle_s: float = 0.5
) -> list[Any]:
    """Every record on ``topic`` from the start; waits for ``expect`` of them, then ``settle_s`` for extras."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap.split(","), group_id=None, fetch_max_wait_ms=50
    )
    try:
        partitions = [
            TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records: list[Any] = []
        deadline = time.monotonic() + timeout_s
        settle_until: float | None = None
        while time.monotonic() < (settle_until or deadline):
            for batch in consumer.poll(timeout_ms=100).values():
                records.extend(batch)
            if settle_until is None and len(records) >= expect:
                settle_until = time.monotonic() + settle_s
        return records
    finally:
        consumer.close()


def produce_raw(
    bootstrap: str,
    topic: str,
    key: bytes | None,
    value: bytes,
    headers: list[tuple[str, bytes]] | None = None,
    partition: int | None = None,
) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap.split(","))
    try:
        producer.send(topic, key=key, value=value, headers=headers or [], partition=partition).get(
            timeout=10
        )
    finally:
        producer.close()
