"""Reading the pipeline from outside the services' databases: Kafka and the other services' /metrics.

The review service never reads another service's database (DESIGN): consumer
lag comes from the broker (each group's committed offsets against the topics'
end offsets), outbox backlogs from each service's Prometheus ``/metrics``, and
the last dead letters from the ``.dlq`` topics themselves, read without a
consumer group and never committed. Every call is bounded by ``timeout_s``:
the page must answer with the broker down.
"""

from __future__ import annotations

import collections
import time
import urllib.request
from collections.abc import Iterable, Mapping
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import OffsetSpec
from kafka.structs import TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from services.review.domain.pipeline import (
    BrokerUnreachable,
    DeadLetter,
    DeadLetterTail,
    GroupLag,
    OutboxState,
    partition_lag,
    tail,
)

CLIENT_ID = "inagara-review-pipeline-page"
MAX_METRICS_BYTES = 4_000_000


class LivePipelineProbes:
    """The real probes: the broker at ``bootstrap_servers`` and the services over HTTP."""

    def __init__(
        self,
        bootstrap_servers: str,
        timeout_s: float = 1.0,
        security: Mapping[str, Any] | None = None,
    ) -> None:
        self._servers = bootstrap_servers.split(",")
        self._security = dict(security or {})
        self._timeout_ms = max(200, int(timeout_s * 1000))

    def _bounded(self) -> dict[str, Any]:
        return {
            "bootstrap_servers": self._servers,
            "client_id": CLIENT_ID,
            "request_timeout_ms": self._timeout_ms,
            "bootstrap_timeout_ms": self._timeout_ms,
            "reconnect_backoff_max_ms": self._timeout_ms,
            **self._security,
        }

    def group_lags(self, groups: Mapping[str, tuple[str, ...]]) -> tuple[GroupLag, ...]:
        """Lag per partition of each group on its topics; raises BrokerUnreachable."""
        try:
            admin = KafkaAdminClient(**self._bounded())
        except Exception as exc:
            raise BrokerUnreachable(str(exc)) from exc
        try:
            topics = sorted({t for wanted in groups.values() for t in wanted})
            partitions = _partitions(admin.describe_topics(topics))
            every = [TopicPartition(t, p) for t in topics for p in partitions.get(t, ())]
            ends = admin.list_partition_offsets(dict.fromkeys(every, OffsetSpec.LATEST))
            starts = admin.list_partition_offsets(dict.fromkeys(every, OffsetSpec.EARLIEST))
            return tuple(
                self._group(admin, group, wanted, partitions, starts, ends)
                for group, wanted in groups.items()
            )
        finally:
            admin.close()

    @staticmethod
    def _group(
        admin: KafkaAdminClient,
        group: str,
        topics: tuple[str, ...],
        partitions: Mapping[str, tuple[int, ...]],
        starts: Mapping[TopicPartition, Any],
        ends: Mapping[TopicPartition, Any],
    ) -> GroupLag:
        try:
            committed = admin.list_group_offsets([group]).get(group, {})
        except Exception as exc:  # one group's error must not hide the others
            return GroupLag(group, topics, error=f"{type(exc).__name__}: {exc}")
        missing = [t for t in topics if t not in partitions]
        lags = tuple(
            partition_lag(
                tp.topic,
                tp.partition,
                committed[tp].offset if tp in committed else None,
                starts[tp].offset,
                ends[tp].offset,
            )
            for tp in (TopicPartition(t, p) for t in topics for p in partitions.get(t, ()))
        )
        return GroupLag(
            group, topics, lags, f"no such topic: {', '.join(missing)}" if missing else ""
        )

    def dead_letters(self, topics: Iterable[str], count: int) -> tuple[DeadLetterTail, ...]:
        """The ``count`` newest records of each topic; raises BrokerUnreachable.

        Reads from ``end - count`` of every partition until it reaches the
        partition's high watermark or the time is up; no group, no commit.
        """
        deadline = time.monotonic() + self._timeout_ms / 1000
        wanted = list(topics)
        try:
            consumer = KafkaConsumer(
                group_id=None, enable_auto_commit=False, fetch_max_wait_ms=50, **self._bounded()
            )
        except Exception as exc:
            raise BrokerUnreachable(str(exc)) from exc
        try:
            return _read_tails(consumer, wanted, count, deadline)
        finally:
            consumer.close(autocommit=False)

    def outbox(self, service: str, base_url: str) -> OutboxState:
        return read_outbox(service, base_url, self._timeout_ms / 1000)


