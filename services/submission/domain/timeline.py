"""What the agency may learn from each step of its proposal's path.

Review events name reviewers (ids, names, emails); the agency sees only
"reviewer 2 of 3". ``facts`` keeps what is safe to show, ``summary`` says it
in one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

AGENCY_STEPS = {
    "proposal.drafted": "Draft created (version {version}).",
    "proposal.edited": "Edited: version {version}.",
    "proposal.submitted": "Submitted version {version} for review.",
    "proposal.resubmitted": "Resubmitted version {version} after revision.",
    "proposal.withdrawn": "Withdrawn by the agency.",
    "proposal.reopened": "Reopened by the agency: back in review as before the withdrawal.",
    "proposal.addendum_added": "Evidence added to version {version} as an addendum.",
}


def safe_facts(
    event_type: str, data: Mapping[str, Any], reviewer_number: int | None
) -> dict[str, Any]:
    """The parts of a review event's payload an agency may see."""
    if event_type == "proposal.screened":
        return {"passed": data["passed"], "reasons": list(data.get("reasons") or [])}
    if event_type in {"review.assigned", "review.submitted"}:
        facts: dict[str, Any] = {"round": data["round"], "reviewer_number": reviewer_number}
        if event_type == "review.assigned":
            facts["deadline"] = data["deadline"]
        return facts
    if event_type == "proposal.scored":
        return {
            "round": data["round"],
            "mean_score": data["mean_score"],
            "reviews": len(data.get("reviewer_totals") or []),
        }
    if event_type == "proposal.revision_requested":
        by = "screening" if data.get("requested_by") == "screening" else "review team"
        return {
            "feedback": data["feedback"],
            "reasons": list(data.get("reasons") or []),
            "requested_by": by,
        }
    if event_type in {
        "proposal.rejected",
        "proposal.shortlisted",
        "proposal.awarded",
        "proposal.not_awarded",
    }:
        return {
            "cycle_id": data.get("cycle_id"),
            "rank": data.get("rank"),
            "award": data.get("award"),
            "note": data.get("note") or "",
        }
    if event_type in {"proposal.presentation_scheduled", "proposal.visit_scheduled"}:
        # The agency hosts the visit and presents: when, where and who come; never ids.
        return {
            "change": data["change"],
            "starts_at": data["starts_at"],
            "duration_minutes": data["duration_minutes"],
            "place": data.get("place"),
            "online_url": data.get("online_url"),
            "address": data.get("address"),
            "team": [m["name"] for m in data.get("team") or []],
        }
    if event_type == "proposal.visit_recorded":
        return {"verified": data["verified"], "notes": data.get("notes") or ""}
    return {}


STEP_NAMES = {
    "proposal.presentation_scheduled": "Presentation",
    "proposal.visit_scheduled": "Field visit",
}


def summary(event_type: str, version: int | None, facts: Mapping[str, Any], reviewers: int) -> str:
    """One line for a timeline entry; ``reviewers`` is how many the round has so far."""
    if event_type in AGENCY_STEPS:
        return AGENCY_STEPS[event_type].format(version=version)
    if event_type == "proposal.screened":
        if facts.get("passed"):
            return "Passed the completeness check."
        return "Did not pass the completeness check: " + "; ".join(facts.get("reasons") or [])
    number = facts.get("reviewer_number")
    if event_type == "review.assigned":
        return f"Assigned to reviewer {number} of {reviewers} ({facts.get('round')} round)."
    if event_type == "review.submitted":
        return f"Reviewer {number} of {reviewers} submitted a review ({facts.get('round')} round)."
    if event_type == "proposal.scored":
        return f"Scored in the {facts.get('round')} round: mean {facts.get('mean_score')}."
    if event_type == "proposal.revision_requested":
        return f"Revision requested by the {facts.get('requested_by')}: {facts.get('feedback')}"
    if event_type == "proposal.awarded":
        return f"Awarded: {facts.get('award') or 'an award'}."
    if event_type == "proposal.not_awarded":
        return "The awards were decided; this proposal won none."
    if event_type == "proposal.shortlisted":
        return "Shortlisted."
    if event_type == "proposal.rejected":
        return "Rejected."
    if event_type in STEP_NAMES:
        return _step(STEP_NAMES[event_type], facts)
    if event_type == "proposal.visit_recorded":
        outcome = "verified" if facts.get("verified") else "not verified"
        notes = f": {facts['notes']}" if facts.get("notes") else "."
        return f"Field visit recorded: {outcome}{notes}"
    return event_type


def _step(name: str, facts: Mapping[str, Any]) -> str:
    """ "Presentation rescheduled: 2026-12-10T02:00:00+00:00, 60 minutes, Aula Bappeda." """
    if facts.get("change") == "cancelled":
        return f"{name} cancelled."
    where = facts.get("address") or " / ".join(
        str(w) for w in (facts.get("place"), facts.get("online_url")) if w
    )
    team = f"; team: {', '.join(facts['team'])}" if facts.get("team") else ""
    return (
        f"{name} {facts.get('change')}: {facts.get('starts_at')}, "
        f"{facts.get('duration_minutes')} minutes, {where}{team}."
    )
