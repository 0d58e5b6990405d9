"""The public objection window (uji publik): the secretariat publishes a cycle's shortlist
for a number of days, anyone objects to an innovation on it, the secretariat answers and
resolves; ``domain.objections`` holds the rules."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.review.domain import categories, objections, states
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.usecases import cycles as cycle_cases
from services.review.usecases.events import emit
from services.review.usecases.work import ReviewWork
from shared.events import matching, sealing
from shared.events.catalog import (
    CYCLE_SHORTLIST_PUBLISHED,
    OBJECTION_ANSWERED,
    OBJECTION_FILED,
    OBJECTOR_ERASED,
    OBJECTOR_ERASURE_REQUESTED,
    PERSON_ERASURE_REQUESTED,
    REVIEW_OBJECTORS_EXPORTED,
    SUBJECT_EXPORT_REQUESTED,
    spec_for,
)
from shared.events.envelope import Event

RATE_WINDOW = timedelta(hours=1)
AWAITING_AWARD = (states.SHORTLISTED, states.PANEL_ASSIGNED, states.PANEL_SCORED)


class TooManyObjections(Exception):
    """This client filed as many objections as the rate limit allows this hour (429)."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__("Too many objections from this address; try again later.")
        self.retry_after_s = retry_after_s


class ObjectorErased(Exception):
    """The objector's key is gone (410): their sealed fields are unreadable."""


class FileTooLarge(Exception):
    """The attached file is larger than the limit (413)."""


class UnsupportedFile(Exception):
    """The attached file is not a PDF, PNG or JPEG (judged by its bytes) (415)."""


@dataclass(frozen=True)
class Limits:
    per_hour: int
    max_file_bytes: int
    min_fill_s: float
    # SUBJECT_MATCH_KEY: the objector's keyed hashes are stored with the objection.
    match_key: str = ""


@dataclass(frozen=True)
class FileObjection:
    proposal_id: str
    name: str
    email: str
    phone: str | None
    reason: str
    client: str
    language: str = "id"
    honeypot: str = ""
    form_served_at: datetime | None = None
    file_name: str = ""
    file_content: bytes | None = None


def _cycle(uow: ReviewWork, cycle_id: str) -> dict[str, Any]:
    cycle = uow.cycles.get(cycle_id)
    if cycle is None:
        raise NotFound("No such cycle.", "cycle.not_found")
    return cycle


def window_of(cycle: dict[str, Any]) -> objections.Window:
    return objections.Window(
        frozenset(cycle.get("published_shortlist") or ()), cycle.get("objections_close_at")
    )


def _entries(uow: ReviewWork, cycle: dict[str, Any]) -> list[dict[str, Any]]:
    """The shortlisted innovations per category in rank order, as the public may read
    them: title, agency, summary, category; never a reviewer, never a score."""
    kinds = cycle_cases.categories_of(cycle)
    groups: list[categories.AwardCategory | None] = list(kinds) or [None]
    out = []
    for kind in groups:
        code = kind.code if kind else None
        rows = [
            r
            for r in cycle_cases.final_ranking_in(uow, cycle["id"], code)
            if r["status"] in cycle_cases.FINALIST
        ]
        for rank, row in enumerate(rows, start=1):
            proposal = uow.proposals.get(row["proposal_id"]) or {}
            out.append(
                {
                    "proposal_id": row["proposal_id"],
                    "title": row["title"],
                    "agency_code": row["agency_code"],
                    "agency_name": row["agency_name"],
                    "summary": (proposal.get("profile") or {}).get("summary") or "",
                    "category": code,
                    "category_name": kind.name if kind else None,
                    "rank": rank,
                }
            )
    return out


