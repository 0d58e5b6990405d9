"""``subject.erased``: forget what this service holds of an erased person (docs/PRIVACY.md).

The event names the data subject only; the projection of proposals knows which
addresses that subject had (from the v2 events it opened). Their deliveries, attempts,
instant-message locks and preferences go, and they leave every proposal's innovators;
an address that had unsubscribed stays unsubscribed by its hash only (``suppressions``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from services.notification.domain.messages import (
    DEFAULT_LANGUAGE,
    DEFAULT_TIME_ZONE,
    EMAIL,
    INNOVATOR,
    Message,
)
from services.notification.usecases.recording import Recorder
from services.notification.usecases.work import NotificationWork
from shared.events.catalog import (
    OBJECTOR_ERASED,
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
        pref = uow.preferences.find(address)
        language = (pref.language if pref else None) or DEFAULT_LANGUAGE
        time_zone = pref.time_zone if pref else DEFAULT_TIME_ZONE
        message = Message(
            channel=EMAIL,
            recipient=address,
            recipient_name=str(innovator.get("name") or ""),
            template=NOTICE_TEMPLATE,
            language=language,
            context={
                "erase_after_local": formats.format_datetime(
                    payload["erase_after"], language, time_zone
                )
            },
            essential=True,
            time_zone=time_zone,
            role=INNOVATOR,
        )
        now = recorder.clock.now()
        uow.deliveries.add(
            event, proposal_id, message, recorder.content(message), now=now, not_before=now
        )
    log.info("erasure notice for subject %s recorded", subject)


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
