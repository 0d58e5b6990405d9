"""``proposal.retained``: forget what the review service holds in plain text of a
proposal whose retention ran out (``domain/retention.py``; docs/PRIVACY.md)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from services.review.domain.retention import retained_evidence, retained_profile
from services.review.usecases.objections import retain_objections
from services.review.usecases.work import ReviewWork
from shared.events.catalog import CATALOG
from shared.events.envelope import Event

log = logging.getLogger(__name__)


def forget_retained(event: Event, uow: ReviewWork) -> int:
    """Rewrite the proposal's innovators and evidence names, and erase the objectors of its
    objections (``objector.erased`` each); a proposal this service never received is
    nothing to do. Returns how many objectors were erased. Raises ``ValidationError`` for
    an invalid payload."""
    payload = CATALOG[event.dataschema].validator.load(event.data)
    with uow:
        proposal = uow.proposals.get(payload["proposal_id"], for_update=True)
        if proposal is None:
            log.info("proposal.retained for unknown proposal %s", payload["proposal_id"])
            return 0
        outcome = payload["outcome"]
        uow.proposals.change(
            proposal["id"],
            profile=retained_profile(proposal["profile"], outcome),
            evidence=retained_evidence(list(proposal["evidence"] or []), outcome),
        )
        objectors = retain_objections(proposal["id"], datetime.now(UTC), uow)
    if objectors:
        log.info("retention of proposal %s: %d objectors erased", payload["proposal_id"], objectors)
    return objectors
