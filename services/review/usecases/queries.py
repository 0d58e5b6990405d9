"""What the API and the pages read: each a use case of one read transaction.

They return records, not HTTP answers; the views shape them.
"""

from __future__ import annotations

from typing import Any

from services.review.adapters.passwords import NO_PASSWORD
from services.review.domain import rubric
from services.review.domain.errors import NotFound
from services.review.store.assignments import OPEN
from services.review.usecases import cycles as cycle_cases
from services.review.usecases import reviewing
from services.review.usecases.accounts import public
from services.review.usecases.work import ReviewWork

FINAL = "final"


def list_users(uow: ReviewWork, with_pending: bool = False) -> list[dict[str, Any]]:
    """Every account, without password hashes (``with_pending``, for the People page:
    ``password_pending``, invited and no password yet; ``second_factor``, enrolled)."""
    with uow:
        users = uow.people.listing()
        enrolled = uow.second_factors.enrolled_ids() if with_pending else set()
    if not with_pending:
        return [public(u) for u in users]
    return [
        public(u)
        | {
            "password_pending": u["password_hash"] == NO_PASSWORD,
            "second_factor": u["id"] in enrolled,
        }
        for u in users
    ]


def access_audit(user_id: str | None, limit: int, uow: ReviewWork) -> list[dict[str, Any]]:
    """Every access change (invitations, resets, role changes, deactivations, ...), newest first."""
    with uow:
        return uow.audit.access_entries(user_id, limit)


def list_cycles(uow: ReviewWork) -> list[dict[str, Any]]:
    with uow:
        return uow.cycles.listing()


def get_cycle(cycle_id: str, uow: ReviewWork) -> dict[str, Any] | None:
    with uow:
        return uow.cycles.get(cycle_id)


def cycle_ranking(
    cycle_id: str, round: str, uow: ReviewWork, category: str | None = None
) -> list[dict[str, Any]] | None:
    """The ranking of a round (``final``: finalists first), of one award category when named;
    None when there is no such cycle."""
    with uow:
        if uow.cycles.get(cycle_id) is None:
            return None
        if round == FINAL:
            return cycle_cases.final_ranking_in(uow, cycle_id, category)
        return cycle_cases.ranking_in(uow, cycle_id, round, category)


def category_rankings(cycle_id: str, round: str, uow: ReviewWork) -> list[dict[str, Any]]:
    """Per award category of the cycle, its ranking (none without categories or cycle)."""
    with uow:
        cycle = uow.cycles.get(cycle_id)
        return cycle_cases.rankings_by_category(uow, cycle, round) if cycle else []


def open_assignments(reviewer_id: str, uow: ReviewWork) -> list[dict[str, Any]]:
    """A reviewer's open assignments, nearest deadline first."""
    with uow:
        return uow.assignments.of_reviewer(reviewer_id)


def _visible(uow: ReviewWork, proposal_id: str, reviewer_id: str | None) -> dict[str, Any]:
    proposal = uow.proposals.get(proposal_id)
    if proposal is None or (
        reviewer_id is not None and not uow.assignments.reviewer_has(reviewer_id, proposal_id)
    ):
        raise NotFound("No proposal with this id has reached review.", "proposal.not_found")
    return proposal


def list_proposals(
    reviewer_id: str | None, cycle_id: str | None, status: str | None, uow: ReviewWork
) -> list[dict[str, Any]]:
    """Proposals by stage: all of them (``reviewer_id`` None: the secretariat), or those
    assigned to the reviewer."""
    with uow:
        ids = None
        if reviewer_id is not None:
            ids = sorted({a["proposal_id"] for a in uow.assignments.of_reviewer(reviewer_id)})
        return uow.proposals.listing(cycle_id=cycle_id, status=status, ids=ids)


def get_proposal(proposal_id: str, reviewer_id: str | None, uow: ReviewWork) -> dict[str, Any]:
    """The proposal, if the caller may see it (``reviewer_id`` None: the secretariat);
    ``NotFound`` otherwise (never revealing that it exists)."""
    with uow:
        return _visible(uow, proposal_id, reviewer_id)


def proposal_assignments(proposal_id: str, uow: ReviewWork) -> list[dict[str, Any]]:
    """Every assignment of the proposal, released ones included."""
    with uow:
        _visible(uow, proposal_id, None)
        return uow.assignments.of_proposal(proposal_id)


def proposal_audit(proposal_id: str, uow: ReviewWork) -> list[dict[str, Any]]:
    """Who did what to the proposal, oldest first."""
    with uow:
        _visible(uow, proposal_id, None)
        return uow.audit.entries(proposal_id)


# -- what the pages show --------------------------------------------------------


def reviewer_desk(reviewer_id: str, uow: ReviewWork) -> dict[str, Any]:
    """A reviewer's open assignments and their proposals by id."""
    with uow:
        held = uow.assignments.of_reviewer(reviewer_id)
        ids = [a["proposal_id"] for a in held]
        return {
            "assignments": held,
            "proposals": {p["id"]: p for p in uow.proposals.listing(ids=ids)},
        }


