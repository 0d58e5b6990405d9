"""What an event would send, before it happens: the message preview of the review UI.

The same path as recording (``recording.py``): the proposal as this service knows it,
the stored preferences, the channel policy, a refused WhatsApp number's SMS, the
service's own templates, and the instant-message limits; but nothing is recorded,
nothing is locked and nothing is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from services.notification.domain import SMS, Person
from services.notification.domain.messages import INSTANT, WHATSAPP, normalise_email
from services.notification.domain.recipients import RULES, messages_for
from services.notification.domain.schedule import day_start
from services.notification.usecases.recording import REMEMBER_REFUSAL, Recorder
from services.notification.usecases.work import NotificationWork
from shared.events.proposal import normalise_phone

# The events the secretariat schedules, and those the preview also knows.
PREVIEWABLE = tuple(sorted(RULES))


@dataclass(frozen=True)
class Preview:
    """One message as it would go out."""

    channel: str
    recipient: str
    recipient_name: str
    role: str
    language: str
    template: str
    subject: str
    text: str
    html: str
    # What would happen instead of sending at once: "skipped: ..." (the same text
    # within the dedupe window), "deferred to the digest: ...", "by SMS: ...".
    note: str | None


def preview_messages(
    event_type: str,
    proposal_id: str,
    data: dict[str, Any],
    recorder: Recorder,
    uow: NotificationWork,
    reviewer: dict[str, Any] | None = None,
) -> list[Preview] | None:
    """The messages ``event_type`` about ``proposal_id`` would cause now; None when the
    proposal is not known here (yet)."""
    now = recorder.clock.now()
    payload = {"decided_at": now.isoformat(), **data, "proposal_id": proposal_id}
    person = _person(reviewer) if reviewer else None
    with uow:
        proposal = uow.projection.find_proposal(proposal_id)
        if proposal is None:
            return None
        people = [*proposal.innovators, *([person] if person else [])]
        addresses = [a for p in people for a in (p.email, p.phone)]
        addresses.extend((proposal.contact_email, proposal.contact_phone))
        prefs = uow.preferences.of(addresses)
        shown = []
        for message in messages_for(
            event_type,
            payload,
            proposal=proposal,
            reviewer=person,
            prefs=prefs,
            links=recorder.links,
            sms=recorder.sms,
            whatsapp=recorder.whatsapp,
            policy=recorder.policy,
            default_instant=recorder.default_instant,
            require_basis=recorder.require_basis,
        ):
            note = message.withheld  # no lawful basis: the recorder keeps it as skipped
            if message.channel == WHATSAPP and recorder.sms:
                refused = uow.deliveries.refused_whatsapp(message.recipient, now - REMEMBER_REFUSAL)
                if refused is not None:
                    message = replace(message, channel=SMS)
                    note = "by SMS: the number is not on WhatsApp"
            content = recorder.content(message)
            if message.channel in INSTANT and not message.withheld:
                note = (
                    _limited(
                        uow, message.recipient, content.text_key, recorder, now, message.time_zone
                    )
                    or note
                )
            shown.append(
                Preview(
                    channel=message.channel,
                    recipient=message.recipient,
                    recipient_name=message.recipient_name,
                    role=message.role,
                    language=message.language,
                    template=message.template,
                    subject=content.subject,
                    text=content.text,
                    html=content.html,
                    note=note,
                )
            )
        return shown


def _limited(
    uow: NotificationWork,
    recipient: str,
    text_key: str | None,
    recorder: Recorder,
    now: datetime,
    time_zone: str,
) -> str | None:
    """What the instant-message limits would do to this message (read only)."""
    limits = recorder.limits
    if text_key and limits.dedupe_window > timedelta(0):
        repeat = uow.deliveries.repeat_of(recipient, text_key, now - limits.dedupe_window)
        if repeat is not None:
            return "skipped: the same text went to this number within the dedupe window"
    if limits.daily_cap > 0:
        today = uow.deliveries.instant_count(recipient, day_start(now, time_zone))
        if today >= limits.daily_cap:
            return f"deferred to the digest: {today} instant messages today"
    return None


def _person(reviewer: dict[str, Any]) -> Person:
    phone = reviewer.get("phone")
    return Person(
        "reviewer",
        reviewer["name"],
        normalise_email(reviewer["email"]),
        normalise_phone(phone) if phone else None,
        reviewer.get("language"),
        reviewer.get("instant_channel"),
    )
