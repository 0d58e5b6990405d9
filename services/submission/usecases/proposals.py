"""Proposals: the agency's use cases (draft, edit, submit, withdraw) and its reads
(one, a page of a search, a version, the timeline).

Each use case is one unit of work (``uow.py``): the row, its version, its outbox
event and its timeline entry commit together. The SQL is in ``store/proposal_rows.py``.
Every read and write is scoped to the calling agency, so another agency's proposal
is as absent as an unknown one.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Engine

from services.submission import domain
from services.submission.domain import lifecycle, timeline, window
from services.submission.store import changes
from services.submission.store import proposal_rows as rows
from services.submission.store.cycle_records import known_cycles
from services.submission.store.registry import Caller, aware, iso
from services.submission.usecases.uow import UnitOfWork


class ProposalNotFound(LookupError):
    """No such proposal for this agency."""


class ConcurrentChange(Exception):
    """Another request changed the proposal between our read and our write."""


class BadCursor(ValueError):
    """A pagination cursor this service did not hand out."""


def _domain(row: Any) -> domain.Proposal:
    return domain.Proposal(
        id=row.id,
        agency_id=row.agency_id,
        status=row.status,
        version=row.version,
        profile=row.profile,
        created_at=aware(row.created_at),
        submitted_at=aware(row.submitted_at) if row.submitted_at else None,
        cycle_id=row.cycle_id,
        submitted_version=row.submitted_version,
    )


def proposal_view(row: Any) -> dict[str, Any]:
    """The JSON body an agency sees for a proposal (the same on create, replay and read)."""
    return {
        "id": row.id,
        "status": row.status,
        "version": row.version,
        "submitted_version": row.submitted_version or None,
        "agency_id": row.agency_id,
        "cycle_id": row.cycle_id,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "submitted_at": iso(row.submitted_at),
        "allowed_actions": list(domain.allowed_actions(row.status)),
        "revision_request": row.revision_request,
        "profile": row.profile,
    }


def _row(conn: Connection, proposal_id: str, agency_id: str) -> Any:
    row = rows.find(conn, proposal_id, agency_id)
    if row is None:
        raise ProposalNotFound(proposal_id)
    return row


def _reread(conn: Connection, proposal_id: str) -> dict[str, Any]:
    return proposal_view(rows.get(conn, proposal_id))


def _submission_cycle(
    conn: Connection, wanted: str | None, now: datetime, configured: window.Cycle | None
) -> str | None:
    return window.cycle_for_submission(known_cycles(conn, configured), wanted, now)


def _check_cycle_exists(
    conn: Connection, cycle_id: str | None, configured: window.Cycle | None
) -> None:
    if cycle_id is not None:
        window.known(known_cycles(conn, configured), cycle_id)


def _save_version(conn: Connection, proposal: domain.Proposal, now: datetime) -> None:
    rows.insert_version(
        conn,
        {
            "proposal_id": proposal.id,
            "version": proposal.version,
            "profile": proposal.profile,
            "cycle_id": proposal.cycle_id,
            "created_at": now,
        },
    )


def _write_changes(
    uow: UnitOfWork, proposal: domain.Proposal, now: datetime
) -> list[dict[str, Any]]:
    """Record the proposal's events; a submission also freezes its version's evidence."""
    files: list[dict[str, Any]] = []
    for change in proposal.events:
        if isinstance(change, domain.ProposalSubmitted):
            files = rows.evidence_refs(uow.conn, proposal.id)
            rows.freeze_version(
                uow.conn, proposal.id, proposal.version, now, files, proposal.cycle_id
            )
        changes.record(uow.conn, change, files, uow.publish)
    return files


def _new_proposal(
    conn: Connection,
    caller: Caller,
    profile: dict[str, Any],
    cycle_id: str | None,
    as_draft: bool,
    configured: window.Cycle | None,
    now: datetime,
) -> domain.Proposal:
    """A new draft in a known cycle (or none), or a proposal submitted inside a window."""
    proposal_id = domain.new_proposal_id()
    if as_draft:
        _check_cycle_exists(conn, cycle_id, configured)
        return domain.draft_proposal(caller.agency, profile, now, proposal_id, cycle_id)
    chosen = _submission_cycle(conn, cycle_id, now, configured)
    return domain.submit_proposal(caller.agency, profile, now, proposal_id, chosen)


def _insert_new(conn: Connection, proposal: domain.Proposal, now: datetime) -> dict[str, Any]:
    """Write a new proposal's row and its first version; the row as written."""
    profile = proposal.profile
    row = {
        "id": proposal.id,
        "agency_id": proposal.agency_id,
        "status": proposal.status,
        "version": proposal.version,
        "submitted_version": proposal.submitted_version,
        "title": profile["title"],
        "category": profile["category"],
        "maturity": profile["maturity"],
        "cycle_id": proposal.cycle_id,
        "profile": profile,
        "created_at": now,
        "updated_at": now,
        "submitted_at": proposal.submitted_at,
    }
    rows.insert_proposal(conn, row)
    rows.insert_version(
        conn,
        {
            "proposal_id": proposal.id,
            "version": proposal.version,
            "profile": profile,
            "cycle_id": proposal.cycle_id,
            "created_at": now,
            "submitted_at": proposal.submitted_at,
            # A submission freezes the evidence it went with: none yet.
            "evidence": [] if proposal.submitted_at else None,
        },
    )
    return row


