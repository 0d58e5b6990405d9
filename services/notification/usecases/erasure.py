"""``subject.erased``: forget what this service holds of an erased person (docs/PRIVACY.md).

The event names the data subject only; the projection of proposals knows which
addresses that subject had (from the v2 events it opened). Their deliveries, attempts,
instant-message locks and preferences go, and they leave every proposal's innovators;
an address that had unsubscribed stays unsubscribed by its hash only (``suppressions``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from services.notification.usecases.work import NotificationWork
from shared.events.catalog import SUBJECT_ERASED, spec_for
from shared.events.envelope import Event

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
