"""Assignment, scoring, conflicts of interest and reassignment."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from services.review.adapters.passwords import NO_PASSWORD
from services.review.domain import assignment, conflicts, rubric, scoring, states
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.store import assignments
from services.review.usecases import transitions
from services.review.usecases.events import emit, person
from services.review.usecases.work import ReviewWork
from shared.events.catalog import PROPOSAL_SCORED, REVIEW_ASSIGNED, REVIEW_SUBMITTED

# Without a cycle there is no deadline to take; the reviewers get this long.
DEFAULT_REVIEW_DAYS = 14
DEFAULT_REVIEWERS = 3
DEFAULT_SPREAD = 20.0
ROUND_STATES = {
    rubric.DESK: (states.ASSIGNED, states.SCORED),
    rubric.PANEL: (states.PANEL_ASSIGNED, states.PANEL_SCORED),
}


def _ids(proposal: dict[str, Any], cause_id: str = "") -> dict[str, str]:
    return {
        "correlation_id": proposal["correlation_id"],
        "causation_id": cause_id,
    }


def deadline(cycle: dict[str, Any] | None, round: str) -> datetime:
    if cycle is None:
        return datetime.now(UTC) + timedelta(days=DEFAULT_REVIEW_DAYS)
    due: datetime = cycle["review_deadline"] if round == rubric.DESK else cycle["panel_deadline"]
    return due


NOTHING_DECLARED = conflicts.NOTHING


def _candidate(
    user: dict[str, Any], declared: conflicts.Declared = NOTHING_DECLARED
) -> assignment.Candidate:
    return assignment.Candidate(
        id=user["id"],
        agency_code=user["agency_code"],
        expertise=frozenset(user["expertise"] or ()),
        load=user["load"],
        max_load=user["max_load"],
        active=bool(user["active"]),
        declared=declared,
    )


def _in_pool(user: dict[str, Any], pool: Collection[str] | None) -> bool:
    """Without a named pool (the automatic desk round) only desk reviewers who have set
    their password (an invitation not yet accepted gets no work); a named pool (the
    panel, a manual choice) may name panelists and invitees too."""
    if pool is not None:
        return user["id"] in pool
    return user["role"] == "reviewer" and user.get("password_hash") != NO_PASSWORD


def candidates(uow: ReviewWork, only: Collection[str] | None = None) -> list[assignment.Candidate]:
    return [_candidate(u) for u in uow.people.reviewers() if _in_pool(u, only)]


def _need(
    uow: ReviewWork, proposal: dict[str, Any], count: int, excluded: frozenset[str]
) -> assignment.Need:
    return assignment.Need(
        count=count,
        agency_code=proposal["agency_code"],
        category=proposal["category"],
        excluded=excluded,
        proposal_id=proposal["id"],
        organisation=conflicts.Organisation.of(uow.agencies.parents()),
    )


def _pool(
    uow: ReviewWork, proposal: dict[str, Any], round: str, pool: Collection[str] | None
) -> tuple[dict[str, dict[str, Any]], list[assignment.Candidate]]:
    """The reviewer accounts by id, and each as a candidate with their declarations."""
    users = {u["id"]: u for u in uow.people.reviewers(proposal["id"], round) if _in_pool(u, pool)}
    declared = uow.conflicts.declared()
    return users, [
        _candidate(u, conflicts.Declared.of(declared.get(uid, ()))) for uid, u in users.items()
    ]


def _give(
    uow: ReviewWork,
    proposal: dict[str, Any],
    reviewer: dict[str, Any],
    round: str,
    cycle: dict[str, Any] | None,
    actor: str,
    cause_id: str = "",
    replaces: str | None = None,
) -> str:
    reviewer_id = reviewer["id"]
    now = datetime.now(UTC)
    assignment_id = str(uuid.uuid4())
    due = deadline(cycle, round)
    uow.assignments.insert(
        {
            "id": assignment_id,
            "proposal_id": proposal["id"],
            "proposal_version": proposal["version"],
            "cycle_id": proposal["cycle_id"],
            "round": round,
            "reviewer_id": reviewer_id,
            "status": "pending",
            "deadline": due,
            "assigned_at": now,
            "replaces_id": replaces,
        },
    )
    uow.audit.record(
        actor,
        "reviewer_assigned",
        "proposal",
        proposal["id"],
        None,
        {"assignment_id": assignment_id, "reviewer_id": reviewer_id, "round": round},
    )
    emit(
        uow,
        REVIEW_ASSIGNED,
        proposal["id"],
        {
            "proposal_id": proposal["id"],
            "assignment_id": assignment_id,
            "round": round,
            "reviewer": person(reviewer),
            "title": proposal["title"],
            "deadline": due,
            "assigned_at": now,
            "replaces_assignment_id": replaces,
        },
        **_ids(proposal, cause_id),
    )
    return assignment_id


def _pick(
    uow: ReviewWork, proposal: dict[str, Any], round: str, count: int, pool: Collection[str] | None
) -> list[dict[str, Any]]:
    """The reviewers ``assignment.choose`` picks (their accounts), best first.

    Excluded: everyone who has or had this proposal in this round (a conflict stays declared).
    """
    users, pool_ = _pool(uow, proposal, round, pool)
    need = _need(uow, proposal, count, frozenset(uid for uid, u in users.items() if u["had_it"]))
    return [users[c.id] for c in assignment.choose(pool_, need)]


NOT_ELIGIBLE = (
    "Not eligible: inactive, at maximum load, not a reviewer (of this panel), "
    "or already had this proposal."
)


def _named(
    uow: ReviewWork,
    proposal: dict[str, Any],
    round: str,
    reviewer_id: str,
    pool: Collection[str] | None,
) -> dict[str, Any]:
    """The reviewer the secretariat named, if they may review the proposal.

    Raises ``Conflict`` (409) when they conflict with it, ``Invalid`` (422) when they are
    otherwise not eligible.
    """
    # A manual choice may name anyone in the pool given, or anyone at all without one
    # (panelists and invitees too: _in_pool).
    users, pool_ = _pool(uow, proposal, round, [reviewer_id] if pool is None else pool)
    need = _need(uow, proposal, 1, frozenset(uid for uid, u in users.items() if u["had_it"]))
    found = next((c for c in pool_ if c.id == reviewer_id), None)
    if found is None:
        raise Invalid({"reviewer_id": [NOT_ELIGIBLE]})
    why = assignment.conflict(found, need)
    if why is not None:
        raise Conflict(
            f"{users[reviewer_id]['name']} has a conflict of interest with this proposal "
            f"({why}; the proposing agency is {proposal['agency_code']}).",
            "assignment.conflict_of_interest",
        )
    if not assignment.eligible(found, need):
        raise Invalid({"reviewer_id": [NOT_ELIGIBLE]})
    return users[reviewer_id]


def assign_desk(
    uow: ReviewWork,
    proposal: dict[str, Any],
    cycle: dict[str, Any] | None,
    actor: str,
    cause_id: str = "",
) -> int:
    """Assign the cycle's number of desk reviewers; ``assigned`` once there is at least one.

    With nobody eligible the proposal stays ``screened`` for the secretariat to assign by hand.
    """
    count = cycle["reviewers_per_proposal"] if cycle else DEFAULT_REVIEWERS
    chosen = _pick(uow, proposal, rubric.DESK, count, None)
    for reviewer in chosen:
        _give(uow, proposal, reviewer, rubric.DESK, cycle, actor, cause_id)
    if chosen and proposal["status"] == states.SCREENED:
        transitions.move(uow, proposal, states.ASSIGNED, actor, "assigned")
    if len(chosen) < count:
        uow.audit.record(
            actor,
            "assignment_short",
            "proposal",
            proposal["id"],
            None,
            {"wanted": count, "assigned": len(chosen)},
        )
    return len(chosen)


def panel_of(cycle: dict[str, Any], proposal: dict[str, Any]) -> list[str]:
    """The panel a finalist goes to: its award category's own where it has one, else the cycle's."""
    for c in cycle.get("categories") or []:
        if c["code"] == proposal.get("award_category") and c.get("panel"):
            return list(c["panel"])
    return list(cycle["panel"])


def assign_panel(
    uow: ReviewWork, proposal: dict[str, Any], cycle: dict[str, Any], actor: str
) -> int:
    """Every panel member without a conflict reviews a finalist; ``panel_assigned``."""
    panel = panel_of(cycle, proposal)
    chosen = _pick(uow, proposal, rubric.PANEL, len(panel), panel)
    if not chosen:
        raise Conflict(
            f"No panel member can review {proposal['id']} (all from the proposing agency?)."
        )
    moved = transitions.move(uow, proposal, states.PANEL_ASSIGNED, actor, "panel_assigned")
    for reviewer in chosen:
        _give(uow, moved, reviewer, rubric.PANEL, cycle, actor)
    return len(chosen)


def own_assignment_in(
    uow: ReviewWork, assignment_id: str, reviewer_id: str | None
) -> dict[str, Any]:
    """The assignment, if ``reviewer_id`` holds it (None: the secretariat, who sees all)."""
    found = uow.assignments.get(assignment_id)
    if found is None or (reviewer_id is not None and found["reviewer_id"] != reviewer_id):
        raise NotFound("No such assignment.", "assignment.not_found")
    return found


def rubric_for_in(uow: ReviewWork, cycle_id: str | None, round: str) -> rubric.Rubric:
    row = uow.cycles.rubric_row(cycle_id, round) if cycle_id else None
    return rubric.from_dict(row["definition"]) if row else rubric.default_rubric(round)


def submit_review(
    assignment_id: str,
    reviewer_id: str,
    scores: dict[str, Any],
    comment: str,
    uow: ReviewWork,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record (or change, until the deadline) a reviewer's scores; ``proposal.scored`` when all are in."""
    with uow:
        now = now or datetime.now(UTC)
        held = own_assignment_in(uow, assignment_id, reviewer_id)
        if held["status"] not in assignments.OPEN:
            raise Conflict(
                f"This assignment was released ({held['released_reason']}).", "assignment.closed"
            )
        if now > held["deadline"]:
            raise Conflict(
                f"The deadline ({held['deadline'].isoformat()}) has passed.", "assignment.closed"
            )
        proposal = transitions.load(uow, held["proposal_id"])
        if proposal["status"] not in ROUND_STATES[held["round"]]:
            raise Conflict(
                f"The proposal is {proposal['status']}; its {held['round']} scores are closed."
            )
        used = rubric_for_in(uow, held["cycle_id"], held["round"])
        try:
            checked = rubric.check_scores(used, scores)
        except rubric.RubricError as exc:
            raise Invalid(exc.errors) from exc
        total = rubric.weighted_total(used, checked)
        if held["cycle_id"]:
            uow.cycles.freeze_rubric(held["cycle_id"], held["round"], used.version)
        before = {k: held[k] for k in ("status", "scores", "weighted_total")}
        change = {
            "status": "submitted",
            "scores": checked,
            "comment": comment,
            "weighted_total": total,
            "rubric_version": used.version,
            "submitted_at": now,
        }
        uow.assignments.change(assignment_id, **change)
        uow.assignments.add_submission(
            {
                "assignment_id": assignment_id,
                "scores": checked,
                "comment": comment,
                "weighted_total": total,
                "rubric_version": used.version,
                "submitted_at": now,
            },
        )
        uow.audit.record(
            reviewer_id,
            "review_submitted",
            "proposal",
            proposal["id"],
            before,
            {
                "assignment_id": assignment_id,
                "status": "submitted",
                "scores": checked,
                "weighted_total": total,
            },
        )
        emit(
            uow,
            REVIEW_SUBMITTED,
            proposal["id"],
            {
                "proposal_id": proposal["id"],
                "assignment_id": assignment_id,
                "round": held["round"],
                "reviewer_id": reviewer_id,
                "weighted_total": total,
                "submitted_at": now,
            },
            **_ids(proposal),
        )
        complete_round(uow, proposal, held["round"], reviewer_id)
        return {**held, **change}


