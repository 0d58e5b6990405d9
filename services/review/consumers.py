"""Event type (and dataschema version) -> use case: what the review worker does with each
event it consumes, inside that event's inbox transaction."""

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
