"""One agency, one innovation: the reminder to an agency that has submitted nothing to a
cycle closing soon (``agency.participation_reminder_due``), by email to its contact."""

from __future__ import annotations

import logging

from services.notification.domain.messages import (
    AGENCY,
    DEFAULT_LANGUAGE,
    DEFAULT_TIME_ZONE,
    EMAIL,
    Message,
)
from services.notification.usecases.recording import Recorder
from services.notification.usecases.work import NotificationWork
from shared.events.catalog import PARTICIPATION_REMINDER_DUE, spec_for
from shared.events.envelope import Event
from shared.platform import formats

log = logging.getLogger(__name__)
TEMPLATE = "agency_participation_reminder_due"


def remind_agency(event: Event, recorder: Recorder, uow: NotificationWork) -> None:
    """Record one email to the agency's contact (the delivery's key, event and recipient,
    makes it once however often the event comes); an agency without a contact email is
    logged, nothing sent. Not essential: an unsubscribed contact is left alone."""
    payload = spec_for(PARTICIPATION_REMINDER_DUE).validator.load(event.data)
    agency = payload["agency"]
    address = agency.get("contact_email")
    if not address:
        log.info("participation reminder for %s: no contact email, nothing sent", agency["code"])
        return
    with uow:
        pref = uow.preferences.find(address)
        if pref is not None and pref.unsubscribed:
            return
        language = (pref.language if pref else None) or DEFAULT_LANGUAGE
        time_zone = pref.time_zone if pref else DEFAULT_TIME_ZONE
        message = Message(
            channel=EMAIL,
            recipient=address,
            recipient_name=agency["name"],
            template=TEMPLATE,
            language=language,
            context={
                "agency_name": agency["name"],
                "cycle_name": payload["cycle_name"],
                "min_per_agency": payload["min_per_agency"],
                "closes_at_local": formats.format_datetime(
                    payload["closes_at"], language, time_zone
                ),
            },
            essential=False,
            time_zone=time_zone,
            role=AGENCY,
        )
        now = recorder.clock.now()
        uow.deliveries.add(
            event, payload["cycle_id"], message, recorder.content(message), now=now, not_before=now
        )
    log.info("participation reminder for %s recorded", agency["code"])
