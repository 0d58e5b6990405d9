"""The status an agency sees, projected from the review service's events.

Events can arrive twice or late (redelivery, a replayed partition): a status
only ever moves forward, ranked below, and a fact about a version older than
the one last submitted changes nothing.
"""

from __future__ import annotations

from services.submission.domain.lifecycle import (
    AWARDED,
    DRAFT,
    IN_REVIEW,
    NOT_AWARDED,
    REJECTED,
    REVISION_REQUESTED,
    SCORED,
    SHORTLISTED,
    SUBMITTED,
    WITHDRAWN,
)

RANK = {
    DRAFT: 0,
    SUBMITTED: 10,
    IN_REVIEW: 20,
    SCORED: 30,
    REVISION_REQUESTED: 40,
    SHORTLISTED: 50,
    REJECTED: 90,
    NOT_AWARDED: 90,
    AWARDED: 100,
    WITHDRAWN: 100,
}
FINAL = frozenset({REJECTED, NOT_AWARDED, AWARDED, WITHDRAWN})

# The status each review event leads to (a failed screening alone changes
# nothing: the revision request or rejection that follows it does).
LEADS_TO = {
    "proposal.screened": IN_REVIEW,
    "review.assigned": IN_REVIEW,
    "review.submitted": IN_REVIEW,
    "proposal.scored": SCORED,
    "proposal.revision_requested": REVISION_REQUESTED,
    "proposal.rejected": REJECTED,
    "proposal.shortlisted": SHORTLISTED,
    "proposal.awarded": AWARDED,
    "proposal.not_awarded": NOT_AWARDED,
}


def project(
    current: str,
    submitted_version: int,
    event_type: str,
    event_version: int | None = None,
    passed: bool = True,
) -> str:
    """The status after a review event: ``current`` unless the event moves it forward."""
    target = LEADS_TO.get(event_type)
    if target is None or not passed or current in FINAL or current == DRAFT:
        return current
    if event_version is not None and event_version < submitted_version:
        return current
    return target if RANK[target] > RANK[current] else current
