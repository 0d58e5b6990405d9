"""Data subjects: the consumers' key lookup, and erasure by shredding (docs/PRIVACY.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.submission.usecases.events import SOURCE, normalise_email
from services.submission.usecases.work import SubmissionWork
from shared.events import sealing
from shared.events.catalog import PROPOSALS, SUBJECT_ERASED, spec_for
from shared.events.envelope import Event
from shared.events.proposal import normalise_phone


class SubjectUnknown(LookupError):
    """No subject has this id."""


class SubjectErased(LookupError):
    """The subject was erased: their key is gone for good."""


def subject_key(subject_id: str, uow: SubmissionWork) -> str:
    """The subject's key (URL-safe base64) for a consumer that must open a sealed event."""
    with uow:
        known, key = uow.subjects.key(subject_id)
    if not known:
        raise SubjectUnknown(subject_id)
    if key is None:
        raise SubjectErased(subject_id)
    return sealing.encode_key(key)


@dataclass(frozen=True)
class EraseSubject:
    email: str | None = None
    phone: str | None = None
    requested_by: str = "admin"


def erase_subject(command: EraseSubject, uow: SubmissionWork) -> list[str]:
    """Shred the key of every subject with this email or phone; the ids shredded."""
    email = normalise_email(command.email) if command.email else None
    phone = normalise_phone(command.phone) if command.phone else None
    now = datetime.now(UTC)
    with uow:
        found = uow.subjects.find(email, phone)
        changed = 0
        for subject_id in found:
            changed += uow.subjects.pseudonymise(*uow.subjects.contacts(subject_id))
            uow.subjects.shred(subject_id, now)
            uow.emit(PROPOSALS, erased_event(subject_id, now))
        if not found and (email or phone):
            changed += uow.subjects.pseudonymise(email, phone)  # a person of v1 events only
        uow.subjects.record_request("erasure", command.requested_by, found, changed, now)
    return found


def erased_event(subject_id: str, at: datetime) -> Event:
    spec = spec_for(SUBJECT_ERASED)
    data = spec.validator.dump({"subject_id": subject_id, "erased_at": at})
    return Event.first(
        type=spec.type, source=SOURCE, subject=subject_id, data=data, dataschema=spec.dataschema
    )


def export_subject(command: EraseSubject, uow: SubmissionWork) -> dict[str, Any]:
    """What the submission service holds about a person (access request, UU 27/2022)."""
    email = normalise_email(command.email) if command.email else None
    phone = normalise_phone(command.phone) if command.phone else None
    with uow:
        held = uow.subjects.held_about(email, phone)
        ids = [s["id"] for s in held["subjects"]]
        uow.subjects.record_request("export", command.requested_by, ids, 0, datetime.now(UTC))
    return {
        "requested": {"email": email, "phone": phone},
        "exported_at": datetime.now(UTC).isoformat(),
        "service": "submission",
        **held,
    }
