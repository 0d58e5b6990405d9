"""Fixtures of the fault tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.local.tansu import LocalBroker
from shared.events.catalog import ALL_TOPICS
from shared.events.topics import ensure_topics


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[LocalBroker]:
    """A broker for one test: one to freeze, one whose dead-letter topic holds only
    this test's records, or one to fill with thousands of events that the tests
    reading the shared topics from the beginning should not have to wade through."""
    with LocalBroker(log_path=tmp_path / "broker.log") as broker:
        ensure_topics(broker.bootstrap_servers, ALL_TOPICS)
        yield broker
