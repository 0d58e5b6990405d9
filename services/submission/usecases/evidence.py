"""Evidence files of a proposal: metadata in the database, bytes in a ``BlobStore``."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.submission.adapters.blobs import BlobStore, BlobUnavailable
from services.submission.domain import evidence as rules
from services.submission.domain import lifecycle
from services.submission.store.registry import iso
from services.submission.usecases.proposals import ProposalNotFound
from services.submission.usecases.work import SubmissionWork

log = logging.getLogger(__name__)


class EvidenceNotFound(LookupError):
    """No such file on this proposal."""


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_total_bytes: int


def evidence_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "created_at": iso(row.created_at),
    }


def _proposal(uow: SubmissionWork, proposal_id: str, agency_id: str, lock: bool = False) -> Any:
    row = uow.evidence.owner(proposal_id, agency_id, lock)
    if row is None:
        raise ProposalNotFound(proposal_id)
    return row


@dataclass(frozen=True)
class UploadEvidence:
    agency_id: str
    proposal_id: str
    filename: str
    data: bytes
    limits: Limits


def upload_evidence(
    command: UploadEvidence, uow: SubmissionWork, blobs: BlobStore
) -> dict[str, Any]:
    """Check and store one file while the proposal is editable.

    Raises ``ProposalNotFound``, ``IllegalTransition``, ``UnsupportedEvidence``
    or ``EvidenceTooLarge``. Blocks on the database and the blob store.
    """
    proposal_id, limits = command.proposal_id, command.limits
    with uow:
        row = _proposal(uow, proposal_id, command.agency_id, lock=True)
        lifecycle.require(row.status, lifecycle.CHANGE_EVIDENCE)
        checked = rules.check(
            command.filename,
            command.data,
            uow.evidence.total_size(proposal_id),
            limits.max_file_bytes,
            limits.max_total_bytes,
        )
        evidence_id = str(uuid.uuid4())
        key = f"{proposal_id}/{evidence_id}"
        blobs.put(key, command.data, checked.content_type)
        try:
            stored = uow.evidence.add(
                {
                    "id": evidence_id,
                    "proposal_id": proposal_id,
                    "filename": checked.filename,
                    "content_type": checked.content_type,
                    "size": checked.size,
                    "sha256": checked.sha256,
                    "storage_key": key,
                    "created_at": datetime.now(UTC),
                }
            )
        except BaseException:
            blobs.delete(key)
            raise
    return evidence_view(stored)


def list_evidence(agency_id: str, proposal_id: str, uow: SubmissionWork) -> list[dict[str, Any]]:
    with uow:
        _proposal(uow, proposal_id, agency_id)
        rows = uow.evidence.all(proposal_id)
    return [evidence_view(r) for r in rows]


def _file(uow: SubmissionWork, proposal_id: str, evidence_id: str) -> Any:
    row = uow.evidence.get(proposal_id, evidence_id)
    if row is None:
        raise EvidenceNotFound(evidence_id)
    return row


def get_evidence(
    agency_id: str, proposal_id: str, evidence_id: str, uow: SubmissionWork
) -> dict[str, Any]:
    with uow:
        _proposal(uow, proposal_id, agency_id)
        return evidence_view(_file(uow, proposal_id, evidence_id))


def read_evidence(
    agency_id: str, proposal_id: str, evidence_id: str, uow: SubmissionWork, blobs: BlobStore
) -> tuple[dict[str, Any], bytes]:
    """The file's metadata and bytes. Raises ``BlobMissing`` if storage lost it."""
    with uow:
        _proposal(uow, proposal_id, agency_id)
        row = _file(uow, proposal_id, evidence_id)
    return evidence_view(row), blobs.get(row.storage_key)


def delete_evidence(
    agency_id: str, proposal_id: str, evidence_id: str, uow: SubmissionWork, blobs: BlobStore
) -> None:
    with uow:
        row = _proposal(uow, proposal_id, agency_id, lock=True)
        lifecycle.require(row.status, lifecycle.CHANGE_EVIDENCE)
        key = _file(uow, proposal_id, evidence_id).storage_key
        uow.evidence.remove(evidence_id)
    # After the commit: a failure here leaves an orphaned object, never a dangling row.
    try:
        blobs.delete(key)
    except BlobUnavailable:
        log.warning("evidence %s deleted; its object %s stays in storage", evidence_id, key)
