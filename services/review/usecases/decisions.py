"""The secretariat's decisions: revision, rejection, shortlist, field verification, awards."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.review.domain import appointments, categories, states
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.usecases import cycles as cycle_cases
from services.review.usecases import objections, reviewing, transitions
from services.review.usecases.events import emit
from services.review.usecases.work import ReviewWork
from shared.events.catalog import (
    PROPOSAL_AWARDED,
    PROPOSAL_NOT_AWARDED,
    PROPOSAL_REJECTED,
    PROPOSAL_REVISION_REQUESTED,
    PROPOSAL_SHORTLISTED,
    PROPOSAL_VISIT_RECORDED,
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
    """The desk rank: within the proposal's award category where it has one."""
    if not proposal["cycle_id"]:
        return None
    category = proposal.get("award_category")
    for row in cycle_cases.ranking_in(uow, proposal["cycle_id"], "desk", category):
        if row["proposal_id"] == proposal["id"]:
            return int(row["rank"])
    return None


def category_fields(uow: ReviewWork, proposal: dict[str, Any]) -> dict[str, Any]:
    """The event fields naming the proposal's award category (None outside categories)."""
    cycle = uow.cycles.get(proposal["cycle_id"]) if proposal.get("cycle_id") else None
    found = categories.named(cycle_cases.categories_of(cycle), proposal.get("award_category"))
    return {
        "award_category": found.code if found else None,
        "award_category_name": found.name if found else None,
    }


def _room_on_the_shortlist(uow: ReviewWork, proposal: dict[str, Any]) -> None:
    """Refuse a shortlist past its size: the cycle's, or the proposal's category's."""
    cycle = uow.cycles.get(proposal["cycle_id"]) if proposal["cycle_id"] else None
    if cycle is None or not states.can_move(proposal["status"], states.SHORTLISTED):
        return  # the state machine has the say
    finalists = [
        p
        for p in uow.proposals.listing(cycle_id=cycle["id"])
        if p["status"] in cycle_cases.FINALIST
    ]
    kinds = cycle_cases.categories_of(cycle)
    if not kinds:
        if len(finalists) >= cycle["shortlist_size"]:
            raise Conflict(f"The shortlist is full ({cycle['shortlist_size']} finalists).")
        return
    own = categories.named(kinds, proposal["award_category"])
    if own is None:
        raise Conflict(
            "The proposal is in none of the cycle's award categories; place it in one first.",
            "proposal.no_category",
        )
    if sum(p["award_category"] == own.code for p in finalists) >= own.shortlist_size:
        raise Conflict(
            f"The shortlist of {own.name} is full ({own.shortlist_size} finalists).",
            "category.shortlist_full",
        )


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
                    **category_fields(uow, proposal),
                },
                **_ids(proposal),
            )
        return moved


def verify(proposal_id: str, result: str, note: str, actor: str, uow: ReviewWork) -> dict[str, Any]:
    """Record the field verification of a finalist: pass, fail or adjust (with a note);
    ``proposal.visit_recorded`` says so (verified: pass or adjust)."""
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
        emit(
            uow,
            PROPOSAL_VISIT_RECORDED,
            proposal_id,
            {
                "proposal_id": proposal_id,
                "cycle_id": proposal["cycle_id"],
                "verified": appointments.is_verified(result),
                "result": result,
                "notes": note,
                "recorded_by": actor,
                "recorded_at": datetime.now(UTC),
            },
            **_ids(proposal),
        )
        return {**proposal, "verification": result, "verification_note": note}


