"""A proposal's life as the agency drives it: draft, edit, submit, withdraw, resubmit.

A pure state machine. Each change returns a new ``Proposal`` carrying the
events it caused; publishing them is the store's job.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from services.submission.domain.keys import Agency

DRAFT = "draft"
SUBMITTED = "submitted"
IN_REVIEW = "in_review"
SCORED = "scored"
REVISION_REQUESTED = "revision_requested"
SHORTLISTED = "shortlisted"
REJECTED = "rejected"
NOT_AWARDED = "not_awarded"
AWARDED = "awarded"
WITHDRAWN = "withdrawn"
STATUSES = (
    DRAFT,
    SUBMITTED,
    IN_REVIEW,
    SCORED,
    REVISION_REQUESTED,
    SHORTLISTED,
    REJECTED,
    NOT_AWARDED,
    AWARDED,
    WITHDRAWN,
)

EDIT = "edit"
SUBMIT = "submit"
WITHDRAW = "withdraw"
CHANGE_EVIDENCE = "change_evidence"
REOPEN = "reopen"
ADD_ADDENDUM = "add_addendum"

# What the agency may do in each status. Withdrawal is possible until a
# decision (shortlisting included) is made; a withdrawn proposal can be reopened
# (while its cycle's window is open: the use case checks the moment). An addendum
# (dated evidence beside the submitted version) is possible until screening closes
# (the window's end, checked by the use case) and under a revision request.
ALLOWED: dict[str, tuple[str, ...]] = {
    DRAFT: (EDIT, SUBMIT, CHANGE_EVIDENCE),
    SUBMITTED: (WITHDRAW, ADD_ADDENDUM),
    IN_REVIEW: (WITHDRAW, ADD_ADDENDUM),
    SCORED: (WITHDRAW,),
    REVISION_REQUESTED: (EDIT, SUBMIT, WITHDRAW, CHANGE_EVIDENCE, ADD_ADDENDUM),
    SHORTLISTED: (),
    REJECTED: (),
    NOT_AWARDED: (),
    AWARDED: (),
    WITHDRAWN: (REOPEN,),
}
# The statuses a withdrawal can leave (a reopen goes back to the one it left).
REOPENABLE_FROM = (SUBMITTED, IN_REVIEW, SCORED, REVISION_REQUESTED)


class IllegalTransition(Exception):
    """The action is not possible in the proposal's current status."""

    def __init__(self, status: str, action: str) -> None:
        self.status = status
        self.action = action
        self.allowed = ALLOWED.get(status, ())
        super().__init__(
            f"Cannot {action.replace('_', ' ')} a proposal that is {status.replace('_', ' ')}."
        )


def allowed_actions(status: str) -> tuple[str, ...]:
    return ALLOWED.get(status, ())


def require(status: str, action: str) -> None:
    if action not in allowed_actions(status):
        raise IllegalTransition(status, action)


@dataclass(frozen=True)
class ProposalDrafted:
    proposal_id: str
    version: int
    at: datetime


@dataclass(frozen=True)
class ProposalEdited:
    proposal_id: str
    version: int
    at: datetime


@dataclass(frozen=True)
class ProposalSubmitted:
    """A version went to review; ``resubmission`` after a revision request."""

    proposal_id: str
    version: int
    agency: Agency
    submitted_at: datetime
    profile: dict[str, Any]
    cycle_id: str | None = None
    resubmission: bool = False


@dataclass(frozen=True)
class ProposalWithdrawn:
    proposal_id: str
    version: int
    agency: Agency
    withdrawn_at: datetime
    reason: str = ""


@dataclass(frozen=True)
class ProposalReopened:
    """A withdrawn proposal went back to the status it was withdrawn from."""

    proposal_id: str
    version: int
    agency: Agency
    reopened_at: datetime
    status: str
    cycle_id: str | None = None


