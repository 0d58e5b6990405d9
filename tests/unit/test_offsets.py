"""The offset tracker: what a consumer may commit."""

from __future__ import annotations

from kafka.structs import OffsetAndMetadata, TopicPartition

from shared.events.offsets import OffsetTracker

P0 = TopicPartition("inagara.proposals", 0)
P1 = TopicPartition("inagara.proposals", 1)
P2 = TopicPartition("inagara.reviews", 0)


def test_take_commits_the_offset_after_the_last_finished_record() -> None:
    tracker = OffsetTracker()
    tracker.finished(P0, 4)
    tracker.finished(P0, 5)

    offsets = tracker.take()

    assert offsets == {P0: OffsetAndMetadata(6, "", -1)}


def test_take_gives_only_the_chosen_partitions_and_forgets_them() -> None:
    tracker = OffsetTracker()
    tracker.finished(P0, 1)
    tracker.finished(P1, 7)
    tracker.finished(P2, 3)

    chosen = tracker.take([P1, P2])

    assert {tp: meta.offset for tp, meta in chosen.items()} == {P1: 8, P2: 4}
    assert tracker.pending() == 1
    assert tracker.take() == {P0: OffsetAndMetadata(2, "", -1)}
    assert tracker.take() == {}
    assert tracker.pending() == 0


def test_take_ignores_partitions_with_nothing_finished() -> None:
    tracker = OffsetTracker()
    tracker.finished(P0, 1)

    assert tracker.take([P1]) == {}
    assert tracker.pending() == 1


def test_restore_puts_a_failed_commit_back() -> None:
    tracker = OffsetTracker()
    tracker.finished(P0, 9)
    offsets = tracker.take()

    tracker.restore(offsets)

    assert tracker.take() == {P0: OffsetAndMetadata(10, "", -1)}


def test_restore_does_not_overwrite_newer_progress() -> None:
    tracker = OffsetTracker()
    tracker.finished(P0, 9)
    tracker.finished(P1, 2)
    failed = tracker.take()
    tracker.finished(P0, 12)

    tracker.restore(failed)

    offsets = tracker.take()
    assert offsets[P0].offset == 13
    assert offsets[P1].offset == 3


def test_forget_drops_partitions() -> None:
    tracker = OffsetTracker()
    tracker.finished(P0, 1)
    tracker.finished(P1, 1)

    tracker.forget([P0, P2])

    assert list(tracker.take()) == [P1]
