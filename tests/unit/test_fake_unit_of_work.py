"""The fake unit of work that use-case tests stand on."""

from __future__ import annotations

import pytest

from shared.events.envelope import Event
from shared.events.unit_of_work import FakeUnitOfWork


def test_the_fake_publishes_only_what_a_clean_exit_raised() -> None:
    work = FakeUnitOfWork()
    made = Event.first("thing.made", "/things", "t-1", {})
    with work:
        work.emit("inagara.things", made)
    with pytest.raises(ValueError), work:
        work.emit("inagara.things", Event.first("thing.made", "/things", "t-2", {}))
        raise ValueError("refused")

    assert work.published == [("inagara.things", made)]
    assert (work.committed, work.rolled_back) == (1, 1)


def test_the_fake_refuses_to_be_opened_twice() -> None:
    work = FakeUnitOfWork()
    with work, pytest.raises(RuntimeError, match="already open"), work:
        pass