def assignment_to_score(assignment_id: str, reviewer_id: str, uow: ReviewWork) -> dict[str, Any]:
    """An open assignment of the reviewer with its proposal and rubric; ``NotFound`` else."""
    with uow:
        held = reviewing.own_assignment_in(uow, assignment_id, reviewer_id)
        if held["status"] not in OPEN:
            raise NotFound("No such assignment.", "assignment.not_found")
        return {
            "held": held,
            "proposal": uow.proposals.get(held["proposal_id"]),
            "rubric": reviewing.rubric_for_in(uow, held["cycle_id"], held["round"]),
        }


def cycle_overview(cycle_id: str, uow: ReviewWork) -> dict[str, Any] | None:
    """A cycle's page: its proposals, rankings, reviewers and open assignments; None when
    there is no such cycle."""
    with uow:
        cycle = uow.cycles.get(cycle_id)
        if cycle is None:
            return None
        in_cycle = uow.proposals.listing(cycle_id=cycle_id)
        return {
            "cycle": cycle,
            "proposals": in_cycle,
            "ranking": cycle_cases.ranking_in(uow, cycle_id, rubric.DESK),
            "final": cycle_cases.final_ranking_in(uow, cycle_id),
            "by_category": cycle_cases.rankings_by_category(uow, cycle, rubric.DESK),
            "final_by_category": cycle_cases.rankings_by_category(uow, cycle, FINAL),
            "reviewers": uow.people.listing(role="reviewer"),
            "held": {
                p["id"]: uow.assignments.of_proposal(p["id"], open_only=True) for p in in_cycle
            },
        }


def proposal_file(proposal_id: str, uow: ReviewWork) -> dict[str, Any] | None:
    """A proposal's page: it, its assignments, its audit trail, the reviewers; None when
    there is no such proposal."""
    with uow:
        proposal = uow.proposals.get(proposal_id)
        if proposal is None:
            return None
        held = uow.assignments.of_proposal(proposal_id)
        cycle = uow.cycles.get(proposal["cycle_id"]) if proposal["cycle_id"] else None
        return {
            "proposal": proposal,
            # The finalist's presentation and visit by kind, and who may join a visit's team.
            "appointments": {a["kind"]: a for a in uow.appointments.of_proposal(proposal_id)},
            "team_candidates": [
                u
                for u in uow.people.listing()
                if u["role"] in ("reviewer", "panelist") and u["active"]
            ],
            "field_verification": bool(cycle and cycle.get("field_verification")),
            "assignments": held,
            # Each scored assignment's criteria: names and levels, as the reviewer saw them.
            "criteria": {a["id"]: _scored_criteria(uow, a) for a in held if a.get("scores")},
            "trail": uow.audit.entries(proposal_id),
            "reviewers": uow.people.listing(role="reviewer"),
            # Who each audit entry's actor is (name and role), for the page to say so.
            "people": {
                u["id"]: {"name": u["name"], "role": u["role"]} for u in uow.people.listing()
            },
        }


def _scored_criteria(uow: ReviewWork, held: dict[str, Any]) -> list[dict[str, Any]]:
    row = (
        uow.cycles.rubric_row(held["cycle_id"], held["round"], held.get("rubric_version"))
        if held.get("cycle_id")
        else None
    )
    used = rubric.from_dict(row["definition"]) if row else rubric.default_rubric(held["round"])
    scores = held["scores"] or {}
    lines = []
    for c in used.criteria:
        if c.key not in scores:
            continue
        level = next((lv for lv in c.levels if lv.score == scores[c.key]), None)
        lines.append(
            {
                "name": c.name,
                "score": scores[c.key],
                "scale_max": c.scale_max,
                "level": level.description if level else "",
            }
        )
    return lines


def cycle_participation(cycle_id: str, uow: ReviewWork) -> dict[str, Any] | None:
    """The cycle and its participation report; None when there is no such cycle."""
    with uow:
        cycle = uow.cycles.get(cycle_id)
        if cycle is None:
            return None
        return {"cycle": cycle, "report": cycle_cases.participation_in(uow, cycle_id)}


def submitted_scores(cycle_id: str, uow: ReviewWork) -> list[dict[str, Any]] | None:
    """Every submitted review of the cycle with its proposal and reviewer's name, in
    proposal order; None when there is no such cycle."""
    with uow:
        if uow.cycles.get(cycle_id) is None:
            return None
        names = {u["id"]: u["name"] for u in uow.people.listing()}
        return [
            {"proposal": p, "assignment": a, "reviewer_name": names.get(a["reviewer_id"], "")}
            for p in uow.proposals.listing(cycle_id=cycle_id)
            for a in uow.assignments.of_proposal(p["id"])
            if a["status"] == "submitted"
        ]
