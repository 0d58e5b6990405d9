"""The outbox relay: publishes committed outbox rows in order and marks them sent."""

from __future__ import annotations

import logging
import threading
import zlib
from datetime import UTC, datetime

from sqlalchemy import Engine, Table, func, select, update

from shared.events.producer import Publisher
from shared.events.wakeup import Waiter
from shared.platform import liveness
from shared.platform.backoff import Backoff, Retries
from shared.platform.metrics import EVENTS_PUBLISHED

log = logging.getLogger(__name__)


def outbox_lock_key(table_name: str) -> int:
    """The PostgreSQL advisory lock key of an outbox: whoever holds it publishes from it.

    Its relays take it for each batch; the backup tool (tools/backup.py) holds it to
    pause them while it copies the databases."""
    return zlib.crc32(f"inagara.outbox.{table_name}".encode())


class OutboxRelay:
    """Moves outbox rows to Kafka.

    Polls every ``idle_wait_s`` when there is nothing to send, or sooner when
    ``wakeup`` says this process wrote to the outbox.

    A row is marked sent only after the broker acknowledged it, so a crash or a
    broker outage at any point leaves it to be published again (consumers
    dedupe by event id).

    One subject's events leave in the order they were written, whatever the
    number of relays. A batch is always the oldest unsent rows (a prefix of the
    outbox in id order), so every earlier row of the same key is in the batch or
    already acknowledged; the producer keeps the order of one key (idempotent,
    acks=all). On PostgreSQL one relay at a time holds the outbox's advisory
    lock for its batch; the others find it taken and wait for the next round,
    so they never publish rows out from under each other. (``SKIP LOCKED``
    would let a second relay take the next rows of the same key and publish
    them first.) On SQLite two relays of one file may both publish a prefix:
    consumers drop the repeat, and the order of each key still holds.
    """

    def __init__(
        self,
        engine: Engine,
        outbox: Table,
        publisher: Publisher,
        *,
        batch_size: int = 500,
        idle_wait_s: float = 0.05,
        max_backoff_s: float = 5.0,
        service: str = "",
        wakeup: Waiter | None = None,
    ) -> None:
        self._service = service
        self._wakeup = wakeup or Waiter()
        self._engine = engine
        self._outbox = outbox
        self._publisher = publisher
        self._batch_size = batch_size
        self._idle_wait_s = idle_wait_s
        self._retries = Retries(Backoff(base_s=max(idle_wait_s, 0.05), max_s=max_backoff_s))
        self._locking = engine.dialect.name == "postgresql"
        # A 63-bit key of the outbox's name: one lock per outbox, shared by its relays.
        self._lock_key = outbox_lock_key(outbox.name)

    def publish_batch(self) -> int:
        """Publish up to one batch of unsent rows; returns how many were sent.

        Blocks on the database and on the broker's acknowledgements; raises
        what either raises, leaving the rows unsent.
        """
        outbox = self._outbox
        query = (
            select(
                outbox.c.id,
                outbox.c.event_type,
                outbox.c.topic,
                outbox.c.key,
                outbox.c.value,
                outbox.c.headers,
            )
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.id)
            .limit(self._batch_size)
        )
        with self._engine.begin() as conn:
            if (
                self._locking
                and not conn.execute(
                    select(func.pg_try_advisory_xact_lock(self._lock_key))
                ).scalar_one()
            ):
                return 0  # another relay is publishing; the lock ends with its transaction
            rows = conn.execute(query).all()
            if not rows:
                return 0
            for row in rows:
                headers = [(name, value.encode("utf-8")) for name, value in row.headers]
                self._publisher.publish(row.topic, row.key, row.value, headers)
            self._publisher.flush(timeout_s=30)
            conn.execute(
                update(outbox)
                .where(outbox.c.id.in_([row.id for row in rows]))
                .values(sent_at=datetime.now(UTC))
            )
        for row in rows:
            EVENTS_PUBLISHED.labels(self._service, row.topic, row.event_type).inc()
        return len(rows)

    def run(self, stop: threading.Event) -> None:
        """Publish until ``stop`` is set; a failing broker or database is retried with backoff."""
        while not stop.is_set():
            liveness.beat()
            try:
                sent = self.publish_batch()
            except Exception:
                delay = self._retries.failed()
                log.warning("outbox relay failed; retrying in %.2fs", delay, exc_info=True)
                stop.wait(delay)
                continue
            self._retries.succeeded()
            if sent < self._batch_size and not stop.is_set():
                self._wakeup.wait(self._idle_wait_s)
