"""The secretariat's decisions: revision, rejection, shortlist, field verification, awards."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.review.domain import states
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.usecases import cycles as cycle_cases
from services.review.usecases import reviewing, transitions
from services.review.usecases.events import emit
from services.review.usecases.work import ReviewWork
from shared.events.catalog import (
    PROPOSAL_AWARDED,
    PROPOSAL_NOT_AWARDED,
    PROPOSAL_REJECTED,
    PROPOSAL_REVISION_REQUESTED,
    PROPOSAL_SHORTLISTED,
)

DECISIONS = {
    "shortlist": (states.SHORTLISTED, PROPOSAL_SHORTLISTED),
    "reject": (states.REJECTED, PROPOSAL_REJECTED),
    "request_revision": (states.REVISION_REQUESTED, PROPOSAL_REVISION_REQUESTED),
}
VERIFICATION_RESULTS = ("pass", "fail", "adjust")


def _ids(proposal: dict[str, Any]) -> dict[str, str]:
    return {"correlation_id": proposal["correlation_id"]}


def _desk_rank(uow: ReviewWork, proposal: dict[str, Any]) -> int | None:
    if not proposal["cycle_id"]:
        return None
    for row in cycle_cases.ranking_in(uow, proposal["cycle_id"], "desk"):
        if row["proposal_id"] == proposal["id"]:
            return int(row["rank"])
    return None


def _room_on_the_shortlist(uow: ReviewWork, proposal: dict[str, Any]) -> None:
    cycle = uow.cycles.get(proposal["cycle_id"]) if proposal["cycle_id"] else None
    if cycle is None or not states.can_move(proposal["status"], states.SHORTLISTED):
        return  # the state machine has the say
    finalists = [
        p
        for p in uow.proposals.listing(cycle_id=cycle["id"])
        if p["status"] in cycle_cases.FINALIST
    ]
    if len(finalists) >= cycle["shortlist_size"]:
        raise Conflict(f"The shortlist is full ({cycle['shortlist_size']} finalists).")


def decide(
    proposal_id: str, decision: str, note: str, actor: str, uow: ReviewWork
) -> dict[str, Any]:
    """Shortlist, reject or ask for a revision; the event says so in the same transaction."""
    with uow:
        wanted, event_type = DECISIONS[decision]
        proposal = transitions.load(uow, proposal_id)
        if decision == "request_revision" and not note.strip():
            raise Invalid({"note": ["Say what the agency must change (the feedback)."]})
        if decision == "shortlist":
            _room_on_the_shortlist(uow, proposal)
        rank = _desk_rank(uow, proposal)
        moved = transitions.move(uow, proposal, wanted, actor, decision)
        now = datetime.now(UTC)
        if decision == "request_revision":
            emit(
                uow,
                event_type,
                proposal_id,
                {
                    "proposal_id": proposal_id,
                    "version": proposal["version"],
                    "feedback": note,
                    "reasons": [],
                    "requested_by": actor,
                    "requested_at": now,
                },
                **_ids(proposal),
            )
        else:
            emit(
                uow,
                event_type,
                proposal_id,
                {
                    "proposal_id": proposal_id,
                    "cycle_id": proposal["cycle_id"],
                    "rank": rank,
                    "note": note,
                    "decided_by": actor,
                    "decided_at": now,
                },
                **_ids(proposal),
            )
        return moved


def verify(proposal_id: str, result: str, note: str, actor: str, uow: ReviewWork) -> dict[str, Any]:
    """Record the field verification of a finalist: pass, fail or adjust (with a note)."""
    with uow:
        proposal = transitions.load(uow, proposal_id)
        finalist = (states.SHORTLISTED, states.PANEL_ASSIGNED, states.PANEL_SCORED)
        if proposal["status"] not in finalist:
            raise Conflict(
                f"Only finalists are verified in the field; this proposal is {proposal['status']}."
            )
        uow.proposals.change(proposal_id, verification=result, verification_note=note)
        uow.audit.record(
            actor,
            "field_verification",
            "proposal",
            proposal_id,
            {
                "verification": proposal["verification"],
                "verification_note": proposal["verification_note"],
            },
            {"verification": result, "verification_note": note},
        )
        return {**proposal, "verification": result, "verification_note": note}


def assign_panel(cycle_id: str, reviewer_ids: list[str], actor: str, uow: ReviewWork) -> int:
    """Name the cycle's panel and give it every shortlisted proposal; returns how many."""
    with uow:
        cycle = uow.cycles.get(cycle_id)
        if cycle is None:
            raise NotFound("No such cycle.", "cycle.not_found")
        known = {c.id for c in reviewing.candidates(uow)}
        unknown = [r for r in reviewer_ids if r not in known]
        if unknown or not reviewer_ids:
            raise Invalid(
                {
                    "reviewer_ids": [
                        f"Not reviewers: {', '.join(unknown)}" if unknown else "Name at least one."
                    ]
                }
            )
        uow.cycles.change(cycle_id, panel=reviewer_ids)
        uow.audit.record(
            actor,
            "panel_named",
            "cycle",
            cycle_id,
            {"panel": cycle["panel"]},
            {"panel": reviewer_ids},
        )
        cycle = {**cycle, "panel": reviewer_ids}
        finalists = uow.proposals.listing(cycle_id=cycle_id, status=states.SHORTLISTED)
        for proposal in finalists:
            reviewing.assign_panel(uow, transitions.load(uow, proposal["id"]), cycle, actor)
        return len(finalists)