def _partitions(described: list[dict[str, Any]]) -> dict[str, tuple[int, ...]]:
    return {
        d["name"]: tuple(sorted(p["partition_index"] for p in d["partitions"]))
        for d in described
        if d.get("error_code", 0) == 0
    }


def _read_tails(
    consumer: KafkaConsumer, topics: list[str], count: int, deadline: float
) -> tuple[DeadLetterTail, ...]:
    read: dict[TopicPartition, collections.deque[DeadLetter]] = {}
    missing: set[str] = set()
    assigned: list[TopicPartition] = []
    for topic in topics:
        ids = consumer.partitions_for_topic(topic)
        if not ids:
            missing.add(topic)
        assigned += [TopicPartition(topic, p) for p in sorted(ids)]
    if assigned:
        consumer.assign(assigned)
        starts = consumer.beginning_offsets(assigned)
        ends = consumer.end_offsets(assigned)
        reading = [tp for tp in assigned if ends[tp] > starts[tp]]
        if reading:
            consumer.assign(reading)
        for tp in reading:
            read[tp] = collections.deque(maxlen=count)
            # A broker that under-reports the end only makes this read more, never skip.
            consumer.seek(tp, max(starts[tp], ends[tp] - count))
        while reading and time.monotonic() < deadline and not _caught_up(consumer, reading):
            for tp, records in consumer.poll(timeout_ms=50).items():
                read[tp].extend(_letter(r) for r in records)
    return tuple(
        DeadLetterTail(topic, error="no such topic")
        if topic in missing
        else DeadLetterTail(
            topic, tail([d for tp, kept in read.items() if tp.topic == topic for d in kept], count)
        )
        for topic in topics
    )


def _caught_up(consumer: KafkaConsumer, partitions: list[TopicPartition]) -> bool:
    for tp in partitions:
        highwater = consumer.highwater(tp)
        if highwater is None or consumer.position(tp) < highwater:
            return False
    return True


def _letter(record: Any) -> DeadLetter:
    headers = {name: value for name, value in (record.headers or [])}

    def header(name: str) -> str:
        value = headers.get(name)
        return value.decode("utf-8", "replace") if value else ""

    return DeadLetter(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        timestamp_ms=int(record.timestamp or 0),
        key=(record.key or b"").decode("utf-8", "replace"),
        reason=header("dlq_reason"),
        error_type=header("dlq_error_type"),
        origin_topic=header("dlq_topic"),
        origin_partition=header("dlq_partition"),
        origin_offset=header("dlq_offset"),
        consumer_group=header("dlq_consumer_group"),
    )


def read_outbox(service: str, base_url: str, timeout_s: float) -> OutboxState:
    """The outbox gauges on ``base_url``/metrics; a service that does not answer is an error."""
    url = base_url.rstrip("/") + "/metrics"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            text = response.read(MAX_METRICS_BYTES).decode("utf-8", "replace")
    except (OSError, ValueError) as exc:
        return OutboxState(service, url, error=f"unreachable: {exc}")
    return outbox_from_metrics(service, url, text)


def outbox_from_metrics(service: str, url: str, text: str) -> OutboxState:
    values: dict[str, float] = {}
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name in (
                    "inagara_outbox_backlog",
                    "inagara_outbox_oldest_unsent_age_seconds",
                ):
                    values[sample.name] = float(sample.value)
    except ValueError as exc:
        return OutboxState(service, url, error=f"unreadable /metrics: {exc}")
    if "inagara_outbox_backlog" not in values:
        return OutboxState(
            service, url, error="no outbox figures in /metrics (is its database down?)"
        )
    return OutboxState(
        service,
        url,
        backlog=int(values["inagara_outbox_backlog"]),
        oldest_unsent_age_s=values.get("inagara_outbox_oldest_unsent_age_seconds", 0.0),
    )
