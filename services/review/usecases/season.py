"""A cycle's exports for people outside the review: every submitted score per award
category (JSON or CSV), and the season report for the mayor's office (proposals per
stage, per agency, per category, participation, winners)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from services.review.domain import states
from services.review.usecases import cycles as cycle_cases
from services.review.usecases import queries
from services.review.usecases.work import ReviewWork

SCORE_COLUMNS = [
    "award_category",
    "proposal_id",
    "title",
    "agency_code",
    "agency_name",
    "round",
    "reviewer",
    "rubric_version",
    "weighted_total",
    "scores",
    "comment",
    "submitted_at",
]


def cycle_scores(
    cycle_id: str, uow: ReviewWork, category: str | None = None
) -> list[dict[str, Any]] | None:
    """Every submitted review of the cycle (of one award category when given), one row per
    review with its proposal's category; None when there is no such cycle."""
    found = queries.submitted_scores(cycle_id, uow)
    if found is None:
        return None
    rows = [
        {
            "award_category": r["proposal"].get("award_category"),
            "proposal_id": r["proposal"]["id"],
            "title": r["proposal"]["title"],
            "agency_code": r["proposal"]["agency_code"],
            "agency_name": r["proposal"]["agency_name"],
            "round": r["assignment"]["round"],
            "reviewer": r["reviewer_name"],
            "rubric_version": r["assignment"]["rubric_version"],
            "weighted_total": r["assignment"]["weighted_total"],
            "scores": dict(r["assignment"]["scores"] or {}),
            "comment": r["assignment"]["comment"] or "",
            "submitted_at": r["assignment"]["submitted_at"],
        }
        for r in found
    ]
    if category is not None:
        rows = [r for r in rows if r["award_category"] == category]
    return sorted(rows, key=lambda r: (r["award_category"] or "", r["proposal_id"], r["round"]))


def season_report(cycle_id: str, uow: ReviewWork) -> dict[str, Any] | None:
    """What the mayor's office reads about a season; None when there is no such cycle."""
    with uow:
        cycle = uow.cycles.get(cycle_id)
        if cycle is None:
            return None
        proposals = uow.proposals.listing(cycle_id=cycle_id)
        participation = cycle_cases.participation_in(uow, cycle_id)
    names = {c["code"]: c["name"] for c in cycle.get("categories") or []}
    stages = Counter(p["status"] for p in proposals)
    per_category = Counter(p.get("award_category") or "" for p in proposals)
    winners = [
        {
            "proposal_id": p["id"],
            "title": p["title"],
            "agency_code": p["agency_code"],
            "agency_name": p["agency_name"],
            "award": p.get("award") or "",
            "award_category": p.get("award_category"),
            "award_category_name": names.get(p.get("award_category") or "", ""),
        }
        for p in proposals
        if p["status"] == states.AWARDED
    ]
    return {
        "cycle": {
            "id": cycle["id"],
            "name": cycle["name"],
            "year": cycle["year"],
            "submission_opens_at": cycle["submission_opens_at"],
            "submission_closes_at": cycle["submission_closes_at"],
            "status": cycle["status"],
            "min_per_agency": cycle.get("min_per_agency") or 0,
            "max_per_agency": cycle.get("max_per_agency"),
        },
        "total": len(proposals),
        "per_stage": [
            {"status": status, "count": stages[status]}
            for status in states.STATES
            if stages[status]
        ],
        "per_category": [
            {"code": code, "name": names.get(code, ""), "count": count}
            for code, count in sorted(per_category.items())
        ],
        "per_agency": [
            {
                "code": a["code"],
                "name": a["name"],
                "proposals": a["proposals"],
                "below_minimum": a.get("below_minimum", False),
            }
            for a in participation["agencies"]
        ],
        "participation": {
            "agencies": len(participation["agencies"]),
            "with_proposal": sum(1 for a in participation["agencies"] if a["proposals"]),
            "without_proposal": participation["without_proposal"],
            "below_minimum": participation["below_minimum"],
        },
        "winners": sorted(winners, key=lambda w: (w["award_category"] or "", w["title"])),
    }