def award(
    cycle_id: str, awards: list[dict[str, str]], note: str, actor: str, uow: ReviewWork
) -> dict[str, list[str]]:
    """The cycle's awards: ``proposal.awarded`` for the named finalists, ``proposal.not_awarded``
    for every other scored proposal of the cycle. Once per cycle."""
    with uow:
        cycle = _cycle_to_award(uow, cycle_id, len(awards))
        in_cycle = {p["id"]: p for p in uow.proposals.listing(cycle_id=cycle_id)}
        _check_winners(in_cycle, awards)
        ranks = {
            r["proposal_id"]: int(r["rank"]) for r in cycle_cases.final_ranking_in(uow, cycle_id)
        }
        named = {item["proposal_id"]: item.get("award") or "Award" for item in awards}
        decision: dict[str, Any] = {
            "cycle_id": cycle_id,
            "note": note,
            "decided_by": actor,
            "decided_at": datetime.now(UTC),
        }
        outcome: dict[str, list[str]] = {"awarded": [], "not_awarded": []}
        for p in in_cycle.values():
            if p["status"] in states.AWAITING_AWARD:
                won = _decide_award(uow, p["id"], named.get(p["id"]), ranks.get(p["id"]), decision)
                outcome["awarded" if won else "not_awarded"].append(p["id"])
        uow.cycles.change(cycle_id, status="awarded")
        uow.audit.record(
            actor,
            "awards_decided",
            "cycle",
            cycle_id,
            {"status": cycle["status"]},
            {"status": "awarded", **outcome},
        )
        return outcome


def _cycle_to_award(uow: ReviewWork, cycle_id: str, count: int) -> dict[str, Any]:
    """The cycle, if it may still give ``count`` awards."""
    cycle = uow.cycles.get(cycle_id)
    if cycle is None:
        raise NotFound("No such cycle.", "cycle.not_found")
    if cycle["status"] == "awarded":
        raise Conflict("This cycle's awards were decided already.", "cycle.decided")
    if count > cycle["award_count"]:
        raise Invalid({"awards": [f"This cycle gives at most {cycle['award_count']} awards."]})
    return cycle


def _check_winners(in_cycle: dict[str, dict[str, Any]], awards: list[dict[str, str]]) -> None:
    """Refuse while panel scoring runs (409), or when a named proposal cannot win (422)."""
    pending = [p["id"] for p in in_cycle.values() if p["status"] == states.PANEL_ASSIGNED]
    if pending:
        raise Conflict(f"Panel scoring is not finished for: {', '.join(pending)}.")
    errors = {
        f"awards.{i}.proposal_id": [why]
        for i, item in enumerate(awards)
        if (why := _why_not_a_winner(in_cycle.get(item["proposal_id"])))
    }
    if errors:
        raise Invalid(errors)


def _why_not_a_winner(proposal: dict[str, Any] | None) -> str:
    """Why the proposal cannot win, or "" when it can."""
    if proposal is None:
        return "Not a proposal of this cycle."
    if proposal["status"] not in (states.SHORTLISTED, states.PANEL_SCORED):
        return f"Only finalists can win; this one is {proposal['status']}."
    if proposal["verification"] == "fail":
        return "It failed field verification."
    return ""


def _decide_award(
    uow: ReviewWork,
    proposal_id: str,
    award: str | None,
    rank: int | None,
    decision: dict[str, Any],
) -> bool:
    """Award the proposal (``award`` named) or not; the event says so. True when it won."""
    won = award is not None
    moved = transitions.move(
        uow,
        transitions.load(uow, proposal_id),
        states.AWARDED if won else states.NOT_AWARDED,
        decision["decided_by"],
        "awarded" if won else "not_awarded",
        award=award,
    )
    emit(
        uow,
        PROPOSAL_AWARDED if won else PROPOSAL_NOT_AWARDED,
        proposal_id,
        {
            "proposal_id": proposal_id,
            "cycle_id": decision["cycle_id"],
            "rank": rank,
            "award": award,
            "note": decision["note"],
            "decided_by": decision["decided_by"],
            "decided_at": decision["decided_at"],
        },
        **_ids(moved),
    )
    return won
