"""The outbox relay: publishes committed outbox rows in order and marks them sent."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from sqlalchemy import Engine, Table, select, update

from shared.events.producer import Publisher
from shared.events.wakeup import Waiter
from shared.platform.backoff import Backoff, Retries
from shared.platform.metrics import EVENTS_PUBLISHED

log = logging.getLogger(__name__)


class OutboxRelay:
    """Moves outbox rows to Kafka.

    Polls every ``idle_wait_s`` when there is nothing to send, or sooner when
    ``wakeup`` says this process wrote to the outbox.

    A row is marked sent only after the broker acknowledged it, so a crash or a
    broker outage at any point leaves it to be published again (consumers
    dedupe by event id). On PostgreSQL, rows are locked with ``SKIP LOCKED`` so
    several relays share the work without publishing a row twice.
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
        if self._locking:
            query = query.with_for_update(skip_locked=True)
        with self._engine.begin() as conn:
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
