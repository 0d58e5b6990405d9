"""Data subjects: the consumers' key lookup, and erasure by shredding (docs/PRIVACY.md)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.submission.adapters.objector_keys import KeysUnavailable, ObjectorKeys
from services.submission.usecases.events import SOURCE, normalise_email
from services.submission.usecases.work import SubmissionWork
from shared.events import matching, sealing
from shared.events.catalog import (
    NOTIFICATION_SUBJECT_EXPORTED,
    PERSON_ERASURE_REQUESTED,
    PROPOSALS,
    REVIEW_OBJECTORS_EXPORTED,
    REVIEW_SUBJECT_EXPORTED,
    SUBJECT_ERASED,
    SUBJECT_ERASURE_REQUESTED,
    SUBJECT_EXPORT_REQUESTED,
    spec_for,
)
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
    """A request about a person; ``agency_id`` set: an agency admin's, which may name only
    that agency's own innovators."""

    email: str | None = None
    phone: str | None = None
    requested_by: str = "admin"
    agency_id: str | None = None
    # SUBJECT_MATCH_KEY: with it the request reaches the review service's objectors too.
    match_key: str = ""


class NotOwnInnovator(LookupError):
    """An agency admin named a person who is no innovator of their agency's proposals."""


def _check_scope(
    command: EraseSubject, email: str | None, phone: str | None, uow: SubmissionWork
) -> None:
    """Inside ``uow``: an agency admin may only ask about its own innovators."""
    if command.agency_id and not uow.subjects.innovator_of(command.agency_id, email, phone):
        raise NotOwnInnovator(command.agency_id)


def erase_subject(command: EraseSubject, uow: SubmissionWork) -> list[str]:
    """Shred the key of every subject with this email or phone; the ids shredded."""
    email = normalise_email(command.email) if command.email else None
    phone = normalise_phone(command.phone) if command.phone else None
    now = datetime.now(UTC)
    with uow:
        _check_scope(command, email, phone, uow)
        found = uow.subjects.find(email, phone)
        changed = erase_found(found, now, uow)
        if not found and (email or phone):
            changed += uow.subjects.pseudonymise(email, phone)  # a person of v1 events only
        _erase_objectors(command, email, phone, now, now, uow)
        uow.subjects.record_request("erasure", command.requested_by, found, changed, now)
    return found


def _erase_objectors(
    command: EraseSubject,
    email: str | None,
    phone: str | None,
    now: datetime,
    erase_after: datetime,
    uow: SubmissionWork,
    told: bool = False,
) -> None:
    """Inside ``uow``: ``person.erasure_requested`` with the person's keyed hashes, so that
    the review service erases the objectors they match at ``erase_after`` (nothing
    without SUBJECT_MATCH_KEY). Whoever the agency admin may name is their own innovator:
    the objections that person filed are theirs too."""
    match = matching.match_of(command.match_key, email, phone)
    if match is None:
        return
    spec = spec_for(PERSON_ERASURE_REQUESTED)
    request_id = str(uuid.uuid4())
    data = spec.validator.dump(
        {
            "request_id": request_id,
            "match": match,
            "requested_at": now,
            "erase_after": erase_after,
            "subjects_told": told,
        }
    )
    uow.emit(
        PROPOSALS,
        Event.first(
            type=spec.type, source=SOURCE, subject=request_id, data=data, dataschema=spec.dataschema
        ),
    )


def request_erasure(command: EraseSubject, notice: timedelta, uow: SubmissionWork) -> list[str]:
    """An erasure announced first (``ERASURE_NOTICE_HOURS``): ``subject.erasure_requested``
    lets the notification service tell the person by email; ``erase_due`` erases them once
    ``notice`` is over. The ids pending. A person known only from v1 events has no subject
    to announce: their profiles are pseudonymised at once, as ``erase_subject`` does."""
    email = normalise_email(command.email) if command.email else None
    phone = normalise_phone(command.phone) if command.phone else None
    now = datetime.now(UTC)
    with uow:
        _check_scope(command, email, phone, uow)
        found = uow.subjects.find(email, phone)
        changed = 0
        for subject_id in found:
            if uow.subjects.pend_erasure(subject_id, command.requested_by, now, now + notice):
                uow.emit(PROPOSALS, erasure_requested_event(subject_id, now, now + notice))
        if not found and (email or phone):
            changed = uow.subjects.pseudonymise(email, phone)
        _erase_objectors(command, email, phone, now, now + notice, uow, told=bool(found))
        uow.subjects.record_request("erasure", command.requested_by, found, changed, now)
    return found


def erasure_requested_event(subject_id: str, at: datetime, erase_after: datetime) -> Event:
    spec = spec_for(SUBJECT_ERASURE_REQUESTED)
    data = spec.validator.dump(
        {"subject_id": subject_id, "requested_at": at, "erase_after": erase_after}
    )
    return Event.first(
        type=spec.type, source=SOURCE, subject=subject_id, data=data, dataschema=spec.dataschema
    )


