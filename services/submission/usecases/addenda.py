"""Addenda: evidence added to a submitted proposal as a dated file and note (issue 15,
item 5). The submitted version stays as it was; the addendum goes to review beside it
(``proposal.addendum_added``) and onto the proposal's timeline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from services.submission import domain
from services.submission.adapters.blobs import BlobStore
from services.submission.domain import evidence as rules
from services.submission.domain import lifecycle, window
from services.submission.store.registry import Caller, iso
from services.submission.usecases.events import addendum_event
from services.submission.usecases.evidence import Limits
from services.submission.usecases.proposals import ProposalNotFound
from services.submission.usecases.work import SubmissionWork
from shared.events.catalog import PROPOSALS


class AddendaClosed(Exception):
    """Screening has closed and no revision is asked for: no addendum now."""


class AddendumNotFound(LookupError):
    """No such addendum on this proposal."""


def addendum_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "version": row.version,
        "note": row.note,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "created_at": iso(row.created_at),
    }


@dataclass(frozen=True)
class AddAddendum:
    caller: Caller
    proposal_id: str
    filename: str
    data: bytes
    note: str
    limits: Limits
    configured: window.Cycle | None = None


def _open_for_addenda(uow: SubmissionWork, row: Any, now: datetime, configured: Any) -> None:
    """Until screening closes (the cycle's window), or whenever a revision is asked for."""
    lifecycle.require(row.status, lifecycle.ADD_ADDENDUM)
    if row.status == lifecycle.REVISION_REQUESTED:
        return
    if not window.addenda_open(uow.cycles.known(configured), row.cycle_id, now):
        raise AddendaClosed(
            "Screening of this proposal's cycle has closed: evidence can be added only "
            "when the secretariat asks for a revision."
        )


def add_addendum(command: AddAddendum, uow: SubmissionWork, blobs: BlobStore) -> dict[str, Any]:
    """Check and store the file, record the addendum and raise its event, in one transaction.

    Raises ``ProposalNotFound``, ``IllegalTransition``, ``AddendaClosed``, ``NotPermitted``,
    ``UnsupportedEvidence`` or ``EvidenceTooLarge``. Blocks on the database and the blob store.
    """
    caller, proposal_id, limits = command.caller, command.proposal_id, command.limits
    if not domain.may_send_to_review(caller.role, caller.agency):
        raise domain.NotPermitted("Only the agency's administrator may add an addendum.")
    now = datetime.now(UTC)
    with uow:
        if uow.evidence.owner(proposal_id, caller.agency.id, lock=True) is None:
            raise ProposalNotFound(proposal_id)
        row = uow.proposals.find(proposal_id, caller.agency.id)
        _open_for_addenda(uow, row, now, command.configured)
        already = uow.evidence.total_size(proposal_id) + sum(
            int(a.size) for a in uow.addenda.all(proposal_id)
        )
        checked = rules.check(
            command.filename, command.data, already, limits.max_file_bytes, limits.max_total_bytes
        )
        addendum_id = str(uuid.uuid4())
        key = f"{proposal_id}/{addendum_id}"  # ids are unique: beside the evidence files
        stored = {
            "id": addendum_id,
            "proposal_id": proposal_id,
            "version": row.submitted_version or row.version,
            "note": command.note,
            "filename": checked.filename,
            "content_type": checked.content_type,
            "size": checked.size,
            "sha256": checked.sha256,
            "storage_key": key,
            "created_at": now,
        }
        file = {k: stored[k] for k in ("filename", "content_type", "size", "sha256")}
        file["id"] = addendum_id
        blobs.put(key, command.data, checked.content_type)
        try:
            uow.addenda.add(stored)
            event = addendum_event(caller.agency, stored, file)
            uow.emit(PROPOSALS, event)
            uow.timeline.add(
                proposal_id,
                event.type,
                stored["version"],
                now,
                {"addendum_id": addendum_id, "filename": checked.filename, "note": command.note},
                event.id,
            )
        except BaseException:
            blobs.delete(key)
            raise
    return addendum_view(SimpleNamespace(**stored))


def list_addenda(agency_id: str, proposal_id: str, uow: SubmissionWork) -> list[dict[str, Any]]:
    with uow:
        if uow.proposals.find(proposal_id, agency_id) is None:
            raise ProposalNotFound(proposal_id)
        rows = uow.addenda.all(proposal_id)
    return [addendum_view(r) for r in rows]


def read_addendum(
    agency_id: str, proposal_id: str, addendum_id: str, uow: SubmissionWork, blobs: BlobStore
) -> tuple[dict[str, Any], bytes]:
    """The addendum's metadata and its file's bytes. Raises ``BlobMissing`` if storage lost it."""
    with uow:
        if uow.proposals.find(proposal_id, agency_id) is None:
            raise ProposalNotFound(proposal_id)
        row = uow.addenda.get(proposal_id, addendum_id)
    if row is None:
        raise AddendumNotFound(addendum_id)
    return addendum_view(row), blobs.get(row.storage_key)
