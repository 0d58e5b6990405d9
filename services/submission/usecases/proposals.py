"""Proposals: the agency's use cases (draft, edit, submit, withdraw) and its reads
(one, a page of a search, a version, the timeline).

Each use case is one unit of work: the row, its version, its outbox event and its
timeline entry commit together. Every read and write is scoped to the calling
agency, so another agency's proposal is as absent as an unknown one.
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

from sqlalchemy import Connection

from services.submission import domain
from services.submission.domain import lifecycle, timeline, window
from services.submission.store.registry import Caller, aware, iso
from services.submission.usecases.events import (
    reopening_event,
    submission_event,
    withdrawal_event,
)
from services.submission.usecases.work import SubmissionWork
from shared.events.catalog import PROPOSALS

# What an Idempotency-Key's record needs: the work's connection and the answer.
Also = Callable[[Connection, dict[str, Any]], None]


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
        withdrawn_from=row.withdrawn_from,
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


def _row(uow: SubmissionWork, proposal_id: str, agency_id: str) -> Any:
    row = uow.proposals.find(proposal_id, agency_id)
    if row is None:
        raise ProposalNotFound(proposal_id)
    return row


_REFUSALS = (
    window.UnknownCycle,
    window.CycleNeeded,
    window.OutsideWindow,
    window.UnknownAwardCategory,
)


def _submission_cycle(
    uow: SubmissionWork,
    wanted: str | None,
    now: datetime,
    configured: window.Cycle | None,
    profile: dict[str, Any],
) -> str | None:
    """The cycle a submission goes to, the award category the agency chose checked against it."""
    try:
        return _checked_cycle(uow.cycles.known(configured), wanted, now, profile)
    except _REFUSALS:
        # Cycles remembered by the process may be a moment old: refuse only on fresh ones.
        if not uow.cycles.remembered:
            raise
        return _checked_cycle(uow.cycles.known(configured, fresh=True), wanted, now, profile)


def _checked_cycle(
    known: list[window.Cycle], wanted: str | None, now: datetime, profile: dict[str, Any]
) -> str | None:
    chosen = window.cycle_for_submission(known, wanted, now)
    window.check_award_category(known, chosen, profile.get("award_category"))
    return chosen


def _check_agency_limit(
    uow: SubmissionWork, agency_id: str, cycle_id: str | None, configured: window.Cycle | None
) -> None:
    """One agency, one innovation: refuse a submission over the cycle's maximum per agency."""
    if cycle_id is None:
        return
    cycles = uow.cycles.known(configured)
    cycle = next((c for c in cycles if c.id == cycle_id), None)
    if cycle is None or cycle.max_per_agency is None:
        return
    window.check_agency_limit(cycles, cycle_id, uow.participation.submitted_by(agency_id, cycle_id))


def _check_cycle_exists(
    uow: SubmissionWork, cycle_id: str | None, configured: window.Cycle | None
) -> None:
    if cycle_id is None:
        return
    try:
        window.known(uow.cycles.known(configured), cycle_id)
    except window.UnknownCycle:
        if not uow.cycles.remembered:
            raise
        window.known(uow.cycles.known(configured, fresh=True), cycle_id)


def _record(uow: SubmissionWork, change: Any, evidence: list[dict[str, Any]]) -> None:
    """Put one domain event where it belongs: the outbox and/or the timeline."""
    if isinstance(change, domain.ProposalDrafted):
        uow.timeline.add(change.proposal_id, "proposal.drafted", change.version, change.at)
    elif isinstance(change, domain.ProposalEdited):
        uow.timeline.add(change.proposal_id, "proposal.edited", change.version, change.at)
    elif isinstance(change, domain.ProposalSubmitted):
        event = submission_event(
            change,
            evidence,
            version=uow.event_version,
            key_of=lambda email, phone: uow.subjects.key_of(email, phone, change.submitted_at),
        )
        uow.emit(PROPOSALS, event)
        uow.timeline.add(
            change.proposal_id,
            event.type,
            change.version,
            change.submitted_at,
            {"cycle_id": change.cycle_id},
            event.id,
        )
    elif isinstance(change, domain.ProposalWithdrawn):
        event = withdrawal_event(change)
        uow.emit(PROPOSALS, event)
        uow.timeline.add(
            change.proposal_id,
            event.type,
            change.version,
            change.withdrawn_at,
            {"reason": change.reason},
            event.id,
        )
    elif isinstance(change, domain.ProposalReopened):
        event = reopening_event(change)
        uow.emit(PROPOSALS, event)
        uow.timeline.add(
            change.proposal_id,
            event.type,
            change.version,
            change.reopened_at,
            {"status": change.status},
            event.id,
        )
    else:  # pragma: no cover - a new domain event must be given a place here
        raise TypeError(f"no record for {change!r}")


