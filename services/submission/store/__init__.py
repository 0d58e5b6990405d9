"""Persistence of the submission service: agencies and keys, proposals and their
versions, evidence files, timeline, cycles, idempotency records, outbox and inbox."""

from services.submission.store.registry import (
    Caller,
    add_api_key,
    authenticate,
    create_agency,
    find_agency_by_code,
)
from services.submission.store.tables import (
    agencies,
    api_keys,
    cycles,
    evidence,
    idempotency_keys,
    inbox,
    metadata,
    outbox,
    proposal_versions,
    proposals,
    subjects,
    timeline,
)

__all__ = [
    "Caller",
    "add_api_key",
    "agencies",
    "api_keys",
    "authenticate",
    "create_agency",
    "cycles",
    "evidence",
    "find_agency_by_code",
    "idempotency_keys",
    "inbox",
    "metadata",
    "outbox",
    "proposal_versions",
    "proposals",
    "subjects",
    "timeline",
]
