"""What the pipeline status page shows, and the lag arithmetic behind it (pure)."""

from __future__ import annotations

from dataclasses import dataclass


class BrokerUnreachable(RuntimeError):
    """The broker did not answer within the time allowed (raised by the probes)."""


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    committed: int | None  # None: the group never committed here (it starts from the earliest)
    end: int
    lag: int


@dataclass(frozen=True)
class GroupLag:
    group: str
    topics: tuple[str, ...]
    partitions: tuple[PartitionLag, ...] = ()
    error: str = ""  # set when the broker could not be asked

    @property
    def total(self) -> int:
        return sum(p.lag for p in self.partitions)


@dataclass(frozen=True)
class OutboxState:
    service: str
    source: str  # the /metrics URL read, or "database" for the review service's own
    backlog: int | None = None
    oldest_unsent_age_s: float | None = None
    error: str = ""  # set when the service did not answer


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: str
    reason: str
    error_type: str
    origin_topic: str
    origin_partition: str
    origin_offset: str
    consumer_group: str


@dataclass(frozen=True)
class DeadLetterTail:
    topic: str
    letters: tuple[DeadLetter, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class StageCount:
    cycle_id: str | None  # None: proposals not (yet) in a cycle
    status: str
    count: int


@dataclass(frozen=True)
class PipelineStatus:
    stages: tuple[StageCount, ...]
    groups: tuple[GroupLag, ...]
    outboxes: tuple[OutboxState, ...]
    dead_letters: tuple[DeadLetterTail, ...]
    broker_error: str = ""
    checked_in_s: float = 0.0

    @property
    def totals_by_status(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for stage in self.stages:
            totals[stage.status] = totals.get(stage.status, 0) + stage.count
        return totals


def partition_lag(
    topic: str, partition: int, committed: int | None, beginning: int, end: int
) -> PartitionLag:
    """Records on the partition the group has not finished.

    A group with no commit starts from the earliest record (the consumers'
    ``auto_offset_reset``). Never negative: a broker may report an end offset
    behind what the group already committed (the local broker's ListOffsets
    answers the last batch's base offset plus one).
    """
    start = beginning if committed is None or committed < 0 else committed
    return PartitionLag(topic, partition, committed, end, max(0, end - start))


def tail(letters: list[DeadLetter], count: int) -> tuple[DeadLetter, ...]:
    """The ``count`` newest dead letters of a topic, newest first."""
    ordered = sorted(letters, key=lambda d: (d.timestamp_ms, d.partition, d.offset), reverse=True)
    return tuple(ordered[:count])
