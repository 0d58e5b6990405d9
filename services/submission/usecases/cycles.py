"""Cycles: the known submission windows, and who has taken part in one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.submission.domain.window import Cycle
from services.submission.store.registry import iso
from services.submission.usecases.work import SubmissionWork


def cycle_view(cycle: Cycle, now: datetime) -> dict[str, Any]:
    return {
        "id": cycle.id,
        "name": cycle.name,
        "opens_at": iso(cycle.opens_at),
        "closes_at": iso(cycle.closes_at),
        "open_now": cycle.is_open(now),
        "categories": [{"code": code, "name": name} for code, name in cycle.categories],
        "category_by": cycle.category_by,
        "min_per_agency": cycle.min_per_agency,
        "max_per_agency": cycle.max_per_agency,
    }


def list_cycles(
    configured: Cycle | None, now: datetime, uow: SubmissionWork
) -> list[dict[str, Any]]:
    """The known cycles (announced ones win over the configured one) and which are open."""
    with uow:
        found = uow.cycles.known(configured)
    return [cycle_view(c, now) for c in found]


def get_participation(
    cycle_id: str, uow: SubmissionWork, configured: Cycle | None = None
) -> dict[str, Any]:
    """One agency, one innovation: every agency with its count of proposals submitted
    to the cycle (withdrawn ones do not count), those with none, and those below the
    cycle's minimum per agency, by code."""
    with uow:
        listed = uow.participation.submitted_per_agency(cycle_id)
        cycle = next((c for c in uow.cycles.known(configured) if c.id == cycle_id), None)
    minimum = cycle.min_per_agency if cycle else 0
    return {
        "cycle_id": cycle_id,
        "min_per_agency": minimum,
        "max_per_agency": cycle.max_per_agency if cycle else None,
        "agencies": listed,
        "without_submission": [a for a in listed if a["submitted"] == 0],
        "below_minimum": [a for a in listed if a["submitted"] < minimum],
    }
