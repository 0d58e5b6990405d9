"""The consumer loop: handle, then commit; dead-letter what cannot be handled.

Decisions made on purpose (STYLE 6-8):

- Offsets are committed only after the handler's transaction committed,
  throttled by count and time, and forced on shutdown and on revocation.
- A record that is not a valid event, or whose payload fails validation, is
  poison: its raw bytes go to ``<topic>.dlq`` with the reason in headers and
  the consumer moves on.
- A transient failure (database or broker unreachable) is not committed: the
  partition is rewound to the record and retried with exponential backoff and
  jitter, for as long as it takes.
- Any other error is retried a few times, then dead-lettered.
- Too many dead letters in a row stop the consumer: after a bad deploy
  everything fails, and filling the DLQ would only hide that.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import AsyncConsumerRebalanceListener, KafkaConsumer
from kafka.errors import KafkaError
from kafka.structs import TopicPartition
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError

from shared.envelope import Event, InvalidEvent, from_record
from shared.events.catalog import dead_letter_topic
from shared.logs import correlated
from shared.metrics import (
    CONSUMER_LAG,
    CONSUMER_PARTITIONS,
    EVENTS_CONSUMED,
    HANDLER_RETRIES,
    HANDLER_SECONDS,
)
from shared.offsets import OffsetTracker
from shared.producer import Publisher
from shared.settings import Settings

log = logging.getLogger(__name__)

Handler = Callable[[Event], None]
# Handles a partition's batch in one go (one transaction), or raises and handles nothing.
BatchHandler = Callable[[Sequence[Event]], None]


class TransientError(Exception):
    """A failure that will pass: retry, never dead-letter."""


class PoisonError(Exception):
    """A record no retry can fix: dead-letter at once."""


class DeadLetterLimitExceeded(RuntimeError):
    """Too many records in a row were dead-lettered; the consumer stops."""


def is_transient(exc: BaseException) -> bool:
    if isinstance(
        exc, TransientError | OperationalError | KafkaError | ConnectionError | TimeoutError
    ):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def is_poison(exc: BaseException) -> bool:
    return isinstance(exc, PoisonError | InvalidEvent | ValidationError)


@dataclass(frozen=True)
class ConsumerConfig:
    group_id: str
    topics: tuple[str, ...]
    commit_every: int = 200
    commit_interval_s: float = 1.0
    max_attempts: int = 5
    backoff_base_s: float = 0.1
    backoff_max_s: float = 10.0
    dead_letter_limit: int = 50
    max_poll_records: int = 200
    # A poll of this many records or more of one partition (a backlog) goes through
    # the batch handler in one transaction; fewer go one by one, each out at once.
    batch_from: int = 10


def backoff_delay(attempt: int, base_s: float, max_s: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(max, base * 2**attempt)]."""
    return rng.uniform(0, min(max_s, base_s * (2 ** max(attempt, 0))))


class _Rebalance(AsyncConsumerRebalanceListener):  # type: ignore[misc]
    """Commits what was finished on revoked partitions before another member takes them.

    kafka-python 3 runs listeners on its IO thread, where blocking calls are
    refused, so the commit is sent without waiting; the poll that triggered the
    rebalance is what blocks our loop meanwhile, so no record is in flight.
    """

    def __init__(self, loop: EventConsumer) -> None:
        self._loop = loop

    async def on_partitions_revoked(self, revoked: Any) -> None:
        self._loop.commit_without_waiting(revoked)

    async def on_partitions_assigned(self, assigned: Any) -> None:
        log.info("assigned %s", sorted(f"{p.topic}[{p.partition}]" for p in assigned))
        self._loop.count_partitions()


