"""Evidence files of a proposal: metadata in the database, bytes in a ``BlobStore``."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select

from services.submission.adapters.blobs import BlobStore, BlobUnavailable
from services.submission.domain import evidence as rules
from services.submission.domain import lifecycle
from services.submission.store.registry import iso
from services.submission.store.tables import evidence, proposals
from services.submission.usecases.proposals import ProposalNotFound

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


def _proposal(conn: Connection, proposal_id: str, agency_id: str, lock: bool = False) -> Any:
    query = select(proposals.c.id, proposals.c.status).where(
        proposals.c.id == proposal_id, proposals.c.agency_id == agency_id
    )
    # The row lock serialises uploads to one proposal so its total limit holds (PostgreSQL).
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise ProposalNotFound(proposal_id)
    return row


def upload(
    engine: Engine,
    blobs: BlobStore,
    agency_id: str,
    proposal_id: str,
    filename: str,
    data: bytes,
    limits: Limits,
) -> dict[str, Any]:
    """Check and store one file while the proposal is editable.

    Raises ``ProposalNotFound``, ``IllegalTransition``, ``UnsupportedEvidence``
    or ``EvidenceTooLarge``. Blocks on the database and the blob store.
    """
    with engine.begin() as conn:
        row = _proposal(conn, proposal_id, agency_id, lock=True)
        lifecycle.require(row.status, lifecycle.CHANGE_EVIDENCE)
        stored = conn.execute(
            select(func.coalesce(func.sum(evidence.c.size), 0)).where(
                evidence.c.proposal_id == proposal_id
            )
        ).scalar_one()
        checked = rules.check(
            filename, data, int(stored), limits.max_file_bytes, limits.max_total_bytes
        )
        evidence_id = str(uuid.uuid4())
        key = f"{proposal_id}/{evidence_id}"
        blobs.put(key, data, checked.content_type)
        try:
            conn.execute(
                insert(evidence).values(
                    id=evidence_id,
                    proposal_id=proposal_id,
                    filename=checked.filename,
                    content_type=checked.content_type,
                    size=checked.size,
                    sha256=checked.sha256,
                    storage_key=key,
                    created_at=datetime.now(UTC),
                )
            )
            return evidence_view(
                conn.execute(select(evidence).where(evidence.c.id == evidence_id)).one()
            )
        except BaseException:
            blobs.delete(key)
            raise


def list_files(engine: Engine, agency_id: str, proposal_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        _proposal(conn, proposal_id, agency_id)
        rows = conn.execute(
            select(evidence)
            .where(evidence.c.proposal_id == proposal_id)
            .order_by(evidence.c.created_at, evidence.c.id)
        ).all()
    return [evidence_view(r) for r in rows]


def _file(conn: Connection, proposal_id: str, evidence_id: str) -> Any:
    row = conn.execute(
        select(evidence).where(evidence.c.id == evidence_id, evidence.c.proposal_id == proposal_id)
    ).first()
    if row is None:
        raise EvidenceNotFound(evidence_id)
    return row


def get_file(engine: Engine, agency_id: str, proposal_id: str, evidence_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        _proposal(conn, proposal_id, agency_id)
        return evidence_view(_file(conn, proposal_id, evidence_id))


def read_file(
    engine: Engine, blobs: BlobStore, agency_id: str, proposal_id: str, evidence_id: str
) -> tuple[dict[str, Any], bytes]:
    """The file's metadata and bytes. Raises ``BlobMissing`` if storage lost it."""
    with engine.connect() as conn:
        _proposal(conn, proposal_id, agency_id)
        row = _file(conn, proposal_id, evidence_id)
    return evidence_view(row), blobs.get(row.storage_key)


def delete_file(
    engine: Engine, blobs: BlobStore, agency_id: str, proposal_id: str, evidence_id: str
) -> None:
    with engine.begin() as conn:
        row = _proposal(conn, proposal_id, agency_id, lock=True)
        lifecycle.require(row.status, lifecycle.CHANGE_EVIDENCE)
        key = _file(conn, proposal_id, evidence_id).storage_key
        conn.execute(delete(evidence).where(evidence.c.id == evidence_id))
    # After the commit: a failure here leaves an orphaned object, never a dangling row.
    try:
        blobs.delete(key)
    except BlobUnavailable:
        log.warning("evidence %s deleted; its object %s stays in storage", evidence_id, key)
