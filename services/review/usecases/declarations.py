"""Conflicts of interest a reviewer declares up front: an agency or a proposal.

Declaring one releases the reviewer's pending assignments it now conflicts with, each
given to someone else (``reviewing.release_and_replace_in``); assignment never gives
them such a proposal again. Flagging an assignment later declares its proposal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.review.domain import conflicts
from services.review.domain.errors import NotFound
from services.review.usecases import registry, reviewing
from services.review.usecases.work import ReviewWork


def declare(
    reviewer_id: str,
    kind: str,
    target: str,
    reason: str,
    uow: ReviewWork,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record the declaration (an agency must be registered: ``Invalid`` naming close
    matches); release and replace the reviewer's pending assignments it conflicts with.
    The declaration, with ``released``: the assignments given up."""
    with uow:
        if kind == conflicts.AGENCY:
            target = registry.known_agency_in(uow, target, "target")
        declared = uow.conflicts.declare(
            reviewer_id, kind, target.strip(), reason, now or datetime.now(UTC)
        )
        uow.audit.record(
            reviewer_id,
            "conflict_declared",
            "user",
            reviewer_id,
            None,
            {"kind": kind, "target": declared["target"], "reason": reason},
        )
        released = reviewing.release_conflicting_in(uow, reviewer_id, reviewer_id)
        return {**declared, "released": released}


def withdraw(reviewer_id: str, conflict_id: str, uow: ReviewWork) -> None:
    """Withdraw one of the reviewer's own declarations. Raises ``NotFound``."""
    with uow:
        if not uow.conflicts.withdraw(reviewer_id, conflict_id):
            raise NotFound("No such declaration.", "conflict.not_found")
        uow.audit.record(
            reviewer_id, "conflict_withdrawn", "user", reviewer_id, {"id": conflict_id}, None
        )


def of_reviewer(reviewer_id: str, uow: ReviewWork) -> list[dict[str, Any]]:
    with uow:
        return uow.conflicts.of_reviewer(reviewer_id)
