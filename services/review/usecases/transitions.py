"""Moving a proposal through the state machine: checked, stored, audited, in one place."""

from __future__ import annotations

from typing import Any

from services.review.domain import states
from services.review.domain.errors import NotFound
from services.review.usecases.work import ReviewWork


def load(uow: ReviewWork, proposal_id: str) -> dict[str, Any]:
    proposal = uow.proposals.get(proposal_id, for_update=True)
    if proposal is None:
        raise NotFound("No proposal with this id has reached review.", "proposal.not_found")
    return proposal


def move(
    uow: ReviewWork,
    proposal: dict[str, Any],
    wanted: str,
    actor: str,
    action: str,
    **changes: Any,
) -> dict[str, Any]:
    """The proposal after the move; raises ``IllegalTransition`` (a 409) when not allowed."""
    status = states.move(proposal["status"], wanted)
    uow.proposals.change(proposal["id"], status=status, **changes)
    before = {"status": proposal["status"], **{k: proposal.get(k) for k in changes}}
    after = {"status": status, **changes}
    uow.audit.record(actor, action, "proposal", proposal["id"], before, after)
    return {**proposal, "status": status, **changes}
