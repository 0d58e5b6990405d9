"""Cycles remembered by a web process: how long, and what makes it read again."""

from __future__ import annotations

from datetime import UTC, datetime

from services.submission.domain.window import Cycle
from services.submission.store.cycle_records import RecentCycles

CYCLE = Cycle("2026", "2026", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))


class Reads:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> list[Cycle]:
        self.count += 1
        return [CYCLE]


def test_cycles_are_read_once_within_the_bound_and_again_after_it() -> None:
    clock = [100.0]
    recent, reads = RecentCycles(2.0, clock=lambda: clock[0]), Reads()
    assert recent.known(reads) == [CYCLE]
    clock[0] += 1.9
    assert recent.known(reads) == [CYCLE] and reads.count == 1
    clock[0] += 0.2
    recent.known(reads)
    assert reads.count == 2


def test_a_fresh_read_and_a_change_in_this_process_are_read_at_once() -> None:
    recent, reads = RecentCycles(60.0), Reads()
    recent.known(reads)
    recent.known(reads, fresh=True)
    assert reads.count == 2
    RecentCycles.changed()
    recent.known(reads)
    assert reads.count == 3