def erase_due(work: Callable[[], SubmissionWork], now: datetime | None = None) -> list[str]:
    """Erase every announced erasure whose notice period is over, each once (whatever the
    number of workers); the subject ids erased. Blocks on the database."""
    now = now or datetime.now(UTC)
    with work() as uow:
        due = uow.subjects.due_erasures(now)
    erased = []
    for subject_id, requested_by in due:
        with work() as uow:
            if not uow.subjects.finish_erasure(subject_id, now):
                continue
            live = uow.subjects.key(subject_id)[1] is not None  # not erased meanwhile
            changed = erase_found([subject_id], now, uow) if live else 0
            uow.subjects.record_request("erased", requested_by, [subject_id], changed, now)
        erased.append(subject_id)
    return erased


def erase_found(subject_ids: list[str], now: datetime, uow: SubmissionWork) -> int:
    """Inside ``uow``: pseudonymise each subject's profiles, shred their key and tell the
    other services (``subject.erased``). How many profiles changed."""
    changed = 0
    for subject_id in subject_ids:
        changed += uow.subjects.pseudonymise(*uow.subjects.contacts(subject_id))
        uow.subjects.shred(subject_id, now)
        uow.emit(PROPOSALS, erased_event(subject_id, now))
    return changed


def erased_since(since: datetime, uow: SubmissionWork) -> list[str]:
    """The subjects erased since ``since``: what a restore of an older backup must erase
    again (``reapply_erasures``). Ids only: they name nobody."""
    with uow:
        return uow.subjects.erased_since(since)


def reapply_erasures(
    subject_ids: list[str], uow: SubmissionWork, now: datetime | None = None
) -> list[str]:
    """After a restore from a backup older than some erasures: erase again, through the
    erasure path, each of these subjects the restored database holds readable (their key
    came back with the backup); the ids erased. An id it does not know, or holds erased
    already, is nothing to do, so running it twice changes nothing."""
    now = now or datetime.now(UTC)
    with uow:
        live = [s for s in dict.fromkeys(subject_ids) if uow.subjects.key(s)[1] is not None]
        if live:
            changed = erase_found(live, now, uow)
            uow.subjects.record_request("erasure", "restore", live, changed, now)
    return live


def erased_event(subject_id: str, at: datetime) -> Event:
    spec = spec_for(SUBJECT_ERASED)
    data = spec.validator.dump({"subject_id": subject_id, "erased_at": at})
    return Event.first(
        type=spec.type, source=SOURCE, subject=subject_id, data=data, dataschema=spec.dataschema
    )


def export_subject(command: EraseSubject, uow: SubmissionWork) -> dict[str, Any]:
    """What the submission service holds about a person (access request, UU 27/2022), and
    ``subject.export_requested`` so that the other services answer with their parts
    (``assembled_export`` puts them together under the ``export_id`` answered)."""
    email = normalise_email(command.email) if command.email else None
    phone = normalise_phone(command.phone) if command.phone else None
    now = datetime.now(UTC)
    export_id = str(uuid.uuid4())
    with uow:
        _check_scope(command, email, phone, uow)
        held = uow.subjects.held_about(email, phone)
        ids = [s["id"] for s in held["subjects"]]
        uow.subjects.record_request("export", command.requested_by, ids, 0, now)
        uow.subjects.open_export(export_id, ids, command.requested_by, now)
        live = uow.subjects.find(email, phone)
        match = matching.match_of(command.match_key, email, phone)
        if live or match:
            uow.emit(PROPOSALS, export_requested_event(export_id, live, now, match))
    return {
        "requested": {"email": email, "phone": phone},
        "exported_at": now.isoformat(),
        "service": "submission",
        "export_id": export_id,
        **held,
    }


def export_requested_event(
    export_id: str,
    subject_ids: list[str],
    at: datetime,
    match: dict[str, str | None] | None = None,
) -> Event:
    spec = spec_for(SUBJECT_EXPORT_REQUESTED)
    request: dict[str, Any] = {
        "export_id": export_id,
        "subject_ids": subject_ids,
        "requested_at": at,
    }
    if match:
        request["match"] = match
    data = spec.validator.dump(request)
    return Event.first(
        type=spec.type, source=SOURCE, subject=export_id, data=data, dataschema=spec.dataschema
    )


# Who answers an export, by the event type of their answer (docs/PRIVACY.md: Export).
ANSWERS = {REVIEW_SUBJECT_EXPORTED: "review", NOTIFICATION_SUBJECT_EXPORTED: "notification"}


# Where the review service's objectors answer is kept among the parts (one per export).
OBJECTORS = "objectors"