def complete_round(uow: ReviewWork, proposal: dict[str, Any], round: str, actor: str) -> bool:
    """When every open assignment of the round is submitted: the score, the state, ``proposal.scored``."""
    held = uow.assignments.of_proposal(proposal["id"], round, open_only=True)
    if not held or any(a["status"] != "submitted" for a in held):
        return False
    cycle = uow.cycles.get(proposal["cycle_id"]) if proposal["cycle_id"] else None
    spread = cycle["disagreement_spread"] if cycle else DEFAULT_SPREAD
    summary = scoring.summarise([a["weighted_total"] for a in held], spread)
    as_json = {
        "mean": summary.mean,
        "reviewer_totals": list(summary.reviewer_totals),
        "spread": summary.spread,
        "disagreement": summary.disagreement,
    }
    scores = {**(proposal.get("scores") or {}), round: as_json}
    done = states.SCORED if round == rubric.DESK else states.PANEL_SCORED
    if proposal["status"] == done:  # a reviewer changed their scores before the deadline
        uow.proposals.change(proposal["id"], scores=scores)
        uow.audit.record(
            actor,
            "rescored",
            "proposal",
            proposal["id"],
            (proposal.get("scores") or {}).get(round),
            as_json,
        )
    else:
        transitions.move(uow, proposal, done, actor, f"{round}_scored", scores=scores)
    emit(
        uow,
        PROPOSAL_SCORED,
        proposal["id"],
        {
            "proposal_id": proposal["id"],
            "cycle_id": proposal["cycle_id"],
            "round": round,
            "mean_score": summary.mean,
            "reviewer_totals": list(summary.reviewer_totals),
            "disagreement": summary.disagreement,
            "scored_at": datetime.now(UTC),
        },
        **_ids(proposal),
    )
    return True