def _write_changes(uow: SubmissionWork, proposal: domain.Proposal, now: datetime) -> None:
    """Record the proposal's events; a submission also freezes its version's evidence."""
    files: list[dict[str, Any]] = []
    for change in proposal.events:
        if isinstance(change, domain.ProposalSubmitted):
            files = uow.evidence.refs(proposal.id)
            uow.versions.freeze(proposal.id, proposal.version, now, files, proposal.cycle_id)
        _record(uow, change, files)


@dataclass(frozen=True)
class CreateProposal:
    caller: Caller
    profile: dict[str, Any]
    cycle_id: str | None
    as_draft: bool
    configured: window.Cycle | None = None
    also: Also | None = None


@dataclass(frozen=True)
class EditProposal:
    caller: Caller
    proposal_id: str
    profile: dict[str, Any]
    cycle_id: str | None
    configured: window.Cycle | None = None


@dataclass(frozen=True)
class SubmitProposal:
    caller: Caller
    proposal_id: str
    cycle_id: str | None
    configured: window.Cycle | None = None


@dataclass(frozen=True)
class WithdrawProposal:
    caller: Caller
    proposal_id: str
    reason: str


def create_proposal(command: CreateProposal, uow: SubmissionWork) -> dict[str, Any]:
    """Store a new draft, or a proposal submitted at once (refused outside the window).

    A new proposal has no evidence yet, so a submission freezes an empty list and the
    answer is built from the row as written (no evidence query, no re-read). ``also``
    runs in the same transaction with that answer (an Idempotency-Key's record).
    """
    caller, profile, configured = command.caller, command.profile, command.configured
    if not command.as_draft and not domain.may_send_to_review(caller.role, caller.agency):
        raise domain.NotPermitted(
            "A drafter key may only save drafts (add ?draft=true); the agency's "
            "administrator submits them."
        )
    now = datetime.now(UTC)
    with uow:
        proposal_id = domain.new_proposal_id()
        if command.as_draft:
            _check_cycle_exists(uow, command.cycle_id, configured)
            proposal = domain.draft_proposal(
                caller.agency, profile, now, proposal_id, command.cycle_id
            )
        else:
            chosen = _submission_cycle(uow, command.cycle_id, now, configured, profile)
            _check_agency_limit(uow, caller.agency.id, chosen, configured)
            proposal = domain.submit_proposal(caller.agency, profile, now, proposal_id, chosen)
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
        uow.proposals.add(row)
        files: list[dict[str, Any]] = []
        uow.versions.add(
            {
                "proposal_id": proposal.id,
                "version": proposal.version,
                "profile": profile,
                "cycle_id": proposal.cycle_id,
                "created_at": now,
                "submitted_at": proposal.submitted_at,
                "evidence": files if proposal.submitted_at else None,
            }
        )
        for change in proposal.events:
            _record(uow, change, files)
        created = proposal_view(SimpleNamespace(**row, revision_request=None))
        if command.also is not None:
            command.also(uow.conn, created)
    return created


Step = Callable[[SubmissionWork, domain.Proposal, datetime], domain.Proposal]


def _change(uow: SubmissionWork, caller: Caller, proposal_id: str, step: Step) -> dict[str, Any]:
    now = datetime.now(UTC)
    with uow:
        before = _domain(_row(uow, proposal_id, caller.agency.id))
        after = step(uow, before, now)
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
            "withdrawn_from": after.withdrawn_from,
            "updated_at": now,
        }
        # Optimistic: a concurrent change of the same proposal makes this match nothing.
        if not uow.proposals.change(proposal_id, before.status, before.version, values):
            raise ConcurrentChange(proposal_id)
        if after.version != before.version:
            uow.versions.add(
                {
                    "proposal_id": after.id,
                    "version": after.version,
                    "profile": after.profile,
                    "cycle_id": after.cycle_id,
                    "created_at": now,
                }
            )
        _write_changes(uow, after, now)
        return proposal_view(_row(uow, proposal_id, caller.agency.id))


def edit_proposal(command: EditProposal, uow: SubmissionWork) -> dict[str, Any]:
    def step(uow: SubmissionWork, proposal: domain.Proposal, now: datetime) -> domain.Proposal:
        lifecycle.require(proposal.status, lifecycle.EDIT)
        _check_cycle_exists(uow, command.cycle_id, command.configured)
        return lifecycle.edit(proposal, command.profile, command.cycle_id, now)

    return _change(uow, command.caller, command.proposal_id, step)


