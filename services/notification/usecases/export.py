"""``subject.export_requested``: this service's part of an access request (docs/PRIVACY.md).

The event names data subjects only. The projection knows each subject's addresses (from
the v2 events it opened); the part is every proposal naming them, every message sent to
those addresses and their preferences. It goes back on ``inagara.notifications`` sealed
under the subject's own key, so erasing the person leaves no readable copy in the topic.
"""

from __future__ import annotations

import logging
from typing import Any

from services.notification.adapters.subject_keys import SubjectKeys
from services.notification.store.deliveries import SOURCE
from services.notification.usecases.work import NotificationWork
from shared.events import sealing
from shared.events.catalog import (
    NOTIFICATION_SUBJECT_EXPORTED,
    NOTIFICATIONS,
    SUBJECT_EXPORT_REQUESTED,
    spec_for,
)
from shared.events.envelope import Event

log = logging.getLogger(__name__)


def export_subjects(event: Event, keys: SubjectKeys | None, uow: NotificationWork) -> None:
    """Answer the export with one event per subject. Blocks on the key lookup (HTTP); a
    submission service that does not answer raises ``KeysUnavailable`` (retried)."""
    request = spec_for(SUBJECT_EXPORT_REQUESTED).validator.load(event.data)
    with uow:
        for subject in request["subject_ids"]:
            key = keys.key(subject) if keys else None
            answer: dict[str, Any] = {"export_id": request["export_id"], "subject_id": subject}
            if key is None:
                answer["unreadable"] = True
            else:
                answer["sealed"] = sealing.seal(key, subject, held_about(subject, uow))
            spec = spec_for(NOTIFICATION_SUBJECT_EXPORTED)
            uow.emit(
                NOTIFICATIONS,
                event.caused(
                    spec.type,
                    SOURCE,
                    spec.validator.dump(spec.validator.load(answer)),
                    spec.dataschema,
                ),
            )
    log.info(
        "export %s answered for %d subjects", request["export_id"], len(request["subject_ids"])
    )


def held_about(subject: str, uow: NotificationWork) -> dict[str, Any]:
    """Everything this service holds about the subject (inside ``uow``)."""
    proposals = uow.projection.held_about_subject(subject)
    addresses = sorted(
        {
            a
            for p in proposals
            for a in (p["innovator"].get("email"), p["innovator"].get("phone"))
            if a
        }
    )
    return {
        "addresses": addresses,
        "proposals": proposals,
        "deliveries": uow.deliveries.to_addresses(addresses),
        "preferences": uow.preferences.exported(addresses),
    }