def release_and_replace(
    assignment_id: str,
    holder: str | None,
    actor: str,
    reason: str,
    uow: ReviewWork,
    reviewer_id: str | None = None,
) -> str | None:
    """Release an assignment and give the proposal to someone else (``reviewer_id`` or the best pick).

    ``holder`` must hold the assignment (None: the secretariat, who may release any).
    Returns the new assignment's id, or None when nobody eligible is left.
    """
    with uow:
        return release_and_replace_in(uow, assignment_id, holder, actor, reason, reviewer_id)


def flag_conflict(assignment_id: str, reviewer_id: str, reason: str, uow: ReviewWork) -> str | None:
    """The reviewer flags a conflict on their assignment: the proposal becomes a declared
    conflict of theirs, the assignment is released and given to someone else."""
    with uow:
        held = own_assignment_in(uow, assignment_id, reviewer_id)
        uow.conflicts.declare(
            reviewer_id, conflicts.PROPOSAL, held["proposal_id"], reason, datetime.now(UTC)
        )
        return release_and_replace_in(uow, assignment_id, reviewer_id, reviewer_id, reason)


def release_conflicting_in(uow: ReviewWork, reviewer_id: str, actor: str) -> list[str]:
    """Release (and replace) the reviewer's pending assignments that conflict with what
    they declared; the released assignments' ids."""
    user = uow.people.get(reviewer_id)
    if user is None:
        return []
    declared = conflicts.Declared.of(uow.conflicts.declared().get(reviewer_id, ()))
    organisation = conflicts.Organisation.of(uow.agencies.parents())
    released = []
    for held in uow.assignments.of_reviewer(reviewer_id):
        if held["status"] != "pending":
            continue
        proposal = transitions.load(uow, held["proposal_id"])
        proposer = conflicts.Proposer.of(proposal["id"], proposal["agency_code"], organisation)
        why = conflicts.reason(user["agency_code"], declared, proposer)
        if why is None or proposal["status"] not in ROUND_STATES[held["round"]]:
            continue
        release_and_replace_in(
            uow, held["id"], reviewer_id, actor, f"conflict declared: {why}"[:200]
        )
        released.append(held["id"])
    return released


