"""The secretariat's decisions: revision, rejection, shortlist, field verification, awards."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from services.review.domain import awards as awards_rules
from services.review.domain import states
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.store import audit, cycles, proposals
from services.review.usecases import cycles as cycle_cases
from services.review.usecases import reviewing, transitions
from services.review.usecases.events import emit
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
    return {"correlation_id": proposal["correlation_id"] or proposal["id"]}


def _desk_rank(conn: Connection, proposal: dict[str, Any]) -> int | None:
    if not proposal["cycle_id"]:
        return None
    for row in cycle_cases.ranking(conn, proposal["cycle_id"], "desk"):
        if row["proposal_id"] == proposal["id"]:
            return int(row["rank"])
    return None


def _room_on_the_shortlist(conn: Connection, proposal: dict[str, Any]) -> None:
    cycle = cycles.get(conn, proposal["cycle_id"]) if proposal["cycle_id"] else None
    if cycle is None or not states.can_move(proposal["status"], states.SHORTLISTED):
        return  # the state machine has the say
    finalists = [
        p
        for p in proposals.listing(conn, cycle_id=cycle["id"])
        if p["status"] in cycle_cases.FINALIST
    ]
    if len(finalists) >= cycle["shortlist_size"]:
        raise Conflict(f"The shortlist is full ({cycle['shortlist_size']} finalists).")


def decide(
    conn: Connection, proposal_id: str, decision: str, note: str, actor: str
) -> dict[str, Any]:
    """Shortlist, reject or ask for a revision; the event says so in the same transaction."""
    wanted, event_type = DECISIONS[decision]
    proposal = transitions.load(conn, proposal_id)
    if decision == "request_revision" and not note.strip():
        raise Invalid({"note": ["Say what the agency must change (the feedback)."]})
    if decision == "shortlist":
        _room_on_the_shortlist(conn, proposal)
    rank = _desk_rank(conn, proposal)
    moved = transitions.move(conn, proposal, wanted, actor, decision)
    now = datetime.now(UTC)
    if decision == "request_revision":
        emit(
            conn,
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
            conn,
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


def verify(
    conn: Connection, proposal_id: str, result: str, note: str, actor: str
) -> dict[str, Any]:
    """Record the field verification of a finalist: pass, fail or adjust (with a note)."""
    proposal = transitions.load(conn, proposal_id)
    finalist = (states.SHORTLISTED, states.PANEL_ASSIGNED, states.PANEL_SCORED)
    if proposal["status"] not in finalist:
        raise Conflict(
            f"Only finalists are verified in the field; this proposal is {proposal['status']}."
        )
    proposals.change(conn, proposal_id, verification=result, verification_note=note)
    audit.record(
        conn,
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


def assign_panel(conn: Connection, cycle_id: str, reviewer_ids: list[str], actor: str) -> int:
    """Name the cycle's panel and give it every shortlisted proposal; returns how many."""
    cycle = cycles.get(conn, cycle_id)
    if cycle is None:
        raise NotFound("No such cycle.")
    known = {c.id for c in reviewing.candidates(conn)}
    unknown = [r for r in reviewer_ids if r not in known]
    if unknown or not reviewer_ids:
        raise Invalid(
            {
                "reviewer_ids": [
                    f"Not reviewers: {', '.join(unknown)}" if unknown else "Name at least one."
                ]
            }
        )
    cycles.change(conn, cycle_id, panel=reviewer_ids)
    audit.record(
        conn,
        actor,
        "panel_named",
        "cycle",
        cycle_id,
        {"panel": cycle["panel"]},
        {"panel": reviewer_ids},
    )
    cycle = {**cycle, "panel": reviewer_ids}
    finalists = proposals.listing(conn, cycle_id=cycle_id, status=states.SHORTLISTED)
    for proposal in finalists:
        reviewing.assign_panel(conn, transitions.load(conn, proposal["id"]), cycle, actor)
    return len(finalists)


def award(
    conn: Connection, cycle_id: str, awards: list[dict[str, str]], note: str, actor: str
) -> dict[str, list[str]]:
    """The cycle's awards: ``proposal.awarded`` for the named finalists, ``proposal.not_awarded``
    for every other scored proposal of the cycle. Once per cycle."""
    cycle = cycles.get(conn, cycle_id)
    if cycle is None:
        raise NotFound("No such cycle.")
    in_cycle = {p["id"]: p for p in proposals.listing(conn, cycle_id=cycle_id)}
    awards_rules.require_awardable(cycle, in_cycle, awards)
    ranks = {r["proposal_id"]: int(r["rank"]) for r in cycle_cases.final_ranking(conn, cycle_id)}
    named = awards_rules.award_names(awards)
    outcome: dict[str, list[str]] = {"awarded": [], "not_awarded": []}
    now = datetime.now(UTC)
    for p in in_cycle.values():
        if p["status"] in states.AWAITING_AWARD:
            won = _decide_award(
                conn, p["id"], cycle_id, named.get(p["id"]), note, actor, now, ranks
            )
            outcome["awarded" if won else "not_awarded"].append(p["id"])
    cycles.change(conn, cycle_id, status="awarded")
    audit.record(
        conn,
        actor,
        "awards_decided",
        "cycle",
        cycle_id,
        {"status": cycle["status"]},
        {"status": "awarded", **outcome},
    )
    return outcome


def _decide_award(
    conn: Connection,
    proposal_id: str,
    cycle_id: str,
    award: str | None,
    note: str,
    actor: str,
    now: datetime,
    ranks: dict[str, int],
) -> bool:
    """Move one finalist to awarded (``award`` named) or not awarded, and say so; True if won."""
    won = award is not None
    moved = transitions.move(
        conn,
        transitions.load(conn, proposal_id),
        states.AWARDED if won else states.NOT_AWARDED,
        actor,
        "awarded" if won else "not_awarded",
        award=award,
    )
    emit(
        conn,
        PROPOSAL_AWARDED if won else PROPOSAL_NOT_AWARDED,
        proposal_id,
        {
            "proposal_id": proposal_id,
            "cycle_id": cycle_id,
            "rank": ranks.get(proposal_id),
            "award": award,
            "note": note,
            "decided_by": actor,
            "decided_at": now,
        },
        **_ids(moved),
    )
    return won
