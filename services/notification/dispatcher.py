"""Sends recorded deliveries, one SMTP connection per burst, and records each outcome."""

from __future__ import annotations

import logging
import random
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from services.notification import domain, store
from services.notification.mailer import (
    Mailer,
    MailSession,
    PermanentSendError,
    TransientSendError,
    compose,
)
from services.notification.rendering import RenderedEmail

log = logging.getLogger(__name__)


class Dispatcher:
    """Claims due deliveries, sends them, and marks them sent, retried or failed.

    Exactly one send per delivery unless a send failed: the claim is committed
    before the send and the outcome right after it. Only a crash between the
    server's acceptance and that commit can repeat a message, after the lease.
    """

    def __init__(
        self,
        engine: Engine,
        mailer: Mailer,
        sender: str,
        *,
        batch_size: int = 100,
        idle_wait_s: float = 0.05,
        lease: timedelta = timedelta(seconds=60),
        max_attempts: int = 8,
        rng: random.Random | None = None,
    ) -> None:
        self._engine = engine
        self._mailer = mailer
        self._sender = sender
        self._batch_size = batch_size
        self._idle_wait_s = idle_wait_s
        self._lease = lease
        self._max_attempts = max_attempts
        self._rng = rng or random.Random()

    def send_due(self) -> int:
        """Send up to one batch of due deliveries; returns how many were sent.

        Blocks on the database and the SMTP server; raises ``TransientSendError``
        when the server cannot be reached (the deliveries stay due).
        """
        with self._engine.connect() as conn:
            ids = store.due_ids(conn, datetime.now(UTC), self._lease, self._batch_size)
        if not ids:
            return 0
        sent = 0
        with self._mailer.session() as session:
            for delivery_id in ids:
                sent += self._send_one(session, delivery_id)
        return sent

    def _send_one(self, session: MailSession, delivery_id: str) -> int:
        delivery = store.claim(self._engine, delivery_id, datetime.now(UTC), self._lease)
        if delivery is None:
            return 0  # another sender has it
        message = compose(
            RenderedEmail(delivery["subject"], delivery["body_text"], delivery["body_html"]),
            self._sender,
            delivery["recipient"],
            delivery["recipient_name"],
            f"<{delivery_id}@inagara.local>",
        )
        try:
            session.send(message)
        except PermanentSendError as exc:
            store.mark_failed(self._engine, delivery_id, str(exc))
            return 0
        except TransientSendError as exc:
            self._retry_or_fail(delivery_id, delivery["attempts"], str(exc))
            if exc.connection_lost:
                raise
            return 0
        store.mark_sent(self._engine, delivery_id, datetime.now(UTC))
        return 1

    def _retry_or_fail(self, delivery_id: str, attempts: int, error: str) -> None:
        if attempts >= self._max_attempts:
            store.mark_failed(self._engine, delivery_id, error)
        else:
            delay = domain.retry_delay(attempts, self._rng)
            store.mark_retry(self._engine, delivery_id, error, datetime.now(UTC) + delay)

    def run(self, stop: threading.Event) -> None:
        """Send until ``stop`` is set; an unreachable server is retried with backoff."""
        backoff = 0.5
        while not stop.is_set():
            try:
                sent = self.send_due()
            except TransientSendError as exc:
                log.warning("mail server unavailable (%s); retrying in %.1fs", exc, backoff)
                stop.wait(self._rng.uniform(backoff / 2, backoff))
                backoff = min(backoff * 2, 30.0)
                continue
            except Exception:
                log.exception("dispatching deliveries failed")
                stop.wait(1.0)
                continue
            backoff = 0.5
            if sent < self._batch_size:
                stop.wait(self._idle_wait_s)