def publish_shortlist(
    cycle_id: str, days: int, actor: str, now: datetime, uow: ReviewWork
) -> dict[str, Any]:
    """Publish the cycle's shortlist for objections until ``days`` from now; publishing
    again (the window extended, the shortlist changed) publishes ``cycle.shortlist_published``
    again with the new list and close."""
    with uow:
        cycle = _cycle(uow, cycle_id)
        if cycle["status"] == "awarded":
            raise Conflict("This cycle's awards were decided already.", "cycle.decided")
        try:
            closes = objections.closes_at(now, days)
        except ValueError as exc:
            raise Invalid({"days": [f"Publish for {exc}."]}) from exc
        entries = _entries(uow, cycle)
        if not entries:
            raise Conflict("Nothing is shortlisted in this cycle yet.", "shortlist.empty")
        ids = [e["proposal_id"] for e in entries]
        uow.cycles.change(
            cycle_id,
            published_shortlist=ids,
            shortlist_published_at=now,
            objections_close_at=closes,
        )
        uow.audit.record(
            actor,
            "shortlist_published",
            "cycle",
            cycle_id,
            {"objections_close_at": _iso(cycle.get("objections_close_at"))},
            {"objections_close_at": closes.isoformat(), "proposals": ids},
        )
        kinds = cycle_cases.categories_of(cycle)
        emit(
            uow,
            CYCLE_SHORTLIST_PUBLISHED,
            cycle_id,
            {
                "cycle_id": cycle_id,
                "cycle_name": cycle["name"],
                "year": cycle["year"],
                "published_at": now,
                "objections_close_at": closes,
                "categories": [{"code": k.code, "name": k.name} for k in kinds],
                "entries": entries,
            },
        )
        return {
            "cycle_id": cycle_id,
            "published_at": now,
            "objections_close_at": closes,
            "entries": entries,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def public_shortlist(cycle_id: str, now: datetime, uow: ReviewWork) -> dict[str, Any]:
    """What the public form offers: the published shortlist while the window is open."""
    with uow:
        cycle = _cycle(uow, cycle_id)
        window = window_of(cycle)
        entries = _entries(uow, cycle) if window.is_open(now) else []
    return {
        "cycle_id": cycle_id,
        "cycle_name": cycle["name"],
        "open": window.is_open(now),
        "objections_close_at": window.closes_at,
        "entries": [e for e in entries if e["proposal_id"] in window.proposal_ids],
    }


def objectable(proposal_id: str, now: datetime, uow: ReviewWork) -> dict[str, Any]:
    """The proposal a public form names, if objections to it are taken now: raises
    WindowClosed, NotOnShortlist (an unknown proposal is not on any shortlist)."""
    with uow:
        return _objectable(uow, proposal_id, now)


def _objectable(uow: ReviewWork, proposal_id: str, now: datetime) -> dict[str, Any]:
    proposal = uow.proposals.get(proposal_id)
    cycle = uow.cycles.get(proposal["cycle_id"]) if proposal and proposal["cycle_id"] else None
    if proposal is None or cycle is None:
        raise objections.NotOnShortlist("This innovation is not on a published shortlist.")
    window_of(cycle).takes(proposal_id, now)
    if proposal["status"] not in AWAITING_AWARD:
        # Its category's awards were decided (or it left the shortlist): nothing to hold back.
        raise objections.WindowClosed("The awards of this innovation's category were decided.")
    return {**proposal, "objections_close_at": cycle["objections_close_at"]}


def _checked_file(command: FileObjection, limits: Limits) -> dict[str, Any]:
    if not command.file_content:
        return {}
    if len(command.file_content) > limits.max_file_bytes:
        raise FileTooLarge(f"The file is larger than {limits.max_file_bytes} bytes.")
    kind = objections.sniff(command.file_content)
    if kind is None:
        raise UnsupportedFile("Attach a PDF, PNG or JPEG file.")
    return {
        "file_name": (command.file_name or "lampiran")[:200],
        "file_type": kind,
        "file_sha256": hashlib.sha256(command.file_content).hexdigest(),
        "file_content": command.file_content,
    }


def objector(row: dict[str, Any], key: bytes) -> dict[str, Any]:
    """The objector as the events carry them: sealed under their own key."""
    fields = {"name": row["name"], "email": row["email"]}
    return {
        "subject": row["subject_id"],
        "sealed": sealing.seal(key, row["subject_id"], fields),
        "language": row["language"],
    }


def file_objection(
    command: FileObjection, limits: Limits, now: datetime, uow: ReviewWork
) -> dict[str, Any]:
    """File an objection to a proposal on a published shortlist while its window is open.

    Raises Spam, TooManyObjections, WindowClosed, NotOnShortlist, FileTooLarge,
    UnsupportedFile."""
    objections.check_not_spam(command.honeypot, command.form_served_at, now, limits.min_fill_s)
    attached = _checked_file(command, limits)
    client = objections.client_key(command.client)
    with uow:
        if uow.objections.filed_since(client, now - RATE_WINDOW) >= limits.per_hour:
            raise TooManyObjections(int(RATE_WINDOW.total_seconds()))
        proposal = _objectable(uow, command.proposal_id, now)
        key = sealing.new_key()
        row = {
            "id": str(uuid.uuid4()),
            "cycle_id": proposal["cycle_id"],
            "proposal_id": proposal["id"],
            "subject_id": str(uuid.uuid4()),
            "subject_key": key,
            "name": command.name.strip(),
            "email": command.email.strip(),
            "phone": command.phone,
            "language": command.language,
            "reason": command.reason,
            "status": objections.OPEN,
            "filed_at": now,
            "client": client,
            "match_email": matching.email_hash(limits.match_key, command.email),
            "match_phone": matching.phone_hash(limits.match_key, command.phone),
            **attached,
        }
        uow.objections.add(row)
        emit(
            uow,
            OBJECTION_FILED,
            proposal["id"],
            {
                "objection_id": row["id"],
                "proposal_id": proposal["id"],
                "cycle_id": proposal["cycle_id"],
                "title": proposal["title"],
                "award_category": proposal.get("award_category"),
                "filed_at": now,
                "objections_close_at": proposal["objections_close_at"],
                "with_file": bool(attached),
                "objector": objector(row, key),
            },
            correlation_id=proposal.get("correlation_id"),
        )
        hidden = ("subject_key", "file_content", "match_email", "match_phone")
        listed = {k: v for k, v in row.items() if k not in hidden}
        return {**listed, "title": proposal["title"]}


def answer_objection(
    objection_id: str, answer: str, status: str, actor: str, now: datetime, uow: ReviewWork
) -> dict[str, Any]:
    """Answer an objection (``answered``) or resolve it (``resolved``), with the answer the
    objector reads; ``objection.answered`` tells them."""
    with uow:
        found = uow.objections.get(objection_id)
        if found is None:
            raise NotFound("No such objection.", "objection.not_found")
        answer = answer.strip() or (found.get("answer") or "")
        if not answer:
            raise Invalid({"answer": ["Write the answer the objector will read."]})
        try:
            objections.next_status(found["status"], status)
        except objections.WrongMove as exc:
            raise Conflict(str(exc), "objection.illegal_transition") from exc
        changes: dict[str, Any] = {
            "status": status,
            "answer": answer,
            "answered_by": actor,
            "answered_at": now,
        }
        if status == objections.RESOLVED:
            changes["resolved_at"] = now
        uow.objections.change(objection_id, **changes)
        uow.audit.record(
            actor,
            f"objection_{status}",
            "proposal",
            found["proposal_id"],
            {"objection": objection_id, "status": found["status"]},
            {"objection": objection_id, "status": status, "answer": answer},
        )
        proposal = uow.proposals.get(found["proposal_id"]) or {}
        if found.get("subject_key"):
            # An erased objector has no key: the answer is kept, nobody is told.
            emit(
                uow,
                OBJECTION_ANSWERED,
                found["proposal_id"],
                {
                    "objection_id": objection_id,
                    "proposal_id": found["proposal_id"],
                    "cycle_id": found["cycle_id"],
                    "title": proposal.get("title") or "",
                    "status": status,
                    "answer": answer,
                    "answered_at": now,
                    "objector": objector(found, bytes(found["subject_key"])),
                },
                correlation_id=proposal.get("correlation_id"),
            )
        listed = {k: v for k, v in found.items() if k != "subject_key"}
        return {**listed, **changes}


def list_objections(
    uow: ReviewWork,
    *,
    cycle_id: str | None = None,
    proposal_id: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """The objections of a cycle or of a proposal (404 for an unknown one), with titles."""
    with uow:
        if cycle_id is not None:
            _cycle(uow, cycle_id)
        if proposal_id is not None and uow.proposals.get(proposal_id) is None:
            raise NotFound("No proposal with this id has reached review.", "proposal.not_found")
        rows = uow.objections.listing(cycle_id=cycle_id, proposal_id=proposal_id, status=status)
        titles: dict[str, str] = {}
        for r in rows:
            if r["proposal_id"] not in titles:
                proposal = uow.proposals.get(r["proposal_id"]) or {}
                titles[r["proposal_id"]] = proposal.get("title") or ""
    return [{**r, "title": titles[r["proposal_id"]]} for r in rows]


def get_objection(objection_id: str, uow: ReviewWork) -> dict[str, Any]:
    with uow:
        found = uow.objections.get(objection_id)
        if found is None:
            raise NotFound("No such objection.", "objection.not_found")
        proposal = uow.proposals.get(found["proposal_id"]) or {}
    listed = {k: v for k, v in found.items() if k != "subject_key"}
    return {**listed, "title": proposal.get("title") or ""}


def objection_file(objection_id: str, uow: ReviewWork) -> dict[str, Any]:
    with uow:
        found = uow.objections.file(objection_id)
    if found is None or not found["file_content"]:
        raise NotFound("No such objection, or it has no file.", "objection.not_found")
    return found


def open_on(uow: ReviewWork, in_scope: list[str], cycle_id: str) -> list[str]:
    """The open objections holding back an award decision over ``in_scope``."""
    rows = uow.objections.listing(cycle_id=cycle_id, status=objections.OPEN)
    return objections.blocking(rows, in_scope)


ERASED_NAME = "Pengaju keberatan"


def export_objector(email: str, uow: ReviewWork) -> list[dict[str, Any]]:
    """Everything the review service holds about an objector, found by their email."""
    with uow:
        rows = uow.objections.by_email(email)
    return [{k: v for k, v in r.items() if k != "client"} for r in rows]


def _forget_objector(uow: ReviewWork, row: dict[str, Any], now: datetime, reason: str) -> bool:
    """Replace the objector's name, email and phone, delete their file, shred their key and
    tell the other services (``objector.erased``, naming the subject id only). False when
    the objector was erased meanwhile (another worker): told once already."""
    forgotten = uow.objections.forget(
        row["id"],
        name=ERASED_NAME,
        email=f"erased-{row['subject_id']}@invalid",
        phone=None,
        subject_key=None,
        file_content=None,
        file_name=None,
        file_type=None,
        file_sha256=None,
    )
    if forgotten:
        emit(
            uow,
            OBJECTOR_ERASED,
            row["subject_id"],
            {"subject_id": row["subject_id"], "erased_at": now, "reason": reason},
        )
    return forgotten


def erase_objector(email: str, actor: str, now: datetime, uow: ReviewWork) -> int:
    """Erase an objector (docs/PRIVACY.md): their name, email and phone are replaced, the
    file they attached is deleted and their key shredded, so every ``objection.*`` event
    naming them is unreadable everywhere; ``objector.erased`` makes the notification
    service forget its deliveries to them. The objection itself (reason, answer) stays for
    the record of the decision. Returns how many objections named them."""
    with uow:
        erased = 0
        for row in uow.objections.by_email(email):
            if not _forget_objector(uow, row, now, "request"):
                continue  # erased meanwhile
            erased += 1
            uow.audit.record(
                actor,
                "objector_erased",
                "proposal",
                row["proposal_id"],
                {"objection": row["id"]},
                {"objection": row["id"], "erased_at": now.isoformat()},
            )
        return erased


def retain_objections(proposal_id: str, now: datetime, uow: ReviewWork) -> int:
    """Retention (``proposal.retained``: the proposal's cycle closed longer ago than
    PRIVACY_RETENTION_DAYS): the objections to the proposal lose their objector's personal
    data as in an erasure; the reason and the answer stay for the record. Joins the
    caller's unit of work. Returns how many objectors were erased (0 the second time)."""
    erased = 0
    for row in uow.objections.with_objector(proposal_id):
        if not _forget_objector(uow, row, now, "retention"):
            continue  # erased meanwhile
        erased += 1
        uow.audit.record(
            "retention",
            "objector_retained",
            "proposal",
            proposal_id,
            {"objection": row["id"]},
            {"objection": row["id"], "erased_at": now.isoformat()},
        )
    return erased


def objector_key(subject_id: str, uow: ReviewWork) -> bytes:
    """An objector's key; raises NotFound (no such objector), ObjectorErased."""
    with uow:
        found = uow.objections.by_subject(subject_id)
    if found is None:
        raise NotFound("No objector with this subject id.", "subject.not_found")
    if not found["subject_key"]:
        raise ObjectorErased(subject_id)
    return bytes(found["subject_key"])


# A person-wide request of the submission service (docs/PRIVACY.md: "A person-wide request
# reaches objectors"): the person arrives as keyed hashes of their email and phone.
PERSON_REQUEST_ACTOR = "subject-request"


def _backfill_match(uow: ReviewWork, key: str) -> None:
    """Compute the keyed hashes of every objector not erased that has none yet (filed
    before the hashes or while SUBJECT_MATCH_KEY was empty): their email is still there."""
    for row in uow.objections.unmatched():
        uow.objections.change(
            row["id"],
            match_email=matching.email_hash(key, row["email"]),
            match_phone=matching.phone_hash(key, row["phone"]),
        )


def _matched(uow: ReviewWork, key: str, match: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not key or not match:
        return []
    _backfill_match(uow, key)
    return uow.objections.matching(match.get("email"), match.get("phone"))


def objector_part(row: dict[str, Any], title: str) -> dict[str, Any]:
    """What the review service holds about an objector for one objection (their export)."""
    file = None
    if row.get("file_name"):
        file = {"name": row["file_name"], "type": row["file_type"], "sha256": row["file_sha256"]}
    return {
        "objection_id": row["id"],
        "proposal_id": row["proposal_id"],
        "cycle_id": row["cycle_id"],
        "title": title,
        "name": row["name"],
        "email": row["email"],
        "phone": row["phone"],
        "language": row["language"],
        "reason": row["reason"],
        "status": row["status"],
        "answer": row["answer"],
        "filed_at": _iso(row["filed_at"]),
        "answered_at": _iso(row["answered_at"]),
        "resolved_at": _iso(row["resolved_at"]),
        "file": file,
    }


def export_person_objectors(event: Event, key: str, uow: ReviewWork) -> int:
    """``subject.export_requested`` with ``match``: answer ``review.objectors_exported``
    with each objector found, their part sealed under their own key (an objector erased
    later leaves it unreadable everywhere). One answer per export, empty when nobody
    matched; nothing without ``match`` or without SUBJECT_MATCH_KEY. Joins the caller's
    unit of work. How many objections were found."""
    request = spec_for(SUBJECT_EXPORT_REQUESTED).validator.load(event.data)
    if not key or not request.get("match"):
        return 0
    with uow:
        rows = _matched(uow, key, request["match"])
        found = []
        for row in rows:
            proposal = uow.proposals.get(row["proposal_id"]) or {}
            part = {"objections": [objector_part(row, proposal.get("title") or "")]}
            sealed = sealing.seal(bytes(row["subject_key"]), row["subject_id"], part)
            found.append({"subject_id": row["subject_id"], "sealed": sealed})
        emit(
            uow,
            REVIEW_OBJECTORS_EXPORTED,
            request["export_id"],
            {"export_id": request["export_id"], "objectors": found},
            cause=event,
        )
    return len(rows)


def _erase_on_request(uow: ReviewWork, row: dict[str, Any], now: datetime) -> bool:
    if not _forget_objector(uow, row, now, "request"):
        return False
    uow.audit.record(
        PERSON_REQUEST_ACTOR,
        "objector_erased",
        "proposal",
        row["proposal_id"],
        {"objection": row["id"]},
        {"objection": row["id"], "erased_at": now.isoformat()},
    )
    return True


def _told_as_innovator(request: dict[str, Any], row: dict[str, Any]) -> bool:
    """Whether the submission service tells this objection's address already: it tells a
    person who is also an innovator (``subjects_told``) at the innovator address the
    request named. An objection filed with another address (found by the phone) is told
    as an objection, so that the notice reaches the address it was filed with too."""
    named = request["match"].get("email")
    return bool(request["subjects_told"] and named and named == row["match_email"])


def erase_person_objectors(event: Event, key: str, now: datetime, uow: ReviewWork) -> int:
    """``person.erasure_requested``: erase the objectors the keyed hashes match, as
    ``erase_objector`` does, now when ``erase_after`` has come. Else the request is kept
    until it comes (``erase_due_objectors`` matches again then, so that an objection filed
    during the notice period goes too), and ``objector.erasure_requested`` lets the
    notification service tell each objection's address first, unless the submission
    service tells it as the innovator's. Joins the caller's unit of work. How many
    objections matched now."""
    request = spec_for(PERSON_ERASURE_REQUESTED).validator.load(event.data)
    erase_after = request["erase_after"]
    with uow:
        rows = _matched(uow, key, request["match"])
        if erase_after <= now:
            return sum(_erase_on_request(uow, row, now) for row in rows)
        uow.objections.pend_person_erasure(
            {
                "request_id": request["request_id"],
                "match_email": request["match"].get("email"),
                "match_phone": request["match"].get("phone"),
                "requested_at": request["requested_at"],
                "erase_after": erase_after,
            }
        )
        for row in rows:
            if row.get("erase_after") is not None and row["erase_after"] <= erase_after:
                continue  # announced already by an earlier request
            uow.objections.change(row["id"], erase_after=erase_after)
            if not _told_as_innovator(request, row):
                emit(
                    uow,
                    OBJECTOR_ERASURE_REQUESTED,
                    row["subject_id"],
                    {
                        "subject_id": row["subject_id"],
                        "proposal_id": row["proposal_id"],
                        "objector": objector(row, bytes(row["subject_key"])),
                        "erase_after": erase_after,
                    },
                    cause=event,
                )
    return len(rows)


def erase_due_objectors(now: datetime, uow: ReviewWork, key: str) -> int:
    """Carry out the announced person-wide erasures that are due (the review worker's
    loop): match each request's keyed hashes again, so that every objection of the person
    filed by now is erased, also during the notice period; then the objections marked
    due by a request made before the requests were kept. Each once across workers (the
    request is taken off the list in the erasure's transaction; an erased objector has no
    key and is not found again). How many objections."""
    with uow:
        erased = 0
        for request in uow.objections.person_erasures_due(now):
            if not uow.objections.finish_person_erasure(request["request_id"]):
                continue
            match = {"email": request["match_email"], "phone": request["match_phone"]}
            erased += sum(_erase_on_request(uow, row, now) for row in _matched(uow, key, match))
        for row in uow.objections.erasures_due(now):
            erased += _erase_on_request(uow, row, now)
        return erased
