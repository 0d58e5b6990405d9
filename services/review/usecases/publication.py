"""Publishing a cycle's results: ``cycle.results_published``, the public record of the awards.

The event carries what the public may read and nothing more: per award category (or for
the whole cycle, without categories) its finalists in rank order, the awarded ones with
their award, each proposal's final score only when the secretariat chooses to publish
scores; never a reviewer, never a person. The read-only results service renders it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.review.domain import rubric, scoring, states
from services.review.domain.errors import Conflict, NotFound
from services.review.usecases import cycles as cycle_cases
from services.review.usecases.events import emit
from services.review.usecases.work import ReviewWork
from shared.events.catalog import CYCLE_RESULTS_PUBLISHED

# A proposal that reached one of these was a finalist, whatever it became after the awards.
_FINALIST = (states.SHORTLISTED, states.PANEL_ASSIGNED, states.PANEL_SCORED, states.AWARDED)


def publish_results(cycle_id: str, scores: bool, actor: str, uow: ReviewWork) -> dict[str, Any]:
    """Raise ``cycle.results_published`` for a cycle whose every award is decided (409
    otherwise, 404 for no such cycle); publishing again (scores now shown, say) replaces
    the public record. Returns the event's payload."""
    with uow:
        cycle = uow.cycles.get(cycle_id)
        if cycle is None:
            raise NotFound("No such cycle.", "cycle.not_found")
        if cycle["status"] != "awarded":
            raise Conflict(
                "Results can be published once every category's awards are decided.",
                "cycle.awards_undecided",
            )
        published_at = datetime.now(UTC)
        payload = {
            "cycle_id": cycle_id,
            "cycle_name": cycle["name"],
            "year": cycle["year"],
            "published_at": published_at,
            "categories": [
                {"code": c.code, "name": c.name} for c in cycle_cases.categories_of(cycle)
            ],
            "scores_published": scores,
            "entries": public_entries(uow, cycle, scores),
        }
        emit(uow, CYCLE_RESULTS_PUBLISHED, cycle_id, payload)
        uow.audit.record(
            actor,
            "results_published",
            "cycle",
            cycle_id,
            None,
            {"scores_published": scores, "entries": len(payload["entries"])},
        )
        return payload


def public_entries(uow: ReviewWork, cycle: dict[str, Any], scores: bool) -> list[dict[str, Any]]:
    """The finalists of each category (or of the cycle), in rank order."""
    kinds = cycle_cases.categories_of(cycle)
    scopes: list[tuple[str | None, str | None]] = [(c.code, c.name) for c in kinds] or [
        (None, None)
    ]
    return [
        entry
        for code, name in scopes
        for entry in _ranked_finalists(uow, cycle["id"], code, name, scores)
    ]


def _ranked_finalists(
    uow: ReviewWork, cycle_id: str, code: str | None, name: str | None, scores: bool
) -> list[dict[str, Any]]:
    """The category's finalists ranked on the panel's score where it scored them, else the
    desk's (the tie-break rule of ``scoring``)."""
    desk = cycle_cases._entries(uow, cycle_id, rubric.DESK, code)
    panel = {p["id"]: e for p, e in cycle_cases._entries(uow, cycle_id, rubric.PANEL, code)}
    finalists = [(p, panel.get(p["id"], e)) for p, e in desk if _was_finalist(uow, p)]
    by_id = {p["id"]: p for p, _ in finalists}
    return [
        {
            "proposal_id": r.entry.proposal_id,
            "title": by_id[r.entry.proposal_id]["title"],
            "agency_code": by_id[r.entry.proposal_id]["agency_code"],
            "agency_name": by_id[r.entry.proposal_id]["agency_name"],
            "summary": (by_id[r.entry.proposal_id].get("profile") or {}).get("summary") or "",
            "category": code,
            "category_name": name,
            "rank": r.rank,
            "award": by_id[r.entry.proposal_id].get("award")
            if by_id[r.entry.proposal_id]["status"] == states.AWARDED
            else None,
            "score": r.entry.score.mean if scores else None,
        }
        for r in scoring.rank(e for _, e in finalists)
    ]


def _was_finalist(uow: ReviewWork, proposal: dict[str, Any]) -> bool:
    """Shortlisted at some point: a finalist not awarded is ``not_awarded`` now, as is every
    other scored proposal, so the audit trail tells them apart."""
    if proposal["status"] in _FINALIST:
        return True
    if proposal["status"] != states.NOT_AWARDED:
        return False
    return any(
        (entry.get("after") or {}).get("status") in _FINALIST
        or (entry.get("before") or {}).get("status") in _FINALIST
        for entry in uow.audit.entries(proposal["id"])
    )
