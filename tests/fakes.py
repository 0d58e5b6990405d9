"""Hand-written fakes shared by the unit tests (STYLE 4: ports with a real and a fake).

``MemoryPublisher`` and ``MemoryMailer`` live next to their real adapters; this
module holds the fakes of third-party objects the code talks to directly.
"""

from __future__ import annotations

import asyncio
import inspect
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kafka.errors import CommitFailedError
from kafka.structs import OffsetAndMetadata, TopicPartition

from shared.events.envelope import Headers, Record


@dataclass(frozen=True)
class FakeRecord:
    """The attributes of kafka-python's ``ConsumerRecord`` that the code reads."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers = field(default_factory=list)


class FakeKafkaConsumer:
    """An in-memory stand-in for what ``EventConsumer`` calls on a ``KafkaConsumer``.

    Every partition of a subscribed topic is assigned to this consumer. ``poll``
    returns the records after each partition's position and moves it past them;
    ``seek`` moves it back, so a rewound record comes again on the next poll, as
    with the real client. Commits are recorded in ``commits`` and ``committed``.

    ``stop_when_drained`` is set by a poll that finds nothing new, so a test can
    run the loop until everything appended has been consumed.
    """

    def __init__(
        self,
        *,
        max_poll_records: int = 500,
        stop_when_drained: threading.Event | None = None,
    ) -> None:
        self.max_poll_records = max_poll_records
        self.stop_when_drained = stop_when_drained
        self.subscription: list[str] = []
        self.listener: Any = None
        self.commits: list[dict[TopicPartition, OffsetAndMetadata]] = []
        self.committed: dict[TopicPartition, int] = {}
        self.seeks: list[tuple[TopicPartition, int]] = []
        self.fail_commits = 0
        self.closed_with_autocommit: bool | None = None
        self._logs: dict[TopicPartition, list[FakeRecord]] = {}
        self._positions: dict[TopicPartition, int] = {}
        self._paused: set[TopicPartition] = set()

    # -- test set-up ----------------------------------------------------------

    def append(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Iterable[tuple[str, bytes]] = (),
        partition: int = 0,
    ) -> FakeRecord:
        tp = TopicPartition(topic, partition)
        log = self._logs.setdefault(tp, [])
        record = FakeRecord(topic, partition, len(log), key, value, list(headers))
        log.append(record)
        return record

    def append_record(self, topic: str, record: Record, partition: int = 0) -> FakeRecord:
        return self.append(topic, record.key, record.value, record.headers, partition)

    def revoke(self, partitions: list[TopicPartition]) -> None:
        """What the group coordinator does in a rebalance: tell the listener first.

        Like kafka-python 3's coordinator, an ``async def`` listener is awaited.
        """
        callback = self.listener.on_partitions_revoked
        if inspect.iscoroutinefunction(callback):
            asyncio.run(callback(set(partitions)))
        else:
            callback(set(partitions))

    def rebalance(self, revoked: list[TopicPartition], assigned: list[TopicPartition]) -> None:
        """A whole rebalance: the listener hears of the revocation, then the assignment.

        As kafka-python 3 does, a partition assigned back keeps its state (position,
        pause); one not assigned back loses it."""
        self.revoke(revoked)
        for tp in set(revoked) - set(assigned):
            self._paused.discard(tp)
        callback = self.listener.on_partitions_assigned
        if inspect.iscoroutinefunction(callback):
            asyncio.run(callback(set(assigned)))
        else:
            callback(set(assigned))

    # -- what KafkaConsumer offers ----------------------------------------------

    def subscribe(self, topics: list[str], listener: Any = None) -> None:
        self.subscription = list(topics)
        self.listener = listener

    def assignment(self) -> set[TopicPartition]:
        return {tp for tp in self._logs if tp.topic in self.subscription}

    def poll(
        self, timeout_ms: int = 0, max_records: int | None = None
    ) -> dict[TopicPartition, list[FakeRecord]]:
        if self.closed_with_autocommit is not None:
            raise AssertionError("poll after close")
        limit = max_records or self.max_poll_records
        batch: dict[TopicPartition, list[FakeRecord]] = {}
        for tp in sorted(self.assignment() - self._paused):
            position = self._positions.get(tp, self.committed.get(tp, 0))
            records = self._logs[tp][position : position + limit]
            if records:
                batch[tp] = records
                self._positions[tp] = position + len(records)
        if not batch and not self._paused and self.stop_when_drained is not None:
            self.stop_when_drained.set()
        return batch

    def pause(self, *partitions: TopicPartition) -> None:
        self._paused.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self._paused.difference_update(partitions)

    def paused(self) -> set[TopicPartition]:
        return set(self._paused)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.seeks.append((partition, offset))
        self._positions[partition] = offset

    def highwater(self, partition: TopicPartition) -> int | None:
        """The offset after the last record on ``partition``, as kafka-python reports it."""
        log = self._logs.get(partition)
        return len(log) if log is not None else None

    def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata] | None = None) -> None:
        if offsets is None:
            raise AssertionError("EventConsumer must commit explicit offsets")
        if self.fail_commits:
            self.fail_commits -= 1
            raise CommitFailedError("rebalance in progress (simulated)")
        self.commits.append(dict(offsets))
        for tp, meta in offsets.items():
            self.committed[tp] = meta.offset

    def commit_async(
        self,
        offsets: dict[TopicPartition, OffsetAndMetadata] | None = None,
        callback: Any = None,
    ) -> None:
        """Applied at once; a failure goes to ``callback``, never raised, as in kafka-python."""
        try:
            self.commit(offsets)
        except CommitFailedError as exc:
            if callback is not None:
                callback(offsets, exc)

    def close(self, autocommit: bool = True) -> None:
        self.closed_with_autocommit = autocommit


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class UpperBoundRandom(random.Random):
    """An rng whose ``uniform`` always returns the upper bound: jitter made predictable."""

    def uniform(self, a: float, b: float) -> float:
        return b