class EventConsumer:
    """Runs one handler over the records of ``config.topics`` in ``config.group_id``."""

    def __init__(
        self,
        settings: Settings,
        config: ConsumerConfig,
        handler: Handler,
        dead_letters: Publisher,
        *,
        consumer: KafkaConsumer | None = None,
        rng: random.Random | None = None,
        batch_handler: BatchHandler | None = None,
    ) -> None:
        self._config = config
        self._handler = handler
        self._batch_handler = batch_handler
        self._dead_letters = dead_letters
        self._rng = rng or random.Random()
        self._offsets = OffsetTracker()
        self._last_commit = time.monotonic()
        self._attempts: dict[tuple[TopicPartition, int], int] = {}
        self._dead_in_a_row = 0
        self._uncommitted = 0
        self._next_offset: dict[TopicPartition, int] = {}
        self._service = settings.service
        self._consumer = consumer or KafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
            group_id=config.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=settings.session_timeout_ms,
            heartbeat_interval_ms=settings.heartbeat_interval_ms,
            fetch_max_wait_ms=settings.fetch_max_wait_ms,
            max_poll_records=config.max_poll_records,
            max_poll_interval_ms=300_000,
        )
        if consumer is None:
            _await_partitions(self._consumer, config.topics)
        self._consumer.subscribe(list(config.topics), listener=_Rebalance(self))

    # -- the loop -------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Poll and handle until ``stop`` is set; then commit and close.

        Raises ``DeadLetterLimitExceeded`` when everything starts failing.
        """
        try:
            while not stop.is_set():
                batch = self._consumer.poll(timeout_ms=100)
                for partition, records in batch.items():
                    self._handle_partition(partition, records, stop)
                self._maybe_commit()
        finally:
            self.close()

    def count_partitions(self) -> None:
        """Publish how many partitions this member holds (a readiness signal: joined)."""
        held = len(self._consumer.assignment())
        CONSUMER_PARTITIONS.labels(self._service, self._config.group_id).set(held)

    def close(self, commit: bool = True) -> None:
        """Leave the group; ``commit=False`` is what a crash looks like to the broker."""
        if commit:
            self.commit()
        else:
            self._offsets.forget(list(self._consumer.assignment()))
        self._consumer.close(autocommit=False)

    def poll_once(self, stop: threading.Event | None = None) -> int:
        """One poll and its handling (for tests); returns the number of records seen."""
        batch = self._consumer.poll(timeout_ms=200)
        seen = 0
        for partition, records in batch.items():
            seen += len(records)
            self._handle_partition(partition, records, stop or threading.Event())
        return seen

    def _handle_partition(
        self, partition: TopicPartition, records: list[Any], stop: threading.Event
    ) -> None:
        if not self._handle_batch(partition, records, stop):
            self._handle_one_by_one(partition, records, stop)
        self._observe_lag(partition)

    def _handle_batch(
        self, partition: TopicPartition, records: list[Any], stop: threading.Event
    ) -> bool:
        """The fast path for a backlog: the whole batch through ``batch_handler`` in one
        transaction.

        False when there is none, or the batch failed in any way (nothing of it was
        done): then each record goes alone, with the poison and retry rules below.
        """
        if self._batch_handler is None or len(records) < self._config.batch_from:
            return False
        if stop.is_set():
            return False
        if any(self._attempts.get((partition, r.offset)) for r in records):
            return False  # a record of this batch failed before: go one by one
        try:
            events = [from_record(r.key, r.value, r.headers) for r in records]
            started = time.perf_counter()
            self._batch_handler(events)
        except Exception as exc:
            log.info("a batch of %d failed (%r); handling them one by one", len(records), exc)
            return False
        each = (time.perf_counter() - started) / len(events)
        for record, event in zip(records, events, strict=True):
            HANDLER_SECONDS.labels(self._service, event.type).observe(each)
            EVENTS_CONSUMED.labels(self._service, partition.topic, event.type, "handled").inc()
            self._offsets.finished(partition, record.offset)
        self._dead_in_a_row = 0
        self._next_offset[partition] = records[-1].offset + 1
        self._uncommitted += len(records)
        return True

    def _handle_one_by_one(
        self, partition: TopicPartition, records: list[Any], stop: threading.Event
    ) -> None:
        for record in records:
            if stop.is_set():
                self._consumer.seek(partition, record.offset)
                break
            if not self._handle_record(partition, record, stop):
                break  # rewound to this record: the rest of the batch comes again

    def _handle_record(self, partition: TopicPartition, record: Any, stop: threading.Event) -> bool:
        """True when the record is finished (handled or dead-lettered)."""
        key = (partition, record.offset)
        event_type = "invalid"
        try:
            event = from_record(record.key, record.value, record.headers)
            event_type = event.type
            with (
                correlated(event.correlation_id or event.subject),
                HANDLER_SECONDS.labels(self._service, event.type).time(),
            ):
                self._handler(event)
        except Exception as exc:
            attempt = self._attempts.get(key, 0) + 1
            dead = is_poison(exc) or (
                not is_transient(exc) and attempt >= self._config.max_attempts
            )
            if dead:
                try:
                    self._dead_letter(partition, record, exc)
                except DeadLetterLimitExceeded:
                    raise
                except Exception as dlq_exc:
                    # The DLQ is unreachable: keep the record uncommitted and try again.
                    exc, dead = dlq_exc, False
            if not dead:
                self._attempts[key] = attempt
                delay = backoff_delay(
                    attempt, self._config.backoff_base_s, self._config.backoff_max_s, self._rng
                )
                log.warning(
                    "handling %s[%d]@%d failed (attempt %d), retrying in %.2fs: %r",
                    partition.topic,
                    partition.partition,
                    record.offset,
                    attempt,
                    delay,
                    exc,
                )
                HANDLER_RETRIES.labels(self._service, partition.topic).inc()
                self._consumer.seek(partition, record.offset)
                stop.wait(delay)
                return False
            outcome = "dead_lettered"
        else:
            self._dead_in_a_row = 0
            outcome = "handled"
        EVENTS_CONSUMED.labels(self._service, partition.topic, event_type, outcome).inc()
        self._attempts.pop(key, None)
        self._offsets.finished(partition, record.offset)
        self._next_offset[partition] = record.offset + 1
        self._uncommitted += 1
        return True

    def _observe_lag(self, partition: TopicPartition) -> None:
        highwater = self._consumer.highwater(partition)
        if highwater is not None and partition in self._next_offset:
            CONSUMER_LAG.labels(
                self._service, self._config.group_id, partition.topic, str(partition.partition)
            ).set(max(0, highwater - self._next_offset[partition]))

    def _dead_letter(self, partition: TopicPartition, record: Any, exc: BaseException) -> None:
        reason = f"{type(exc).__name__}: {exc}"[:2000]
        headers = [
            *(record.headers or []),
            ("dlq_reason", reason.encode("utf-8")),
            ("dlq_error_type", type(exc).__name__.encode()),
            ("dlq_topic", partition.topic.encode()),
            ("dlq_partition", str(partition.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
            ("dlq_consumer_group", self._config.group_id.encode()),
        ]
        self._dead_letters.publish(
            dead_letter_topic(partition.topic), record.key, record.value or b"", headers
        )
        # Blocks until the DLQ has the record: only then may its offset be committed.
        self._dead_letters.flush(timeout_s=30)
        log.error(
            "dead-lettered %s[%d]@%d: %s",
            partition.topic,
            partition.partition,
            record.offset,
            reason,
        )
        self._dead_in_a_row += 1
        if self._dead_in_a_row >= self._config.dead_letter_limit:
            raise DeadLetterLimitExceeded(
                f"{self._dead_in_a_row} records in a row were dead-lettered; last: {reason}"
            )

    # -- commits --------------------------------------------------------------

    def _maybe_commit(self) -> None:
        due = time.monotonic() - self._last_commit >= self._config.commit_interval_s
        if self._offsets.pending() and (due or self._uncommitted >= self._config.commit_every):
            self.commit()

    def commit_without_waiting(self, partitions: Any) -> None:
        """Send the commit for ``partitions`` and return at once (from the IO thread)."""
        offsets = self._offsets.take(partitions)
        if offsets:
            self._consumer.commit_async(offsets)

    def commit(self, partitions: Any = None) -> None:
        """Commit finished offsets (of ``partitions``, or all); a failed commit is kept for later."""
        offsets = self._offsets.take(partitions)
        self._last_commit = time.monotonic()
        self._uncommitted = 0
        if not offsets:
            return
        log.debug(
            "committing %s", {f"{p.topic}[{p.partition}]": m.offset for p, m in offsets.items()}
        )
        try:
            self._consumer.commit(offsets)
        except KafkaError:
            log.warning("offset commit failed; records may be redelivered", exc_info=True)
            if partitions is None:
                self._offsets.restore(offsets)


def _await_partitions(
    consumer: KafkaConsumer, topics: Sequence[str], timeout_s: float = 30.0
) -> None:
    """Wait (bounded) until the client knows how many partitions each topic has.

    A member that joins its group before its metadata arrived, and happens to lead
    the assignment, hands out no partitions; kafka-python is meant to rejoin once
    the metadata comes, but on a three-node Kafka whose nodes had just restarted a
    worker was seen holding nothing for a minute. Knowing the partitions first makes
    the first assignment the right one. The topics are created on purpose before
    any worker starts; if they stay unknown, the worker subscribes anyway and says so.
    """
    deadline = time.monotonic() + timeout_s
    missing = list(topics)
    while missing:
        missing = [topic for topic in missing if not consumer.partitions_for_topic(topic)]
        if not missing:
            return
        if time.monotonic() > deadline:
            log.warning(
                "No partitions known for %s after %.0fs; subscribing anyway", missing, timeout_s
            )
            return
        time.sleep(0.2)