def receive_export_part(event_type: str, data: dict[str, Any], uow: SubmissionWork) -> None:
    """Keep one service's answer to an export, as it came (sealed parts stay sealed)."""
    answer = spec_for(event_type).validator.load(data)
    if event_type == REVIEW_OBJECTORS_EXPORTED:
        # The objectors found by the request's keyed hashes, each sealed under the
        # objector's own key (the review service's): kept sealed, opened when read.
        answer = {
            "subject_id": OBJECTORS,
            "part": {"objectors": answer["objectors"]},
            "unreadable": False,
        }
        with uow:
            uow.subjects.save_export_part(
                data["export_id"], OBJECTORS, {**answer, "received_at": datetime.now(UTC)}
            )
        return
    with uow:
        uow.subjects.save_export_part(
            answer["export_id"], ANSWERS[event_type], {**answer, "received_at": datetime.now(UTC)}
        )


class ExportUnknown(LookupError):
    """No export has this id."""


def assembled_export(
    export_id: str,
    uow: SubmissionWork,
    reader: str = "admin",
    own_only: bool = False,
    objector_keys: ObjectorKeys | None = None,
) -> dict[str, Any]:
    """The whole export: this service's part (read again now) and the other services' parts
    answered so far, opened with each subject's key. ``complete`` once every service has
    answered for every subject; a subject erased since reads as ``unreadable``.
    ``own_only``: only an export ``reader`` asked for (else ``ExportUnknown``). Every read
    is recorded (``privacy_requests`` kind ``download``, by ``reader``)."""
    with uow:
        request, parts = uow.subjects.export(export_id)
        if request is None or (own_only and request["requested_by"] != reader):
            raise ExportUnknown(export_id)
        uow.subjects.record_request(
            "download", reader, list(request["subject_ids"]), 0, datetime.now(UTC)
        )
        subject_ids: list[str] = list(request["subject_ids"])
        keys = {s: uow.subjects.key(s)[1] for s in subject_ids}
        contacts = [uow.subjects.contacts(s) for s in subject_ids if keys[s] is not None]
        held: dict[str, Any] = {"subjects": [], "proposals": []}
        for email, phone in contacts:
            for name, found in uow.subjects.held_about(email, phone).items():
                held[name].extend(f for f in found if f not in held[name])
    assembled: dict[str, Any] = {
        "export_id": export_id,
        "requested_at": request["requested_at"].isoformat(),
        "exported_at": datetime.now(UTC).isoformat(),
        "submission": held,
    }
    waiting: list[str] = []
    for source in ANSWERS.values():
        answered = {p["subject_id"]: p for p in parts if p["source"] == source}
        assembled[source] = [
            {"subject_id": s, **opened(answered[s], keys[s])} for s in subject_ids if s in answered
        ]
        waiting.extend(f"{source}:{s}" for s in subject_ids if s not in answered)
    if objector_keys is not None:
        # SUBJECT_MATCH_KEY set: the review service answers for the objectors it matched.
        answered_objectors = [p for p in parts if p["source"] == OBJECTORS]
        if answered_objectors:
            notified = {p["subject_id"]: p for p in parts if p["source"] == "notification"}
            assembled["objectors"] = []
            for found in (answered_objectors[0]["part"] or {}).get("objectors", []):
                objector = found["subject_id"]
                entry = {"subject_id": objector, **opened_objector(found, objector_keys)}
                # The notification service's part for the objector: the messages sent them.
                if objector in notified:
                    entry["notification"] = opened_objector_part(notified[objector], objector_keys)
                else:
                    waiting.append(f"notification:{objector}")
                assembled["objectors"].append(entry)
        else:
            assembled["objectors"] = []
            waiting.append(f"review:{OBJECTORS}")
    assembled["complete"] = not waiting
    assembled["waiting_for"] = waiting
    return assembled


def opened(part: dict[str, Any], key: bytes | None) -> dict[str, Any]:
    """A stored answer as the person should read it."""
    if part["unreadable"] or (part["sealed"] and key is None):
        return {"unreadable": True}
    found: dict[str, Any] = dict(part["part"] or {})
    if part["sealed"] and key is not None:
        found.update(sealing.unseal(key, part["subject_id"], part["sealed"]))
    return found


def opened_objector_part(part: dict[str, Any], keys: ObjectorKeys) -> dict[str, Any]:
    """Another service's answer for an objector (the notification service's), opened with
    the objector's key, as ``opened`` opens a subject's."""
    if part["unreadable"] or not part["sealed"]:
        return {"unreadable": True} if part["unreadable"] else dict(part["part"] or {})
    try:
        key = keys.key(part["subject_id"])
    except KeysUnavailable:
        return {"unavailable": True}
    return opened(part, key)


def opened_objector(found: dict[str, Any], keys: ObjectorKeys) -> dict[str, Any]:
    """One objector's part of the review service's answer, opened with the objector's key
    (the review service's; ``unreadable`` once the objector is erased, ``unavailable`` when
    the review service does not answer: read the export again later)."""
    try:
        key = keys.key(found["subject_id"])
    except KeysUnavailable:
        return {"unavailable": True}
    if key is None:
        return {"unreadable": True}
    opened_part: dict[str, Any] = sealing.unseal(key, found["subject_id"], found["sealed"])
    return opened_part
