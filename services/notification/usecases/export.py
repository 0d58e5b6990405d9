"""``subject.export_requested``: this service's part of an access request (docs/PRIVACY.md).

The event names data subjects only. The projection knows each subject's addresses (from
the v2 events it opened); the part is every proposal naming them, every message sent to
those addresses and their preferences. It goes back on ``inagara.notifications`` sealed
under the subject's own key, so erasing the person leaves no readable copy in the topic.

``review.objectors_exported``: the review service found the person among its objectors
(by the request's keyed hashes). For each objector this service answers too: the
messages recorded for that objector (their receipt, the answer) and their address's
preferences, sealed under the objector's key (the review service's, ``OBJECTOR_KEYS_URL``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from services.notification.adapters.subject_keys import SubjectKeys
from services.notification.store.deliveries import SOURCE
from services.notification.usecases.work import NotificationWork
from shared.events import sealing
from shared.events.catalog import (
    NOTIFICATION_SUBJECT_EXPORTED,
    NOTIFICATIONS,
    REVIEW_OBJECTORS_EXPORTED,
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
            _answer(event, request["export_id"], subject, keys, held_about, uow)
    log.info(
        "export %s answered for %d subjects", request["export_id"], len(request["subject_ids"])
    )


def _answer(
    event: Event,
    export_id: str,
    subject: str,
    keys: SubjectKeys | None,
    held: Callable[[str, NotificationWork], dict[str, Any]],
    uow: NotificationWork,
) -> None:
    """One person's part (inside ``uow``): what ``held`` finds, sealed under their key, or
    ``unreadable`` when there is no key (erased, or no key source)."""
    key = keys.key(subject) if keys else None
    answer: dict[str, Any] = {"export_id": export_id, "subject_id": subject}
    if key is None:
        answer["unreadable"] = True
    else:
        answer["sealed"] = sealing.seal(key, subject, held(subject, uow))
    spec = spec_for(NOTIFICATION_SUBJECT_EXPORTED)
    data = spec.validator.dump(spec.validator.load(answer))
    uow.emit(NOTIFICATIONS, event.caused(spec.type, SOURCE, data, spec.dataschema))


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


def export_objectors(event: Event, keys: SubjectKeys | None, uow: NotificationWork) -> None:
    """Answer for each objector the review service found, one event each (as for a
    subject). Without the objectors' key source (no ``OBJECTOR_KEYS_URL``) the part says
    ``unreadable``: nothing about the person travels in the clear."""
    found = spec_for(REVIEW_OBJECTORS_EXPORTED).validator.load(event.data)
    with uow:
        for objector in found["objectors"]:
            _answer(
                event, found["export_id"], objector["subject_id"], keys, held_about_objector, uow
            )
    log.info("export %s answered for %d objectors", found["export_id"], len(found["objectors"]))


def held_about_objector(subject: str, uow: NotificationWork) -> dict[str, Any]:
    """Everything this service holds about an objector (inside ``uow``)."""
    sent = uow.deliveries.of_subject(subject)
    addresses = sorted({d["recipient"] for d in sent if d.get("recipient")})
    return {
        "addresses": addresses,
        "deliveries": sent,
        "preferences": uow.preferences.exported(addresses),
    }