@dataclass(frozen=True)
class Proposal:
    id: str
    agency_id: str
    status: str
    version: int
    profile: dict[str, Any]
    created_at: datetime
    submitted_at: datetime | None
    cycle_id: str | None = None
    # The version the review service last received; older review facts are stale.
    submitted_version: int = 0
    # The status a withdrawal left, so that a reopen can go back to it.
    withdrawn_from: str | None = None
    events: tuple[Any, ...] = field(default=(), compare=False)


def new_proposal_id() -> str:
    return str(uuid.uuid4())


def draft_proposal(
    agency: Agency,
    profile: dict[str, Any],
    now: datetime,
    proposal_id: str,
    cycle_id: str | None = None,
) -> Proposal:
    return Proposal(
        id=proposal_id,
        agency_id=agency.id,
        status=DRAFT,
        version=1,
        profile=profile,
        created_at=now,
        submitted_at=None,
        cycle_id=cycle_id,
        events=(ProposalDrafted(proposal_id, 1, now),),
    )


def submit_proposal(
    agency: Agency,
    profile: dict[str, Any],
    now: datetime,
    proposal_id: str,
    cycle_id: str | None = None,
) -> Proposal:
    """A proposal submitted straight away, with the event that announces it."""
    submitted = ProposalSubmitted(proposal_id, 1, agency, now, profile, cycle_id)
    return Proposal(
        id=proposal_id,
        agency_id=agency.id,
        status=SUBMITTED,
        version=1,
        profile=profile,
        created_at=now,
        submitted_at=now,
        cycle_id=cycle_id,
        submitted_version=1,
        events=(submitted,),
    )


def edit(
    proposal: Proposal, profile: dict[str, Any], cycle_id: str | None, now: datetime
) -> Proposal:
    """A new version with the new profile; the previous one stays readable.

    Under revision the proposal stays in the cycle it was reviewed in.
    """
    require(proposal.status, EDIT)
    version = proposal.version + 1
    return replace(
        proposal,
        version=version,
        profile=profile,
        cycle_id=proposal.cycle_id if proposal.status == REVISION_REQUESTED else cycle_id,
        events=(ProposalEdited(proposal.id, version, now),),
    )


def submit(proposal: Proposal, agency: Agency, cycle_id: str | None, now: datetime) -> Proposal:
    """Send the current version to review; after a revision request it is a resubmission.

    A resubmission always carries a version newer than the one reviewed, so the
    review service can tell them apart even when only evidence changed.
    """
    require(proposal.status, SUBMIT)
    resubmission = proposal.status == REVISION_REQUESTED
    version = proposal.version
    if resubmission and version <= proposal.submitted_version:
        version = proposal.submitted_version + 1
    event = ProposalSubmitted(
        proposal.id, version, agency, now, proposal.profile, cycle_id, resubmission
    )
    return replace(
        proposal,
        status=SUBMITTED,
        version=version,
        cycle_id=cycle_id,
        submitted_at=now,
        submitted_version=version,
        events=(event,),
    )


def withdraw(proposal: Proposal, agency: Agency, reason: str, now: datetime) -> Proposal:
    require(proposal.status, WITHDRAW)
    event = ProposalWithdrawn(proposal.id, proposal.version, agency, now, reason)
    return replace(proposal, status=WITHDRAWN, withdrawn_from=proposal.status, events=(event,))


def reopen(proposal: Proposal, agency: Agency, now: datetime) -> Proposal:
    """Back to the status the withdrawal left, same id, versions and history.

    A proposal withdrawn before this service remembered the status (or from one a
    reopen cannot restore) goes back to ``submitted``: review follows from there.
    """
    require(proposal.status, REOPEN)
    status = proposal.withdrawn_from
    if status not in REOPENABLE_FROM:
        status = SUBMITTED
    event = ProposalReopened(
        proposal.id,
        proposal.submitted_version or proposal.version,
        agency,
        now,
        status,
        proposal.cycle_id,
    )
    return replace(proposal, status=status, withdrawn_from=None, events=(event,))


def check_evidence_change(proposal: Proposal) -> None:
    require(proposal.status, CHANGE_EVIDENCE)
