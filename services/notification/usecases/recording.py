"""One function per consumed event type; each runs inside the inbox transaction.

Handlers only record deliveries (rendered, with their schedule); the
dispatchers send them, so a slow SMTP server or gateway never holds up the
poll loop.

Proposal events and review events travel on two topics, so a review event
can arrive before the proposal it is about. Such an event is parked in the
database (inside the same inbox transaction) and replayed when the proposal
arrives: retrying it instead would stall every later event of its partition
for as long as the proposal takes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Connection

from services.notification.adapters.clock import Clock, SystemClock
from services.notification.adapters.rendering import render_email, render_sms
from services.notification.domain import SMS, Person, tokens
from services.notification.domain.messages import REVIEWER, Message, normalise_email
from services.notification.domain.recipients import (
    ASSIGNED,
    NEEDS_PROPOSAL,
    REMINDER_DUE,
    RESUBMITTED,
    REVIEW_SUBMITTED,
    SUBMITTED,
    Links,
    Proposal,
    messages_for,
)
from services.notification.domain.schedule import QuietHours, may_send_from
from services.notification.store import deliveries, projection
from shared.events.catalog import CATALOG
from shared.events.envelope import Event
from shared.events.proposal import normalise_phone

log = logging.getLogger(__name__)

Handler = Callable[[Connection, Event], None]


@dataclass(frozen=True)
class Recorder:
    """What recording a delivery needs beyond the event."""

    links: Links = field(default_factory=Links)
    sms: bool = False  # an SMS gateway is configured
    unsubscribe_url: str = "http://127.0.0.1:8003/unsubscribe"
    secret: str = "inagara-local"
    quiet_hours: QuietHours | None = None
    clock: Clock = field(default_factory=SystemClock)

    def content(self, message: Message) -> deliveries.Content:
        if message.channel == SMS:
            return deliveries.Content(subject="", text=render_sms(message))
        link = None
        if not message.essential:
            link = f"{self.unsubscribe_url}?token={tokens.sign(self.secret, message.recipient)}"
        rendered = render_email(message, {"unsubscribe_url": link or ""})
        return deliveries.Content(rendered.subject, rendered.text, rendered.html, link)


def _payload(event: Event) -> dict[str, Any]:
    """The validated payload, as JSON types; raises ``ValidationError`` (poison)."""
    schema = CATALOG[event.dataschema].validator
    loaded: dict[str, Any] = schema.dump(schema.load(event.data))
    return loaded


def _phone(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return normalise_phone(raw)
    except ValidationError:
        log.warning("ignoring an unusable phone number in an event")
        return None


def _reviewer(payload: dict[str, Any]) -> Person:
    r = payload["reviewer"]
    return Person(
        REVIEWER, r["name"], normalise_email(r["email"]), _phone(r.get("phone")), r.get("language")
    )


def _record(
    conn: Connection,
    event: Event,
    payload: dict[str, Any],
    recorder: Recorder,
    proposal: Proposal | None,
    reviewer: Person | None = None,
) -> None:
    people = [*(proposal.innovators if proposal else ()), *([reviewer] if reviewer else [])]
    addresses = [a for p in people for a in (p.email, p.phone)]
    if proposal:
        addresses.append(proposal.contact_email)
    prefs = projection.preferences_of(conn, addresses)
    now = recorder.clock.now()
    for message in messages_for(
        event.type,
        payload,
        proposal=proposal,
        reviewer=reviewer,
        prefs=prefs,
        links=recorder.links,
        sms=recorder.sms,
    ):
        not_before = may_send_from(message.channel, now, message.time_zone, recorder.quiet_hours)
        deliveries.add_delivery(
            conn,
            event,
            payload["proposal_id"],
            message,
            recorder.content(message),
            now=now,
            not_before=not_before,
        )


def handle(conn: Connection, event: Event, recorder: Recorder) -> None:
    """Record what ``event`` should send; park it if its proposal is not known yet."""
    payload = _payload(event)
    proposal_id = payload["proposal_id"]
    if event.type in (SUBMITTED, RESUBMITTED):
        submitted = Proposal.from_submitted(payload)
        projection.save_proposal(conn, submitted)
        _record(conn, event, payload, recorder, submitted)
        for parked in projection.take_parked(conn, proposal_id):
            handle(conn, parked, recorder)
        return
    proposal = projection.find_proposal(conn, proposal_id)
    if event.type in NEEDS_PROPOSAL and proposal is None:
        log.info("parking %s %s until proposal %s arrives", event.type, event.id, proposal_id)
        projection.park(conn, event, proposal_id)
        return
    reviewer = None
    if event.type in (ASSIGNED, REMINDER_DUE):
        reviewer = _reviewer(payload)
        if event.type == ASSIGNED:
            projection.save_assignment(conn, payload["assignment_id"], proposal_id, reviewer)
    elif event.type == REVIEW_SUBMITTED:
        reviewer = projection.find_reviewer(conn, payload["assignment_id"])
        if reviewer is None:
            log.warning("no assignment %s known; no receipt sent", payload["assignment_id"])
            return
    _record(conn, event, payload, recorder, proposal, reviewer)