def create_proposal(
    engine: Engine,
    caller: Caller,
    profile: dict[str, Any],
    cycle_id: str | None,
    as_draft: bool,
    configured: window.Cycle | None = None,
    also: Callable[[Connection, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Store a new draft, or a proposal submitted at once (refused outside the window).

    A new proposal has no evidence yet, so a submission freezes an empty list and the
    answer is built from the row as written (no evidence query, no re-read). ``also``
    runs in the same transaction with that answer (an Idempotency-Key's record).
    """
    if not as_draft and not domain.may_send_to_review(caller.role, caller.agency):
        raise domain.NotPermitted(
            "A drafter key may only save drafts (add ?draft=true); the agency's "
            "administrator submits them."
        )
    now = datetime.now(UTC)
    with UnitOfWork(engine) as uow:
        conn = uow.conn
        proposal = _new_proposal(conn, caller, profile, cycle_id, as_draft, configured, now)
        row = _insert_new(conn, proposal, now)
        files: list[dict[str, Any]] = []  # a new proposal has no evidence yet
        for change in proposal.events:
            changes.record(conn, change, files, uow.publish)
        created = proposal_view(SimpleNamespace(**row, revision_request=None))
        if also is not None:
            also(conn, created)
    return created


def _change(
    engine: Engine,
    caller: Caller,
    proposal_id: str,
    step: Callable[[Connection, domain.Proposal, datetime], domain.Proposal],
) -> dict[str, Any]:
    now = datetime.now(UTC)
    with UnitOfWork(engine) as uow:
        conn = uow.conn
        before = _domain(_row(conn, proposal_id, caller.agency.id))
        after = step(conn, before, now)
        values: dict[str, Any] = {
            "status": after.status,
            "version": after.version,
            "submitted_version": after.submitted_version,
            "cycle_id": after.cycle_id,
            "profile": after.profile,
            "title": after.profile["title"],
            "category": after.profile["category"],
            "maturity": after.profile["maturity"],
            "submitted_at": after.submitted_at,
            "updated_at": now,
        }
        if not rows.update_if_unchanged(conn, proposal_id, before.status, before.version, values):
            raise ConcurrentChange(proposal_id)
        if after.version != before.version:
            _save_version(conn, after, now)
        _write_changes(uow, after, now)
        return _reread(conn, proposal_id)


def edit_proposal(
    engine: Engine,
    caller: Caller,
    proposal_id: str,
    profile: dict[str, Any],
    cycle_id: str | None,
    configured: window.Cycle | None = None,
) -> dict[str, Any]:
    def step(conn: Connection, proposal: domain.Proposal, now: datetime) -> domain.Proposal:
        lifecycle.require(proposal.status, lifecycle.EDIT)
        _check_cycle_exists(conn, cycle_id, configured)
        return lifecycle.edit(proposal, profile, cycle_id, now)

    return _change(engine, caller, proposal_id, step)


def submit_proposal(
    engine: Engine,
    caller: Caller,
    proposal_id: str,
    cycle_id: str | None,
    configured: window.Cycle | None = None,
) -> dict[str, Any]:
    """Submit a draft (inside its cycle's window) or resubmit after a revision request.

    A resubmission is not held to the window: revisions are asked for during review.
    """

    def step(conn: Connection, proposal: domain.Proposal, now: datetime) -> domain.Proposal:
        lifecycle.require(proposal.status, lifecycle.SUBMIT)
        if not domain.may_send_to_review(caller.role, caller.agency):
            raise domain.NotPermitted("Only the agency's administrator may submit.")
        if proposal.status == lifecycle.REVISION_REQUESTED:
            chosen = proposal.cycle_id  # a resubmission stays in its cycle
        else:
            chosen = _submission_cycle(conn, cycle_id or proposal.cycle_id, now, configured)
        return lifecycle.submit(proposal, caller.agency, chosen, now)

    return _change(engine, caller, proposal_id, step)


def withdraw_proposal(
    engine: Engine, caller: Caller, proposal_id: str, reason: str
) -> dict[str, Any]:
    def step(conn: Connection, proposal: domain.Proposal, now: datetime) -> domain.Proposal:
        lifecycle.require(proposal.status, lifecycle.WITHDRAW)
        if not domain.may_send_to_review(caller.role, caller.agency):
            raise domain.NotPermitted("Only the agency's administrator may withdraw.")
        return lifecycle.withdraw(proposal, caller.agency, reason, now)

    return _change(engine, caller, proposal_id, step)


def get_proposal(engine: Engine, proposal_id: str, agency_id: str) -> dict[str, Any] | None:
    """The proposal if it belongs to ``agency_id``; None otherwise (never leak existence)."""
    with engine.connect() as conn:
        try:
            return proposal_view(_row(conn, proposal_id, agency_id))
        except ProposalNotFound:
            return None


@dataclass(frozen=True)
class Search:
    cycle_id: str | None = None
    status: str | None = None
    category: str | None = None
    maturity: str | None = None
    q: str | None = None
    cursor: str | None = None
    limit: int = 20


def encode_cursor(created_at: datetime, proposal_id: str) -> str:
    raw = json.dumps([aware(created_at).isoformat(), proposal_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, proposal_id = json.loads(raw)
        return aware(datetime.fromisoformat(moment)), str(proposal_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BadCursor("This cursor was not handed out by this API.") from exc


def search_proposals(engine: Engine, agency_id: str, search: Search) -> dict[str, Any]:
    """A page of the agency's proposals, newest first, ordered by (created_at, id)."""
    before = decode_cursor(search.cursor) if search.cursor else None
    equal = [
        ("cycle_id", search.cycle_id),
        ("status", search.status),
        ("category", search.category),
        ("maturity", search.maturity),
    ]
    with engine.connect() as conn:
        found = rows.search(conn, agency_id, equal, search.q, before, search.limit + 1)
    page = found[: search.limit]
    more = len(found) > search.limit
    return {
        "items": [proposal_view(r) for r in page],
        "next_cursor": encode_cursor(page[-1].created_at, page[-1].id) if more else None,
    }


def _version_view(row: Any) -> dict[str, Any]:
    return {
        "proposal_id": row.proposal_id,
        "version": row.version,
        "cycle_id": row.cycle_id,
        "created_at": iso(row.created_at),
        "submitted_at": iso(row.submitted_at),
        "evidence": row.evidence,
        "profile": row.profile,
    }


def list_versions(engine: Engine, proposal_id: str, agency_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        _row(conn, proposal_id, agency_id)
        found = rows.versions(conn, proposal_id)
    return [_version_view(r) for r in found]


def get_version(
    engine: Engine, proposal_id: str, agency_id: str, version: int
) -> dict[str, Any] | None:
    with engine.connect() as conn:
        _row(conn, proposal_id, agency_id)
        row = rows.version(conn, proposal_id, version)
    return _version_view(row) if row else None


def get_timeline(engine: Engine, proposal_id: str, agency_id: str) -> list[dict[str, Any]]:
    """Every step of the proposal in both services, oldest first, reviewer-anonymous."""
    with engine.connect() as conn:
        _row(conn, proposal_id, agency_id)
        entries = rows.timeline_entries(conn, proposal_id)
        per_round = rows.reviewers_per_round(conn, proposal_id)
    return [
        {
            "type": r.type,
            "at": iso(r.at),
            "version": r.version,
            "summary": timeline.summary(
                r.type, r.version, r.facts, int(per_round.get(r.facts.get("round"), 0))
            ),
            "facts": r.facts,
        }
        for r in entries
    ]