def assign_panel(
    cycle_id: str,
    reviewer_ids: list[str],
    actor: str,
    uow: ReviewWork,
    category: str | None = None,
) -> int:
    """Name the cycle's panel, or one award category's, and give it every shortlisted
    proposal (of that category); returns how many."""
    with uow:
        cycle = uow.cycles.get(cycle_id)
        if cycle is None:
            raise NotFound("No such cycle.", "cycle.not_found")
        if category is not None and category not in [
            c["code"] for c in cycle.get("categories") or []
        ]:
            raise Invalid({"category": ["Not an award category of this cycle."]})
        known = {c.id for c in reviewing.candidates(uow, reviewer_ids)}
        unknown = [r for r in reviewer_ids if r not in known]
        if unknown or not reviewer_ids:
            raise Invalid(
                {
                    "reviewer_ids": [
                        f"Not reviewers: {', '.join(unknown)}" if unknown else "Name at least one."
                    ]
                }
            )
        if category is None:
            before: Any = cycle["panel"]
            cycle = {**cycle, "panel": reviewer_ids}
            uow.cycles.change(cycle_id, panel=reviewer_ids)
        else:
            before = next(c.get("panel") for c in cycle["categories"] if c["code"] == category)
            kinds = [
                {**c, "panel": reviewer_ids} if c["code"] == category else c
                for c in cycle["categories"]
            ]
            cycle = {**cycle, "categories": kinds}
            uow.cycles.change(cycle_id, categories=kinds)
        uow.audit.record(
            actor,
            "panel_named",
            "cycle",
            cycle_id,
            {"panel": before, "category": category},
            {"panel": reviewer_ids, "category": category},
        )
        finalists = [
            p
            for p in uow.proposals.listing(cycle_id=cycle_id, status=states.SHORTLISTED)
            if category is None or p["award_category"] == category
        ]
        for proposal in finalists:
            reviewing.assign_panel(uow, transitions.load(uow, proposal["id"]), cycle, actor)
        return len(finalists)


def award(
    cycle_id: str,
    awards: list[dict[str, str]],
    note: str,
    actor: str,
    uow: ReviewWork,
    category: str | None = None,
) -> dict[str, list[str]]:
    """The awards of a cycle, or of one award category: ``proposal.awarded`` for the named
    finalists, ``proposal.not_awarded`` for every other scored proposal in scope. Once per
    category (once per cycle without categories); the cycle is ``awarded`` when all are."""
    with uow:
        cycle = _cycle_to_award(uow, cycle_id)
        scope = _award_scope(cycle, category)
        in_cycle = uow.proposals.listing(cycle_id=cycle_id)
        last = scope == _undecided(cycle)
        in_scope = {
            p["id"]: p
            for p in in_cycle
            if not scope or p["award_category"] in scope or (last and not _placed(cycle, p))
        }
        _check_verified(cycle, in_scope, awards)
        _check_winners(in_scope, awards)
        held_back = objections.open_on(uow, list(in_scope), cycle_id)
        if held_back:
            raise Conflict(
                f"Objections to this category's proposals are still open ({len(held_back)}): "
                "answer or resolve them first.",
                "award.objection_open",
            )
        _check_counts(cycle, scope, in_scope, awards)
        ranks = {
            r["proposal_id"]: int(r["rank"])
            for code in scope or [None]
            for r in cycle_cases.final_ranking_in(uow, cycle_id, code)
        }
        named = {item["proposal_id"]: item.get("award") or "Award" for item in awards}
        decision: dict[str, Any] = {
            "cycle_id": cycle_id,
            "note": note,
            "decided_by": actor,
            "decided_at": datetime.now(UTC),
        }
        outcome: dict[str, list[str]] = {"awarded": [], "not_awarded": []}
        for p in in_scope.values():
            if p["status"] in states.AWAITING_AWARD:
                won = _decide_award(uow, p, named.get(p["id"]), ranks.get(p["id"]), decision)
                outcome["awarded" if won else "not_awarded"].append(p["id"])
        changes: dict[str, Any] = {"status": "awarded"} if last else {}
        if scope:
            changes["categories"] = [
                {**c, "decided_at": decision["decided_at"].isoformat()} if c["code"] in scope else c
                for c in cycle["categories"]
            ]
        uow.cycles.change(cycle_id, **changes)
        uow.audit.record(
            actor,
            "awards_decided",
            "cycle",
            cycle_id,
            {"status": cycle["status"]},
            {"status": "awarded" if last else cycle["status"], "categories": scope, **outcome},
        )
        return outcome


