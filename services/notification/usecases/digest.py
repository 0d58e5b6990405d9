"""The daily digest: agency contacts who asked for it get one email a day
carrying every message held for them since the last one; a phone number whose
instant messages went over the day's cap gets one instant message (on the
same channel) counting and naming what was held."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime, time
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from services.notification.adapters.clock import Clock, SystemClock
from services.notification.adapters.rendering import (
    render_email,
    render_sms,
    render_whatsapp,
    without_privacy_link,
)
from services.notification.domain import EMAIL, SMS, Message
from services.notification.domain.schedule import next_digest_time
from services.notification.store.deliveries import DIGEST_TEMPLATE, SOURCE, Content
from services.notification.store.tables import utc
from services.notification.usecases.work import NotificationWork, work_factory
from shared.events.envelope import Event
from shared.platform import formats

log = logging.getLogger(__name__)
DIGEST_EVENT = "notification.digest"


def find_held_recipients(uow: NotificationWork) -> list[dict[str, Any]]:
    """Every recipient with held deliveries: since when, and their zone, language, name."""
    with uow:
        return uow.deliveries.held_recipients()


def compose_digest(
    held: dict[str, Any],
    due_at: datetime,
    now: datetime,
    uow: NotificationWork,
    privacy_url: str = "",
) -> int:
    """Record one digest delivery carrying everything held for ``held["recipient"]``;
    returns 1, or 0 when nothing is held any more. Raises ``IntegrityError`` when another
    worker recorded this digest first (its id comes from the recipient and the hour)."""
    recipient, tz = str(held["recipient"]), str(held["time_zone"])
    channel = str(held.get("channel") or EMAIL)
    with uow:
        rows = uow.deliveries.held_for(recipient, channel)
        if not rows:
            return 0
        if channel != EMAIL:
            return _compose_instant(held, rows, due_at, now, uow, privacy_url)
        items = [
            {
                "subject": row["subject"],
                "proposal_id": row["proposal_id"],
                "at_local": formats.format_short_datetime(
                    utc(row["created_at"]) or now, str(held["language"]), tz
                ),
            }
            for row in rows
        ]
        message = Message(
            channel=EMAIL,
            recipient=recipient,
            recipient_name=str(held["name"]),
            template=DIGEST_TEMPLATE,
            language=str(held["language"]),
            context={"items": items},
            essential=True,  # it carries decisions as well
            time_zone=tz,
            role="agency",
        )
        rendered = render_email(message, {"privacy_url": privacy_url})
        event = Event(
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"inagara:digest:{recipient}:{due_at}")),
            type=DIGEST_EVENT,
            source=SOURCE,
            subject=recipient,
            data={},
        )
        digest_id = uow.deliveries.add(
            event,
            "",
            message,
            Content(rendered.subject, rendered.text, rendered.html),
            now=now,
            not_before=now,
        )
        uow.deliveries.carry_in_digest(digest_id, [row["id"] for row in rows])
    return 1


# The WhatsApp digest names what it carries, within the provider's parameter limit.
ITEMS_LIMIT = 900


def _compose_instant(
    held: dict[str, Any],
    rows: list[dict[str, Any]],
    due_at: datetime,
    now: datetime,
    uow: NotificationWork,
    privacy_url: str = "",
) -> int:
    """Inside ``compose_digest``'s unit of work: one instant message for the held ones."""
    recipient, channel = str(held["recipient"]), str(held["channel"])
    texts = [without_privacy_link(str(row["fallback_text"] or row["body_text"])) for row in rows]
    items = "; ".join(t.removeprefix("Inagara: ").rstrip(".") for t in texts)
    message = Message(
        channel=channel,
        recipient=recipient,
        recipient_name=str(held["name"]),
        template=DIGEST_TEMPLATE,
        language=str(held["language"]),
        context={
            "count": len(rows),
            "items": items if len(items) <= ITEMS_LIMIT else items[: ITEMS_LIMIT - 3] + "...",
        },
        essential=True,
        time_zone=str(held["time_zone"]),
        role=str(held.get("role") or "innovator"),
    )
    if channel == SMS:
        content = Content("", render_sms(message, privacy_url))
    else:
        rendered = render_whatsapp(message, privacy_url)
        content = Content(
            rendered.name,
            rendered.text,
            parameters=rendered.parameters,
            fallback_text=render_sms(message, privacy_url),
        )
    event = Event(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"inagara:digest:{recipient}:{due_at}")),
        type=DIGEST_EVENT,
        source=SOURCE,
        subject=recipient,
        data={},
    )
    digest_id = uow.deliveries.add(event, "", message, content, now=now, not_before=now)
    uow.deliveries.carry_in_digest(digest_id, [row["id"] for row in rows])
    return 1


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
        privacy_url: str = "",
    ) -> None:
        self._work = work_factory(engine)
        self._privacy_url = privacy_url
        self._digest_at = digest_at
        self._clock = clock or SystemClock()
        self._check_every_s = check_every_s

    def compose_due(self) -> int:
        """Compose every digest that is due; returns how many. Blocks on the database."""
        now = self._clock.now()
        composed = 0
        for held in find_held_recipients(self._work()):
            due_at = next_digest_time(held["since"], self._digest_at, held["time_zone"])
            if now < due_at:
                continue
            try:
                composed += compose_digest(
                    held, due_at, self._clock.now(), self._work(), self._privacy_url
                )
            except IntegrityError:
                log.info("digest for %s composed by another worker", held["recipient"])
        return composed

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.compose_due()
            except Exception:
                log.exception("composing digests failed")
            stop.wait(self._check_every_s)
