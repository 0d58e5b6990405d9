"""Use cases of the review service.

``HANDLERS`` maps each consumed event's schema to its function (run inside the
inbox transaction); the other modules hold the use cases the HTTP edge calls.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from services.review.usecases.intake import receive_proposal, withdraw_proposal
from shared.events.catalog import (
    PROPOSAL_RESUBMITTED,
    PROPOSAL_SUBMITTED,
    PROPOSAL_WITHDRAWN,
    spec_for,
)
from shared.events.envelope import Event

HANDLERS: dict[str, Callable[[Connection, Event], None]] = {
    spec_for(PROPOSAL_SUBMITTED).dataschema: receive_proposal,
    spec_for(PROPOSAL_RESUBMITTED).dataschema: receive_proposal,
    spec_for(PROPOSAL_WITHDRAWN).dataschema: withdraw_proposal,
}