def _cycle_to_award(uow: ReviewWork, cycle_id: str) -> dict[str, Any]:
    """The cycle, if it still has awards to decide."""
    cycle = uow.cycles.get(cycle_id)
    if cycle is None:
        raise NotFound("No such cycle.", "cycle.not_found")
    if cycle["status"] == "awarded":
        raise Conflict("This cycle's awards were decided already.", "cycle.decided")
    return cycle


def _undecided(cycle: dict[str, Any]) -> list[str]:
    return [c["code"] for c in cycle.get("categories") or [] if not c.get("decided_at")]


def _placed(cycle: dict[str, Any], proposal: dict[str, Any]) -> bool:
    return any(c["code"] == proposal["award_category"] for c in cycle.get("categories") or [])


def _award_scope(cycle: dict[str, Any], category: str | None) -> list[str]:
    """The category codes this decision covers: the one named, or every undecided one
    (none for a cycle without categories)."""
    codes = [c["code"] for c in cycle.get("categories") or []]
    if category is None:
        return _undecided(cycle)
    if category not in codes:
        raise Invalid({"category": ["Not an award category of this cycle."]})
    if category not in _undecided(cycle):
        raise Conflict("This category's awards were decided already.", "category.decided")
    return [category]


def _check_counts(
    cycle: dict[str, Any],
    scope: list[str],
    in_scope: dict[str, dict[str, Any]],
    awards: list[dict[str, str]],
) -> None:
    """No more awards than the cycle gives, or than each category in scope gives."""
    if not scope:
        if len(awards) > cycle["award_count"]:
            raise Invalid({"awards": [f"This cycle gives at most {cycle['award_count']} awards."]})
        return
    unplaced = [a["proposal_id"] for a in awards if not _placed(cycle, in_scope[a["proposal_id"]])]
    if unplaced:
        raise Invalid({"awards": [f"In no award category: {', '.join(unplaced)}."]})
    for c in cycle_cases.categories_of(cycle):
        if c.code in scope:
            won = sum(in_scope[a["proposal_id"]]["award_category"] == c.code for a in awards)
            if won > c.award_count:
                raise Invalid({"awards": [f"{c.name} gives at most {c.award_count} awards."]})


def _check_verified(
    cycle: dict[str, Any], in_scope: dict[str, dict[str, Any]], awards: list[dict[str, str]]
) -> None:
    """Where the cycle has a field verification stage, a finalist the visit did not verify
    cannot win (409 ``award.unverified_finalist``)."""
    named = [
        in_scope[a["proposal_id"]]
        for a in awards
        if a["proposal_id"] in in_scope
        and in_scope[a["proposal_id"]]["status"] in (states.SHORTLISTED, states.PANEL_SCORED)
    ]
    refused = appointments.unverified(bool(cycle.get("field_verification")), named)
    if refused:
        raise Conflict(
            "This cycle has a field verification stage: only a verified finalist can be "
            f"awarded; not verified: {', '.join(refused)}.",
            "award.unverified_finalist",
        )


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
        return "Not a proposal of this cycle (or of the category decided)."
    if proposal["status"] not in (states.SHORTLISTED, states.PANEL_SCORED):
        return f"Only finalists can win; this one is {proposal['status']}."
    if proposal["verification"] == "fail":
        return "It failed field verification."
    return ""


def _decide_award(
    uow: ReviewWork,
    proposal: dict[str, Any],
    award: str | None,
    rank: int | None,
    decision: dict[str, Any],
) -> bool:
    """Award the proposal (``award`` named) or not; the event says so. True when it won."""
    won = award is not None
    proposal_id = proposal["id"]
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
            **category_fields(uow, proposal),
        },
        **_ids(moved),
    )
    return won
