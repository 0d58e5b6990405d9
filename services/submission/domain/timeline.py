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
    return {}


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
    return event_type
