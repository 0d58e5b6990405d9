"""Which offsets a consumer may commit: the next one after each record it finished."""

from __future__ import annotations

from collections.abc import Iterable

from kafka.structs import OffsetAndMetadata, TopicPartition


class OffsetTracker:
    """Remembers the highest finished offset per partition until it is committed."""

    def __init__(self) -> None:
        self._done: dict[TopicPartition, int] = {}

    def finished(self, partition: TopicPartition, offset: int) -> None:
        self._done[partition] = offset

    def pending(self) -> int:
        return len(self._done)

    def take(
        self, partitions: Iterable[TopicPartition] | None = None
    ) -> dict[TopicPartition, OffsetAndMetadata]:
        """The commit request for ``partitions`` (all when None); forgets them."""
        chosen = (
            list(self._done) if partitions is None else [p for p in partitions if p in self._done]
        )
        return {p: OffsetAndMetadata(self._done.pop(p) + 1, "", -1) for p in chosen}

    def restore(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        """Put back offsets whose commit failed, unless newer ones were finished since."""
        for partition, meta in offsets.items():
            self._done.setdefault(partition, meta.offset - 1)

    def forget(self, partitions: Iterable[TopicPartition]) -> None:
        for partition in partitions:
            self._done.pop(partition, None)
