"""The daily digest: agency contacts who asked for it get one email a day
carrying every message held for them since the last one."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import time

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from services.notification.adapters.clock import Clock, SystemClock
from services.notification.adapters.rendering import render_email
from services.notification.domain import EMAIL, Message
from services.notification.domain.schedule import next_digest_time, zone
from services.notification.store import deliveries as store
from services.notification.store.tables import utc
from shared.events.envelope import Event

log = logging.getLogger(__name__)
DIGEST_EVENT = "notification.digest"


class DigestComposer:
    """Turns held deliveries into one digest delivery per recipient once their digest hour passed.

    The digest's id is derived from the recipient and the digest hour, so two
    workers composing at once record it once (the loser's insert fails).
    """

    def __init__(
        self,
        engine: Engine,
        digest_at: time,
        *,
        clock: Clock | None = None,
        check_every_s: float = 30.0,
    ) -> None:
        self._engine = engine
        self._digest_at = digest_at
        self._clock = clock or SystemClock()
        self._check_every_s = check_every_s

    def compose_due(self) -> int:
        """Compose every digest that is due; returns how many. Blocks on the database."""
        now = self._clock.now()
        composed = 0
        for held in store.held_recipients(self._engine):
            due_at = next_digest_time(held["since"], self._digest_at, held["time_zone"])
            if now < due_at:
                continue
            try:
                composed += self._compose(held, due_at)
            except IntegrityError:
                log.info("digest for %s composed by another worker", held["recipient"])
        return composed

    def _compose(self, held: dict[str, object], due_at: object) -> int:
        recipient, tz = str(held["recipient"]), str(held["time_zone"])
        now = self._clock.now()
        with self._engine.begin() as conn:
            rows = store.held_for(conn, recipient)
            if not rows:
                return 0
            items = [
                {
                    "subject": row["subject"],
                    "proposal_id": row["proposal_id"],
                    "at_local": (utc(row["created_at"]) or now)
                    .astimezone(zone(tz))
                    .strftime("%Y-%m-%d %H:%M %Z"),
                }
                for row in rows
            ]
            message = Message(
                channel=EMAIL,
                recipient=recipient,
                recipient_name=str(held["name"]),
                template=store.DIGEST_TEMPLATE,
                language=str(held["language"]),
                context={"items": items},
                essential=True,  # it carries decisions as well
                time_zone=tz,
                role="agency",
            )
            rendered = render_email(message)
            event = Event(
                id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"inagara:digest:{recipient}:{due_at}")),
                type=DIGEST_EVENT,
                source=store.SOURCE,
                subject=recipient,
                data={},
            )
            digest_id = store.add_delivery(
                conn,
                event,
                "",
                message,
                store.Content(rendered.subject, rendered.text, rendered.html),
                now=now,
                not_before=now,
            )
            store.carry_in_digest(conn, digest_id, [row["id"] for row in rows])
        return 1

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.compose_due()
            except Exception:
                log.exception("composing digests failed")
            stop.wait(self._check_every_s)
