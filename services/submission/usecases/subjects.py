"""Data subjects: the consumers' key lookup, and erasure by shredding (docs/PRIVACY.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from services.submission.usecases.events import normalise_email
from services.submission.usecases.work import SubmissionWork
from shared.events import sealing
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


def erase_subject(command: EraseSubject, uow: SubmissionWork) -> list[str]:
    """Shred the key of every subject with this email or phone; the ids shredded."""
    email = normalise_email(command.email) if command.email else None
    phone = normalise_phone(command.phone) if command.phone else None
    now = datetime.now(UTC)
    with uow:
        found = uow.subjects.find(email, phone)
        for subject_id in found:
            uow.subjects.shred(subject_id, now)
    return found
