"""Recording the deliveries an event causes: the use case of every consumed event.

It runs inside the inbox transaction (``consumers.py`` joins it). It only records deliveries (rendered, with their schedule); the
dispatchers send them, so a slow SMTP server or gateway never holds up the
poll loop.

Proposal events and review events travel on two topics, so a review event
can arrive before the proposal it is about. Such an event is parked in the
database (inside the same inbox transaction) and replayed when the proposal
arrives: retrying it instead would stall every later event of its partition
for as long as the proposal takes.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from marshmallow import ValidationError

from services.notification.adapters.clock import Clock, SystemClock
from services.notification.adapters.rendering import (
    render_email,
    render_sms,
    render_whatsapp,
    without_privacy_link,
)
from services.notification.adapters.subject_keys import HttpSubjectKeys, SubjectKeys
from services.notification.config import (
    NotificationConfig,
    NotificationSettings,
    unsubscribe_secret,
)
from services.notification.domain import SMS, Person, tokens
from services.notification.domain.messages import (
    INSTANT,
    OBJECTOR,
    REVIEWER,
    WHATSAPP,
    Message,
    normalise_email,
)
from services.notification.domain.policy import ChannelPolicy, InstantLimits
from services.notification.domain.recipients import (
    APPOINTMENTS,
    ASSIGNED,
    NEEDS_PROPOSAL,
    OBJECTION_EVENTS,
    REMINDER_DUE,
    RESUBMITTED,
    REVIEW_SUBMITTED,
    SUBMITTED,
    Links,
    Proposal,
    messages_for,
)
from services.notification.domain.schedule import QuietHours, day_start, earliest_send
from services.notification.store.deliveries import Content
from services.notification.usecases.webhooks import record_webhooks
from services.notification.usecases.work import NotificationWork
from shared.events import sealing
from shared.events.catalog import CATALOG
from shared.events.envelope import Event
from shared.events.proposal import normalise_phone
from shared.platform.metrics import SKIPPED_SUBJECTS
from shared.platform.privacy_notice import notice_url

log = logging.getLogger(__name__)
# A number the WhatsApp API said is not on WhatsApp gets SMS directly for this long
# (then WhatsApp is tried again: people install it).
REMEMBER_REFUSAL = timedelta(days=30)


@dataclass(frozen=True)
class Recorder:
    """What recording a delivery needs beyond the event."""

    links: Links = field(default_factory=Links)
    sms: bool = False  # an SMS gateway is configured
    whatsapp: bool = False  # the WhatsApp API is configured
    default_instant: str = WHATSAPP  # for whoever did not say which they prefer
    policy: ChannelPolicy = field(default_factory=ChannelPolicy)
    limits: InstantLimits = field(default_factory=InstantLimits)
    unsubscribe_url: str = "http://127.0.0.1:8003/unsubscribe"
    # The privacy notice every message links to (the notification service's /privasi):
    # the footer of an email, the end of an SMS, a parameter of a WhatsApp template.
    privacy_url: str = notice_url("http://127.0.0.1:8003")
    secret: str = "inagara-local"
    quiet_hours: QuietHours | None = None
    clock: Clock = field(default_factory=SystemClock)
    # Where a v2 event's sealed innovators are opened (None: they are all left out).
    keys: SubjectKeys | None = None
    # Where an objection event's sealed objector is opened: the review service, which owns
    # objectors (None: objectors get nothing).
    objector_keys: SubjectKeys | None = None
    # SMS and WhatsApp to an innovator only with a recorded lawful basis
    # (INSTANT_REQUIRE_BASIS; docs/PRIVACY.md: Consent).
    require_basis: bool = False

    def content(self, message: Message) -> Content:
        if message.channel in INSTANT:
            sms_text = render_sms(message, self.privacy_url)
            # Without the link: a repeat is the same news, whichever link it ended with.
            key = text_key(without_privacy_link(sms_text))
            if message.channel == SMS:
                return Content(subject="", text=sms_text, text_key=key)
            whatsapp = render_whatsapp(message, self.privacy_url)
            return Content(
                subject=whatsapp.name,
                text=whatsapp.text,
                parameters=whatsapp.parameters,
                fallback_text=sms_text,
                text_key=key,
            )
        link = None
        if not message.essential:
            link = f"{self.unsubscribe_url}?token={tokens.sign(self.secret, message.recipient)}"
        rendered = render_email(
            message, {"unsubscribe_url": link or "", "privacy_url": self.privacy_url}
        )
        return Content(rendered.subject, rendered.text, rendered.html, link)


def text_key(text: str) -> str:
    """What recognises a repeated instant message: its SMS text, case and spacing aside."""
    return hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest()


def _payload(event: Event) -> dict[str, Any]:
    """The validated payload, as JSON types; raises ``ValidationError`` (poison)."""
    schema = CATALOG[event.dataschema].validator
    loaded: dict[str, Any] = schema.dump(schema.load(event.data))
    return loaded


def _opened(payload: dict[str, Any], keys: SubjectKeys | None, event: Event) -> dict[str, Any]:
    """The payload with its sealed innovators (v2) opened; an erased one is left out.

    A person whose key is gone gets no message from this event, and the event is not a
    failure: it is handled, and the log says why (by subject id, never by who they were).
    """
    innovators = payload["profile"]["innovators"]
    if not any("sealed" in i for i in innovators):
        return payload
    opened = []
    for innovator in innovators:
        subject = innovator["subject"]
        key = keys.key(subject) if keys else None
        try:
            if key is None:
                raise sealing.Shredded(subject)
            fields = sealing.unseal(key, subject, innovator["sealed"])
        except (sealing.Shredded, sealing.Unreadable) as exc:
            log.info(
                "event %s: innovator %s is unreadable (%s): no message to them",
                event.id,
                subject,
                "erased" if isinstance(exc, sealing.Shredded) else "wrong key",
            )
            SKIPPED_SUBJECTS.labels(reason="erased" if key is None else "unreadable").inc()
            continue
        fields["subject"] = subject
        for outside in ("instant_channel", "instant_consent_at"):  # not sealed: name nobody
            if innovator.get(outside):
                fields[outside] = innovator[outside]
        opened.append(fields)
    return {**payload, "profile": {**payload["profile"], "innovators": opened}}


def _phone(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return normalise_phone(raw)
    except ValidationError:
        log.warning("ignoring an unusable phone number in an event")
        return None


def _objector(payload: dict[str, Any], keys: SubjectKeys | None, event: Event) -> Person | None:
    """The objector an ``objection.*`` event names, opened with their key; None (and the
    log says why, by subject id) when the key is gone: they were erased."""
    sealed = payload["objector"]
    subject = sealed["subject"]
    key = keys.key(subject) if keys else None
    try:
        if key is None:
            raise sealing.Shredded(subject)
        fields = sealing.unseal(key, subject, sealed["sealed"])
    except (sealing.Shredded, sealing.Unreadable) as exc:
        log.info(
            "event %s: objector %s is unreadable (%s): no message to them",
            event.id,
            subject,
            "erased" if isinstance(exc, sealing.Shredded) else "wrong key",
        )
        SKIPPED_SUBJECTS.labels(reason="erased" if key is None else "unreadable").inc()
        return None
    return Person(
        OBJECTOR,
        fields["name"],
        normalise_email(fields["email"]),
        None,
        sealed.get("language"),
        subject=subject,
    )


def _reviewer(payload: dict[str, Any]) -> Person:
    r = payload["reviewer"]
    return Person(
        REVIEWER,
        r["name"],
        normalise_email(r["email"]),
        _phone(r.get("phone")),
        r.get("language"),
        r.get("instant_channel"),
    )


def _record(
    uow: NotificationWork,
    event: Event,
    payload: dict[str, Any],
    recorder: Recorder,
    proposal: Proposal | None,
    reviewer: Person | None = None,
    panel: list[Person] | None = None,
) -> None:
    panel = panel or []
    people = [
        *(proposal.innovators if proposal else ()),
        *([reviewer] if reviewer else []),
        *panel,
    ]
    addresses = [a for p in people for a in (p.email, p.phone)]
    if proposal:
        addresses.extend((proposal.contact_email, proposal.contact_phone))
    prefs = uow.preferences.of(addresses)
    now = recorder.clock.now()
    for message in messages_for(
        event.type,
        payload,
        proposal=proposal,
        reviewer=reviewer,
        panel=panel,
        prefs=prefs,
        links=recorder.links,
        sms=recorder.sms,
        whatsapp=recorder.whatsapp,
        policy=recorder.policy,
        default_instant=recorder.default_instant,
        require_basis=recorder.require_basis,
    ):
        skipped, note = bool(message.withheld), message.withheld
        if message.channel == WHATSAPP and recorder.sms:
            refused = uow.deliveries.refused_whatsapp(message.recipient, now - REMEMBER_REFUSAL)
            if refused is not None:
                message = replace(message, channel=SMS)
                note = f"by SMS: the number is not on WhatsApp (delivery {refused})"
        content = recorder.content(message)
        if message.channel in INSTANT and not skipped:
            message, skipped, limited = _limit(uow, message, content, recorder.limits, now)
            note = limited or note
        uow.deliveries.add(
            event,
            payload["proposal_id"],
            message,
            content,
            now=now,
            not_before=earliest_send(message.channel, now, message.time_zone, recorder.quiet_hours),
            skipped=skipped,
            note=note,
        )


def _limit(
    uow: NotificationWork, message: Message, content: Content, limits: InstantLimits, now: datetime
) -> tuple[Message, bool, str | None]:
    """An instant message as the limits let it go: (the message, skipped?, why).

    A text the number got within the dedupe window is skipped; past the day's cap
    the message is held for the next digest. The number's row is locked first, so
    two events for one number recorded at once are decided one after the other.
    """
    uow.deliveries.lock_recipient(message.recipient, now)
    assert content.text_key is not None
    repeat = None
    if limits.dedupe_window > timedelta(0):
        since = now - limits.dedupe_window
        repeat = uow.deliveries.repeat_of(message.recipient, content.text_key, since)
    if repeat is not None:
        return (
            message,
            True,
            f"skipped: the same text went to this number at {repeat['created_at'].isoformat()} "
            f"({repeat['channel']} delivery {repeat['id']})",
        )
    if limits.daily_cap <= 0 or message.digest:
        return message, False, None
    sent_today = uow.deliveries.instant_count(message.recipient, day_start(now, message.time_zone))
    if sent_today < limits.daily_cap:
        return message, False, None
    return (
        replace(message, digest=True),
        False,
        f"deferred to the digest: {sent_today} instant messages today, the cap is "
        f"{limits.daily_cap}",
    )


def record_deliveries(event: Event, recorder: Recorder, uow: NotificationWork) -> None:
    """Record what ``event`` should send; park it if its proposal is not known yet.

    Raises ``ValidationError`` for an invalid payload (poison: nothing is kept)."""
    with uow:
        _handle(uow, event, recorder)


def _handle(uow: NotificationWork, event: Event, recorder: Recorder) -> None:
    payload = _payload(event)
    proposal_id = payload["proposal_id"]
    if event.type in (SUBMITTED, RESUBMITTED):
        payload = _opened(payload, recorder.keys, event)
        submitted = Proposal.from_submitted(payload)
        uow.projection.save_proposal(submitted)
        _record(uow, event, payload, recorder, submitted)
        record_webhooks(uow, event, payload, submitted, recorder.clock.now())
        for parked in uow.projection.take_parked(proposal_id):
            _handle(uow, parked, recorder)
        return
    if event.type in OBJECTION_EVENTS:
        objector = _objector(payload, recorder.objector_keys, event)
        if objector is not None:
            _record(uow, event, payload, recorder, None, objector)
        return
    proposal = uow.projection.find_proposal(proposal_id)
    if event.type in NEEDS_PROPOSAL and proposal is None:
        log.info("parking %s %s until proposal %s arrives", event.type, event.id, proposal_id)
        uow.projection.park(event, proposal_id)
        return
    reviewer = None
    if event.type in (ASSIGNED, REMINDER_DUE):
        reviewer = _reviewer(payload)
        if event.type == ASSIGNED:
            uow.projection.save_assignment(
                payload["assignment_id"], proposal_id, reviewer, payload["reviewer"]["id"]
            )
    elif event.type == REVIEW_SUBMITTED:
        reviewer = uow.projection.find_reviewer(payload["assignment_id"])
        if reviewer is None:
            log.warning("no assignment %s known; no receipt sent", payload["assignment_id"])
            return
    panel = None
    if event.type in APPOINTMENTS:
        panel = uow.projection.find_reviewers(list(payload.get("reviewer_ids") or []))
    _record(uow, event, payload, recorder, proposal, reviewer, panel)
    record_webhooks(uow, event, payload, proposal, recorder.clock.now())


def configured_recorder(settings: NotificationSettings, config: NotificationConfig) -> Recorder:
    """The recorder the settings describe (the worker records with it, the API previews)."""
    return Recorder(
        links=Links(config.portal_url, config.review_ui_url),
        sms=bool(settings.sms_gateway_url),
        whatsapp=bool(settings.whatsapp_api_url),
        default_instant=config.instant_default_channel,
        policy=ChannelPolicy.parse(config.channel_policy),
        limits=InstantLimits(
            dedupe_window=timedelta(hours=config.instant_dedupe_hours),
            daily_cap=config.instant_daily_cap,
        ),
        unsubscribe_url=f"{config.public_url.rstrip('/')}/unsubscribe",
        privacy_url=privacy_url(config),
        secret=unsubscribe_secret(config, settings.admin_token, settings.production),
        quiet_hours=QuietHours.parse(settings.sms_quiet_hours),
        keys=HttpSubjectKeys(config.subject_keys_url, config.subject_keys_token)
        if config.subject_keys_url
        else None,
        objector_keys=HttpSubjectKeys(config.objector_keys_url, config.subject_keys_token)
        if config.objector_keys_url
        else None,
        require_basis=config.instant_require_basis,
    )


def privacy_url(config: NotificationConfig) -> str:
    """Where the privacy notice is served (``api/privacy.py``), for every message."""
    return notice_url(config.public_url)
