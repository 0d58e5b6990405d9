"""Whether a cycle's awards may be decided as asked: the rules, with no storage.

A cycle is awarded once, to at most ``award_count`` finalists, after its panel
has scored every finalist; a winner must be a finalist of the cycle that did
not fail field verification.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.review.domain import states
from services.review.domain.errors import Conflict, Invalid

FINALIST = (states.SHORTLISTED, states.PANEL_SCORED)


def require_awardable(
    cycle: Mapping[str, Any],
    in_cycle: Mapping[str, Mapping[str, Any]],
    awards: Sequence[Mapping[str, str]],
) -> None:
    """Refuse the awards with a ``Conflict`` (the cycle's state) or an ``Invalid``
    naming each wrong item; return when they may be decided."""
    if cycle["status"] == "awarded":
        raise Conflict("This cycle's awards were decided already.")
    if len(awards) > cycle["award_count"]:
        raise Invalid({"awards": [f"This cycle gives at most {cycle['award_count']} awards."]})
    pending = [p["id"] for p in in_cycle.values() if p["status"] == states.PANEL_ASSIGNED]
    if pending:
        raise Conflict(f"Panel scoring is not finished for: {', '.join(pending)}.")
    errors: dict[str, list[str]] = {}
    for i, item in enumerate(awards):
        problem = _why_not_a_winner(in_cycle.get(item["proposal_id"]))
        if problem:
            errors[f"awards.{i}.proposal_id"] = [problem]
    if errors:
        raise Invalid(errors)


def _why_not_a_winner(proposal: Mapping[str, Any] | None) -> str | None:
    if proposal is None:
        return "Not a proposal of this cycle."
    if proposal["status"] not in FINALIST:
        return f"Only finalists can win; this one is {proposal['status']}."
    if proposal["verification"] == "fail":
        return "It failed field verification."
    return None


def award_names(awards: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """Each winner's proposal id with the name of its award ("Award" when unnamed)."""
    return {item["proposal_id"]: item.get("award") or "Award" for item in awards}