def release_and_replace_in(
    uow: ReviewWork,
    assignment_id: str,
    holder: str | None,
    actor: str,
    reason: str,
    reviewer_id: str | None = None,
) -> str | None:
    """``release_and_replace`` in the caller's transaction."""
    held = own_assignment_in(uow, assignment_id, holder)
    if held["status"] != "pending":
        raise Conflict("Only a pending review can be released; this one is " + held["status"] + ".")
    proposal = transitions.load(uow, held["proposal_id"])
    if proposal["status"] not in ROUND_STATES[held["round"]]:
        raise Conflict(
            f"The proposal is {proposal['status']}; its {held['round']} reviewers are settled."
        )
    cycle = uow.cycles.get(proposal["cycle_id"]) if proposal["cycle_id"] else None
    uow.assignments.change(held["id"], status="released", released_reason=reason)
    uow.audit.record(
        actor,
        "released",
        "proposal",
        proposal["id"],
        {"assignment_id": held["id"], "status": "pending"},
        {"assignment_id": held["id"], "status": "released", "reason": reason},
    )
    pool = panel_of(cycle, proposal) if cycle and held["round"] == rubric.PANEL else None
    if reviewer_id is not None:
        chosen = [_named(uow, proposal, held["round"], reviewer_id, pool)]
    else:
        chosen = _pick(uow, proposal, held["round"], 1, pool)
    new_id = None
    if chosen:
        new_id = _give(uow, proposal, chosen[0], held["round"], cycle, actor, replaces=held["id"])
    else:
        uow.audit.record(
            actor,
            "assignment_short",
            "proposal",
            proposal["id"],
            None,
            {"replacing": held["id"]},
        )
    complete_round(uow, proposal, held["round"], actor)
    return new_id


