"""The review worker's database unreachable for a while: the worker backs off
without dead-lettering valid events, then catches up with nothing lost.

How the database is cut, honestly on each backend:

- PostgreSQL: ``ALTER DATABASE … ALLOW_CONNECTIONS false`` and its backends
  terminated: the worker's connections die and no new one is let in, exactly
  what a failed-over or restarting server looks like to it.
- SQLite (a file, no server to stop; and CI runs as root, so ``chmod 000``
  would stop nothing): another process holds the write lock in an exclusive
  transaction, as a stuck backup or migration would. The worker's writes wait
  out ``busy_timeout`` and fail with "database is locked", the same
  ``OperationalError`` an unreachable server raises.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from deploy.local.stack import Stack
from shared.events.catalog import PROPOSALS
from shared.events.envelope import to_record
from shared.platform.db import make_engine, normalise_url
from tests.faults.support import (
    dead_letters_for,
    eventually,
    produce,
    review_status_of,
    review_worker_only,
    submitted_events,
)

pytestmark = [pytest.mark.e2e, pytest.mark.both_databases]
EVENTS = 40
OUTAGE_S = 12  # more than SQLite's busy_timeout (10 s): at least two failed attempts


@contextlib.contextmanager
def unreachable(database_url: str) -> Iterator[None]:
    """The database cut off from the worker inside the block."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() == "sqlite":
        engine = make_engine(database_url)
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN EXCLUSIVE")
            try:
                yield
            finally:
                conn.exec_driver_sql("ROLLBACK")
        engine.dispose()
        return
    name = url.database
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        try:
            yield
        finally:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    server.dispose()


@pytest.fixture
def review_database(database_factory: Callable[[], str]) -> str:
    return database_factory()


@pytest.fixture
def stack(kafka_bootstrap: str, tmp_path: Path, review_database: str) -> Iterator[Stack]:
    stack = review_worker_only(tmp_path, kafka_bootstrap, review_database)
    yield stack
    stack.stop()


def retries_logged(stack: Stack) -> int:
    log = (stack.config.var_dir / "log" / "review-worker.log").read_text()
    return log.count("retrying in")


def test_the_worker_backs_off_while_its_database_is_away_and_loses_nothing(
    stack: Stack, kafka_bootstrap: str, review_database: str
) -> None:
    events = submitted_events(EVENTS)
    ids = [e.subject for e in events]
    produce(kafka_bootstrap, PROPOSALS, [to_record(e) for e in events[: EVENTS // 2]])
    eventually(
        lambda: len(review_status_of(stack, ids)) == EVENTS // 2, 60, "the first half handled"
    )
    with unreachable(review_database):
        cut = time.monotonic()
        produce(kafka_bootstrap, PROPOSALS, [to_record(e) for e in events[EVENTS // 2 :]])
        eventually(lambda: retries_logged(stack) >= 2, 40, "the worker retrying")
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - cut)))  # the outage itself
        assert not stack.failed(), "the worker must wait for its database, not die"
    eventually(lambda: len(review_status_of(stack, ids)) == EVENTS, 60, "the second half")
    print(f"\n{retries_logged(stack)} retries logged during a {OUTAGE_S}s outage")
    assert dead_letters_for(kafka_bootstrap, {i.encode() for i in ids}) == [], (
        "valid events must not be dead-lettered"
    )
    assert not stack.failed()
