"""The consumer loop: handle, then commit; dead-letter what cannot be handled.

Decisions made on purpose (STYLE 6-8):

- One path through the handler: it gets the records a poll brought for one
  partition, as events, and handles them in one transaction (or raises and has
  done nothing). When that fails, the same handler gets them one at a time until
  the partition is past the failed ones, so the culprit is found and the rest
  handled.
- Offsets are committed only after the handler's transaction committed,
  throttled by count and time, and forced on shutdown and on revocation.
- A record that is not a valid event, or whose payload fails validation, is
  poison: its raw bytes go to ``<topic>.dlq`` with the reason in headers and
  the consumer moves on.
- A transient failure (database or broker unreachable) is not committed: the
  partition is rewound to the record and paused, the loop keeps polling the
  other partitions, and the partition resumes after an exponential backoff with
  jitter, for as long as it takes. Nothing sleeps in the poll loop.
- Any other error is retried a few times the same way, then dead-lettered.
- A dead-letter limit per partition stops the consumer: too many in a row, or
  too large a share of the partition's recent records. After a bad deploy
  everything fails, and filling the DLQ would only hide that.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import AsyncConsumerRebalanceListener, KafkaConsumer
from kafka.errors import KafkaError
from kafka.structs import TopicPartition
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError

from shared.events.catalog import dead_letter_topic
from shared.events.connection import kafka_client
from shared.events.envelope import Event, InvalidEvent, from_record
from shared.events.offsets import OffsetTracker
from shared.events.producer import Publisher
from shared.platform import liveness
from shared.platform.backoff import Backoff
from shared.platform.metrics import (
    CONSUMER_LAG,
    CONSUMER_PARTITIONS,
    EVENTS_CONSUMED,
    HANDLER_RETRIES,
    HANDLER_SECONDS,
)
from shared.platform.settings import Settings

log = logging.getLogger(__name__)

# Handles events of one partition, in order, in one transaction; or raises and has done nothing.
Handler = Callable[[Sequence[Event]], None]


class TransientError(Exception):
    """A failure that will pass: retry, never dead-letter."""


class PoisonError(Exception):
    """A record no retry can fix: dead-letter at once."""


class DeadLetterLimitExceeded(RuntimeError):
    """Too many records of a partition were dead-lettered; the consumer stops."""


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
    # The dead-letter limit of one partition: this many in a row, or this share of
    # its last ``dead_letter_window`` records (once it has seen that many).
    dead_letter_limit: int = 50
    dead_letter_ratio: float = 0.5
    dead_letter_window: int = 100
    max_poll_records: int = 200


class DeadLetterGauge:
    """One partition's recent outcomes, against the dead-letter limit."""

    def __init__(self, limit: int, ratio: float, window: int) -> None:
        self._limit, self._ratio = limit, ratio
        self._recent: deque[bool] = deque(maxlen=window)
        self.in_a_row = 0

    def handled(self) -> None:
        self._recent.append(False)
        self.in_a_row = 0

    def dead(self) -> str | None:
        """Count one dead letter; the reason to stop, or None."""
        self._recent.append(True)
        self.in_a_row += 1
        if self.in_a_row >= self._limit:
            return f"{self.in_a_row} records in a row were dead-lettered"
        full = len(self._recent) == self._recent.maxlen
        share = sum(self._recent) / len(self._recent)
        if full and share >= self._ratio:
            return f"{share:.0%} of the last {len(self._recent)} records were dead-lettered"
        return None


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
        if revoked:
            log.info("revoked %s", sorted(f"{p.topic}[{p.partition}]" for p in revoked))
        self._loop.count_partitions(without=revoked)

    async def on_partitions_assigned(self, assigned: Any) -> None:
        log.info("assigned %s", sorted(f"{p.topic}[{p.partition}]" for p in assigned))
        self._loop.reconcile(assigned)
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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._handler = handler
        self._dead_letters = dead_letters
        self._rng = rng or random.Random()
        self._clock = clock
        self._backoff = Backoff(config.backoff_base_s, config.backoff_max_s)
        self._offsets = OffsetTracker()
        self._last_commit = clock()
        self._attempts: dict[tuple[TopicPartition, int], int] = {}
        self._gauges: dict[TopicPartition, DeadLetterGauge] = {}
        # After a failure, a partition goes one record at a time up to this offset.
        self._one_by_one: dict[TopicPartition, int] = {}
        self._paused: dict[TopicPartition, float] = {}  # partition -> when it resumes
        self._uncommitted = 0
        self._next_offset: dict[TopicPartition, int] = {}
        self._service = settings.service
        self._consumer = consumer or KafkaConsumer(
            **kafka_client(settings),
            group_id=config.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=settings.session_timeout_ms,
            heartbeat_interval_ms=settings.heartbeat_interval_ms,
            fetch_max_wait_ms=settings.fetch_max_wait_ms,
            max_poll_records=config.max_poll_records,
            max_poll_interval_ms=300_000,
        )
        self._consumer.subscribe(list(config.topics), listener=_Rebalance(self))
        if consumer is None:
            _await_partitions(self._consumer, config.topics)

    # -- the loop -------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Poll and handle until ``stop`` is set; then commit and close.

        Raises ``DeadLetterLimitExceeded`` when everything starts failing.
        """
        try:
            while not stop.is_set():
                liveness.beat()
                self.poll_once(stop)
                self._maybe_commit()
        finally:
            self.close()

    def count_partitions(self, without: Any = ()) -> None:
        """Publish how many partitions this member holds (a readiness signal: joined);
        during a rebalance, not those being revoked (``without``)."""
        held = len(set(self._consumer.assignment()) - set(without))
        CONSUMER_PARTITIONS.labels(self._service, self._config.group_id).set(held)

    def close(self, commit: bool = True) -> None:
        """Leave the group; ``commit=False`` is what a crash looks like to the broker."""
        if commit:
            self.commit()
        else:
            self._offsets.forget(list(self._consumer.assignment()))
        self._consumer.close(autocommit=False)

    def poll_once(self, stop: threading.Event | None = None) -> int:
        """Resume what is due, poll once and handle it; returns the number of records seen."""
        self._resume_due()
        batch = self._consumer.poll(timeout_ms=self._poll_timeout_ms())
        seen = 0
        for partition, records in batch.items():
            seen += len(records)
            self._handle_partition(partition, records, stop or threading.Event())
        return seen

    def paused(self) -> set[TopicPartition]:
        """The partitions waiting out a backoff."""
        return set(self._paused)

    def reconcile(self, assigned: Any) -> None:
        """After a rebalance: forget the partitions this member no longer holds, and
        make the client's pauses agree with ours.

        kafka-python 3 keeps the state of a partition that is revoked and assigned
        again in one rebalance (its position and its pause), and starts afresh one
        that comes back later. A partition waiting out a backoff therefore stays
        paused here until it is due, and no partition stays paused in the client
        that this loop would never resume (it held on to a partition forever)."""
        held = set(assigned)
        for partition in set(self._paused) - held:
            del self._paused[partition]
        for partition in set(self._one_by_one) - held:
            del self._one_by_one[partition]
        client_paused = set(self._consumer.paused())
        ours = set(self._paused)
        if ours - client_paused:
            self._consumer.pause(*(ours - client_paused))
        if (client_paused & held) - ours:
            self._consumer.resume(*((client_paused & held) - ours))

    def _poll_timeout_ms(self) -> int:
        if not self._paused:
            return 100
        due = min(self._paused.values()) - self._clock()
        return max(0, min(100, int(due * 1000)))

    def _resume_due(self) -> None:
        now = self._clock()
        due = [p for p, at in self._paused.items() if at <= now]
        for partition in due:
            del self._paused[partition]
        if due:
            self._consumer.resume(*due)

    def _handle_partition(
        self, partition: TopicPartition, records: list[Any], stop: threading.Event
    ) -> None:
        start = 0
        while start < len(records):
            if stop.is_set():
                self._consumer.seek(partition, records[start].offset)
                break
            chunk = self._next_chunk(partition, records[start:])
            done = self._handle_chunk(partition, chunk)
            start += done
            if done < len(chunk) and partition in self._paused:
                break  # rewound and paused: the rest comes again after the backoff
        self._observe_lag(partition)

    def _next_chunk(self, partition: TopicPartition, records: list[Any]) -> list[Any]:
        """All the records, or the first alone while the partition goes one by one."""
        until = self._one_by_one.get(partition)
        if until is None:
            return records
        if records[0].offset > until:
            del self._one_by_one[partition]
            return records
        return records[:1]

    def _handle_chunk(self, partition: TopicPartition, records: list[Any]) -> int:
        """Handle ``records`` (parsed up to the first that is not an event); returns how
        many are finished (handled or dead-lettered)."""
        events: list[Event] = []
        for record in records:
            try:
                events.append(from_record(record.key, record.value, record.headers))
            except InvalidEvent as exc:
                if not events:
                    return self._failed(partition, record, exc)
                break
        started = time.perf_counter()
        try:
            self._handler(events)
        except Exception as exc:
            # A transient failure (the database or broker away) is no record's fault: the
            # whole chunk waits out the backoff. Any other failure of several records is
            # narrowed down one record at a time, to find the culprit.
            if len(events) > 1 and not is_transient(exc):
                log.info("%d records failed together (%r); one at a time now", len(events), exc)
                self._one_by_one[partition] = records[len(events) - 1].offset
                return 0
            return self._failed(partition, records[0], exc, events[0].type)
        each = (time.perf_counter() - started) / len(events)
        gauge = self._gauge(partition)
        for record, event in zip(records, events, strict=False):
            HANDLER_SECONDS.labels(self._service, event.type).observe(each)
            EVENTS_CONSUMED.labels(self._service, partition.topic, event.type, "handled").inc()
            self._attempts.pop((partition, record.offset), None)
            gauge.handled()
        self._finished(partition, records[len(events) - 1].offset, len(events))
        return len(events)

    def _failed(
        self,
        partition: TopicPartition,
        record: Any,
        exc: BaseException,
        event_type: str = "invalid",
    ) -> int:
        """One record failed alone: dead-letter it (1) or pause the partition to retry it (0)."""
        key = (partition, record.offset)
        attempt = self._attempts.get(key, 0) + 1
        if is_poison(exc) or (not is_transient(exc) and attempt >= self._config.max_attempts):
            try:
                self._dead_letter(partition, record, exc)
            except DeadLetterLimitExceeded:
                raise
            except Exception as dlq_exc:
                exc = dlq_exc  # the DLQ is unreachable: keep the record and try again
            else:
                EVENTS_CONSUMED.labels(
                    self._service, partition.topic, event_type, "dead_lettered"
                ).inc()
                self._attempts.pop(key, None)
                self._finished(partition, record.offset, 1)
                return 1
        self._attempts[key] = attempt
        self._one_by_one.setdefault(partition, record.offset)
        self._retry_later(partition, record, attempt, exc)
        return 0

    def _retry_later(
        self, partition: TopicPartition, record: Any, attempt: int, exc: BaseException
    ) -> None:
        delay = self._backoff.delay(attempt, self._rng)
        log.warning(
            "handling %s[%d]@%d failed (attempt %d); partition paused, retrying in %.2fs: %r",
            partition.topic,
            partition.partition,
            record.offset,
            attempt,
            delay,
            exc,
        )
        HANDLER_RETRIES.labels(self._service, partition.topic).inc()
        self._consumer.seek(partition, record.offset)
        self._consumer.pause(partition)
        self._paused[partition] = self._clock() + delay

    def _finished(self, partition: TopicPartition, offset: int, count: int) -> None:
        self._offsets.finished(partition, offset)
        self._next_offset[partition] = offset + 1
        self._uncommitted += count

    def _gauge(self, partition: TopicPartition) -> DeadLetterGauge:
        if partition not in self._gauges:
            config = self._config
            self._gauges[partition] = DeadLetterGauge(
                config.dead_letter_limit, config.dead_letter_ratio, config.dead_letter_window
            )
        return self._gauges[partition]

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
        stop_because = self._gauge(partition).dead()
        if stop_because:
            raise DeadLetterLimitExceeded(
                f"{partition.topic}[{partition.partition}]: {stop_because}; last: {reason}"
            )

    # -- commits --------------------------------------------------------------

    def _maybe_commit(self) -> None:
        due = self._clock() - self._last_commit >= self._config.commit_interval_s
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
        self._last_commit = self._clock()
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
    """After ``subscribe``, before the first poll: wait (bounded) until the client
    knows how many partitions each topic has.

    kafka-python's coordinator keeps a snapshot of the subscribed topics' partitions
    and rejoins the group when the snapshot it assigned with differs from the
    current one. A member that joins before the metadata of its subscription has
    arrived assigns with an empty snapshot and rejoins at once when it comes; and
    if a ``poll`` times out while that second join is in flight, kafka-python 3.0.12
    never applies the assignment the join brings: the member stays in the group
    holding nothing until the next rebalance (seen on Apache Kafka: a worker that
    consumed nothing, for minutes). Fetched here, after ``subscribe``, the metadata
    reaches the coordinator's snapshot before the first join, whose assignment is
    then the last. The topics are created on purpose before any worker starts; if
    they stay unknown, the worker goes on and says so.
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
