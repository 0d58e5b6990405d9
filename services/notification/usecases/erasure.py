"""``subject.erased``: forget what this service holds of an erased person (docs/PRIVACY.md).

The event names the data subject only; the projection of proposals knows which
addresses that subject had (from the v2 events it opened). Their deliveries, attempts,
instant-message locks and preferences go, and they leave every proposal's innovators;
an address that had unsubscribed stays unsubscribed by its hash only (``suppressions``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from services.notification.domain.messages import (
    DEFAULT_LANGUAGE,
    DEFAULT_TIME_ZONE,
    EMAIL,
    INNOVATOR,
    OBJECTOR,
    Message,
)
from services.notification.usecases.recording import Recorder, _objector
from services.notification.usecases.work import NotificationWork
from shared.events.catalog import (
    OBJECTOR_ERASED,
    OBJECTOR_ERASURE_REQUESTED,
    PROPOSAL_RETAINED,
    SUBJECT_ERASED,
    SUBJECT_ERASURE_REQUESTED,
    spec_for,
)
from shared.events.envelope import Event
from shared.platform import formats

log = logging.getLogger(__name__)


def erase_subject(event: Event, uow: NotificationWork) -> None:
    subject = spec_for(SUBJECT_ERASED).validator.load(event.data)["subject_id"]
    with uow:
        addresses = uow.projection.forget_subject(subject)
        gone = uow.deliveries.forget(addresses)
        unsubscribed = [a for a, p in uow.preferences.of(addresses).items() if p.unsubscribed]
        uow.preferences.suppress(unsubscribed, datetime.now(UTC))  # the unsubscribe stays
        uow.preferences.forget(addresses)
    log.info("erased subject %s: %d deliveries forgotten", subject, gone)


def erase_objector(event: Event, uow: NotificationWork) -> int:
    """``objector.erased``: the review service erased an objector (on request or by
    retention) and names only their subject id. Their deliveries (recorded with that
    subject) and the attempts go; an address no other delivery goes to loses its
    preference too (an unsubscribe stays by its hash only, as for an erased innovator).
    Returns how many deliveries were forgotten."""
    payload = spec_for(OBJECTOR_ERASED).validator.load(event.data)
    subject = payload["subject_id"]
    with uow:
        gone, addresses = uow.deliveries.forget_subject(subject)
        alone = addresses - uow.deliveries.still_addressed(addresses)
        unsubscribed = [a for a, p in uow.preferences.of(alone).items() if p.unsubscribed]
        uow.preferences.suppress(unsubscribed, datetime.now(UTC))
        uow.preferences.forget(alone)
    log.info(
        "erased objector %s (%s): %d deliveries forgotten",
        subject,
        payload["reason"],
        gone,
    )
    return gone


NOTICE_TEMPLATE = "subject_erasure_requested"
OBJECTOR_NOTICE_TEMPLATE = "objector_erasure_requested"


@dataclass(frozen=True)
class Notice:
    """Who is told before an erasure, and how (an innovator, or an objector)."""

    address: str
    name: str
    template: str
    role: str
    language: str | None = None  # as they chose when they wrote to us, if known
    data_subject: str | None = None  # an objector's id: ``objector.erased`` forgets it too


def _record_notice(
    event: Event,
    proposal_id: str,
    notice: Notice,
    erase_after: datetime,
    recorder: Recorder,
    uow: NotificationWork,
) -> None:
    """The notice email (inside ``uow``): essential (sent even to those who unsubscribed),
    in their preferred language and time zone."""
    pref = uow.preferences.find(notice.address)
    language = (pref.language if pref else None) or notice.language or DEFAULT_LANGUAGE
    time_zone = pref.time_zone if pref else DEFAULT_TIME_ZONE
    message = Message(
        channel=EMAIL,
        recipient=notice.address,
        recipient_name=notice.name,
        template=notice.template,
        language=language,
        context={"erase_after_local": formats.format_datetime(erase_after, language, time_zone)},
        essential=True,
        time_zone=time_zone,
        role=notice.role,
        data_subject=notice.data_subject,
    )
    now = recorder.clock.now()
    uow.deliveries.add(
        event, proposal_id, message, recorder.content(message), now=now, not_before=now
    )


def tell_before_erasure(event: Event, recorder: Recorder, uow: NotificationWork) -> None:
    """``subject.erasure_requested``: email the person that they will be erased, and when
    (essential: sent even to those who unsubscribed; Indonesian unless they chose English).
    A subject this service never opened (or erased already) gets nothing: logged."""
    payload = spec_for(SUBJECT_ERASURE_REQUESTED).validator.load(event.data)
    subject = payload["subject_id"]
    with uow:
        found = uow.projection.subject_contact(subject)
        if found is None:
            log.info("erasure notice for subject %s: no address known, nothing sent", subject)
            return
        proposal_id, innovator = found
        address = str(innovator["email"])
        notice = Notice(address, str(innovator.get("name") or ""), NOTICE_TEMPLATE, INNOVATOR)
        _record_notice(event, proposal_id, notice, payload["erase_after"], recorder, uow)
    log.info("erasure notice for subject %s recorded", subject)


def tell_objector_before_erasure(event: Event, recorder: Recorder, uow: NotificationWork) -> None:
    """``objector.erasure_requested``: a person-wide erasure with a notice period matched
    an objector who is no innovator; email them the notice an innovator gets (essential),
    recorded under their subject id so that ``objector.erased`` forgets it too. An
    objector whose key is gone gets nothing (logged by subject id)."""
    payload = spec_for(OBJECTOR_ERASURE_REQUESTED).validator.load(event.data)
    person = _objector(payload, recorder.objector_keys, event)
    if person is None or not person.email:
        return
    notice = Notice(
        person.email,
        person.name,
        OBJECTOR_NOTICE_TEMPLATE,
        OBJECTOR,
        language=person.language,
        data_subject=person.subject,
    )
    with uow:
        _record_notice(event, payload["proposal_id"], notice, payload["erase_after"], recorder, uow)
    log.info("erasure notice for objector %s recorded", person.subject)


def retain_proposal(event: Event, uow: NotificationWork) -> None:
    """``proposal.retained``: the proposal's innovators leave the projection, and the
    proposal's deliveries to them go (the agency's and reviewers' stay)."""
    proposal_id = spec_for(PROPOSAL_RETAINED).validator.load(event.data)["proposal_id"]
    with uow:
        addresses = uow.projection.forget_innovators(proposal_id)
        gone = uow.deliveries.forget_of_proposal(proposal_id, addresses)
    log.info(
        "retention of proposal %s: %d deliveries to its innovators forgotten", proposal_id, gone
    )