def submit_proposal(command: SubmitProposal, uow: SubmissionWork) -> dict[str, Any]:
    """Submit a draft (inside its cycle's window) or resubmit after a revision request.

    A resubmission is not held to the window: revisions are asked for during review.
    """
    caller = command.caller

    def step(uow: SubmissionWork, proposal: domain.Proposal, now: datetime) -> domain.Proposal:
        lifecycle.require(proposal.status, lifecycle.SUBMIT)
        if not domain.may_send_to_review(caller.role, caller.agency):
            raise domain.NotPermitted("Only the agency's administrator may submit.")
        if proposal.status == lifecycle.REVISION_REQUESTED:
            chosen = proposal.cycle_id  # a resubmission stays in its cycle
        else:
            wanted = command.cycle_id or proposal.cycle_id
            chosen = _submission_cycle(uow, wanted, now, command.configured, proposal.profile)
            _check_agency_limit(uow, caller.agency.id, chosen, command.configured)
        return lifecycle.submit(proposal, caller.agency, chosen, now)

    return _change(uow, caller, command.proposal_id, step)


def withdraw_proposal(command: WithdrawProposal, uow: SubmissionWork) -> dict[str, Any]:
    caller = command.caller

    def step(uow: SubmissionWork, proposal: domain.Proposal, now: datetime) -> domain.Proposal:
        lifecycle.require(proposal.status, lifecycle.WITHDRAW)
        if not domain.may_send_to_review(caller.role, caller.agency):
            raise domain.NotPermitted("Only the agency's administrator may withdraw.")
        return lifecycle.withdraw(proposal, caller.agency, command.reason, now)

    return _change(uow, caller, command.proposal_id, step)


@dataclass(frozen=True)
class ReopenProposal:
    caller: Caller
    proposal_id: str
    configured: window.Cycle | None = None


def _check_reopen(
    uow: SubmissionWork, cycle_id: str | None, now: datetime, configured: window.Cycle | None
) -> None:
    try:
        window.check_reopen(uow.cycles.known(configured), cycle_id, now)
    except window.OutsideWindow:
        if not uow.cycles.remembered:
            raise
        window.check_reopen(uow.cycles.known(configured, fresh=True), cycle_id, now)


def reopen_proposal(command: ReopenProposal, uow: SubmissionWork) -> dict[str, Any]:
    """Reopen a withdrawn proposal while its cycle's window is open: back to the status the
    withdrawal left, with the same id, versions and timeline (``proposal.reopened``).

    Raises ``IllegalTransition`` (not withdrawn), ``OutsideWindow``, ``NotPermitted``.
    """
    caller = command.caller

    def step(uow: SubmissionWork, proposal: domain.Proposal, now: datetime) -> domain.Proposal:
        lifecycle.require(proposal.status, lifecycle.REOPEN)
        if not domain.may_send_to_review(caller.role, caller.agency):
            raise domain.NotPermitted("Only the agency's administrator may reopen.")
        _check_reopen(uow, proposal.cycle_id, now, command.configured)
        _check_agency_limit(uow, caller.agency.id, proposal.cycle_id, command.configured)
        return lifecycle.reopen(proposal, caller.agency, now)

    return _change(uow, caller, command.proposal_id, step)


def get_proposal(proposal_id: str, agency_id: str, uow: SubmissionWork) -> dict[str, Any] | None:
    """The proposal if it belongs to ``agency_id``; None otherwise (never leak existence)."""
    with uow:
        row = uow.proposals.find(proposal_id, agency_id)
    return proposal_view(row) if row is not None else None


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


def search_proposals(agency_id: str, search: Search, uow: SubmissionWork) -> dict[str, Any]:
    """A page of the agency's proposals, newest first, ordered by (created_at, id)."""
    after = decode_cursor(search.cursor) if search.cursor else None
    filters = {
        "cycle_id": search.cycle_id,
        "status": search.status,
        "category": search.category,
        "maturity": search.maturity,
    }
    with uow:
        rows = uow.proposals.search(agency_id, filters, search.q, after, search.limit + 1)
    page = rows[: search.limit]
    more = len(rows) > search.limit
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


def list_versions(proposal_id: str, agency_id: str, uow: SubmissionWork) -> list[dict[str, Any]]:
    with uow:
        _row(uow, proposal_id, agency_id)
        rows = uow.versions.all(proposal_id)
    return [_version_view(r) for r in rows]


def get_version(
    proposal_id: str, agency_id: str, version: int, uow: SubmissionWork
) -> dict[str, Any] | None:
    with uow:
        _row(uow, proposal_id, agency_id)
        row = uow.versions.get(proposal_id, version)
    return _version_view(row) if row else None


def get_timeline(proposal_id: str, agency_id: str, uow: SubmissionWork) -> list[dict[str, Any]]:
    """Every step of the proposal in both services, oldest first, reviewer-anonymous."""
    with uow:
        _row(uow, proposal_id, agency_id)
        rows = uow.timeline.entries(proposal_id)
        per_round = uow.reviewers.per_round(proposal_id)
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
        for r in rows
    ]