def add_reviewer(proposal_id: str, reviewer_id: str, actor: str, uow: ReviewWork) -> dict[str, Any]:
    """The secretariat gives a proposal one more desk reviewer (e.g. when nobody was eligible);
    returns the new assignment."""
    with uow:
        proposal = transitions.load(uow, proposal_id)
        if proposal["status"] not in (states.SCREENED, states.ASSIGNED):
            raise Conflict(
                f"The proposal is {proposal['status']}; desk reviewers are added while screened or assigned."
            )
        chosen = [_named(uow, proposal, rubric.DESK, reviewer_id, None)]
        cycle = uow.cycles.get(proposal["cycle_id"]) if proposal["cycle_id"] else None
        new_id = _give(uow, proposal, chosen[0], rubric.DESK, cycle, actor)
        if proposal["status"] == states.SCREENED:
            transitions.move(uow, proposal, states.ASSIGNED, actor, "assigned")
        given = uow.assignments.get(new_id)
        assert given is not None
        return given


def own_assignment(assignment_id: str, reviewer_id: str | None, uow: ReviewWork) -> dict[str, Any]:
    """The assignment, if ``reviewer_id`` holds it (None: the secretariat sees any)."""
    with uow:
        return own_assignment_in(uow, assignment_id, reviewer_id)


def rubric_for(cycle_id: str | None, round: str, uow: ReviewWork) -> rubric.Rubric:
    with uow:
        return rubric_for_in(uow, cycle_id, round)
