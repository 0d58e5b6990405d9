"""When a reviewer's scores are due, and whether they still may be given or changed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from services.review.domain.errors import Conflict
from services.review.domain.rubric import DESK

# Without a cycle there is no deadline to take; the reviewers get this long.
DEFAULT_REVIEW_DAYS = 14


def due(cycle: Mapping[str, Any] | None, round: str, now: datetime) -> datetime:
    """The deadline of an assignment given ``now``: the cycle's desk or panel deadline,
    or ``DEFAULT_REVIEW_DAYS`` from now without a cycle."""
    if cycle is None:
        return now + timedelta(days=DEFAULT_REVIEW_DAYS)
    deadline: datetime = cycle["review_deadline"] if round == DESK else cycle["panel_deadline"]
    return deadline


def require_open(deadline: datetime, now: datetime) -> None:
    """Scores may be given or changed until the deadline, not after it."""
    if now > deadline:
        raise Conflict(f"The deadline ({deadline.isoformat()}) has passed.")
