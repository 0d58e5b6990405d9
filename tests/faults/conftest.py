"""Fixtures of the fault tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.events.catalog import ALL_TOPICS
from shared.events.topics import ensure_topics
from tests.brokers import Broker, start_broker


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[Broker]:
    """A broker for one test: one to freeze, one whose dead-letter topic holds only
    this test's records, or one to fill with thousands of events that the tests
    reading the shared topics from the beginning should not have to wade through."""
    broker = start_broker(tmp_path)  # the kind INAGARA_TEST_BROKER selects
    try:
        ensure_topics(broker.bootstrap_servers, ALL_TOPICS)
        yield broker
    finally:
        broker.stop()
