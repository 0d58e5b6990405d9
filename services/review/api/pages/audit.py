"""The audit log as the pages show it: who by name and role, what as a sentence, and what
changed as a small before/after table (not account ids and raw JSON).

The log itself keeps what the use cases recorded (actor ids, action names, the fields
before and after); this only reads it for people, in the page's language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from services.review.api.pages.language import profile_label, release_reason, status_label

# What each action of a proposal's trail did, as a sentence without its subject.
ACTIONS = {
    "received": _l("received the proposal"),
    "resubmitted": _l("received a new version"),
    "resubmission_ignored": _l("ignored a resubmission that came too late"),
    "screening_passed": _l("passed the completeness check"),
    "screening_failed": _l("found the proposal incomplete and asked for a revision"),
    "assigned": _l("assigned the desk reviewers"),
    "assignment_short": _l("found too few eligible reviewers"),
    "reviewer_assigned": _l("assigned a reviewer"),
    "review_submitted": _l("submitted a review"),
    "released": _l("released an assignment"),
    "rescored": _l("recomputed the scores"),
    "desk_scored": _l("closed the desk scoring"),
    "panel_scored": _l("closed the panel scoring"),
    "panel_assigned": _l("assigned the panel"),
    "shortlist": _l("shortlisted the proposal"),
    "reject": _l("rejected the proposal"),
    "request_revision": _l("asked for a revision"),
    "field_verification": _l("recorded the field verification"),
    "presentation_scheduled": _l("scheduled the presentation"),
    "presentation_rescheduled": _l("rescheduled the presentation"),
    "presentation_cancelled": _l("cancelled the presentation"),
    "visit_scheduled": _l("scheduled the field visit"),
    "visit_rescheduled": _l("rescheduled the field visit"),
    "visit_cancelled": _l("cancelled the field visit"),
    "awarded": _l("gave the proposal an award"),
    "not_awarded": _l("decided the proposal is not awarded"),
    "withdrawn": _l("withdrew the proposal"),
    "reopened": _l("reopened the proposal"),
    "addendum_added": _l("added evidence as an addendum"),
}
# Who acts when no person does.
SYSTEM_ACTORS = {
    "screening": _l("the system (completeness check)"),
    "assignment": _l("the system (reviewer assignment)"),
    "admin": _l("the administrator"),
}
FIELDS = {
    "status": _l("Status"),
    "note": _l("Note"),
    "award": _l("Award"),
    "scores": _l("Scores"),
    "verification": _l("Field verification"),
    "verification_note": _l("Note"),
    "screening_reasons": _l("Screening"),
    "reviewer": _l("Reviewer"),
    "reviewer_id": _l("Reviewer"),
    "round": _l("Round"),
    "reason": _l("Reason"),
    "deadline": _l("Deadline"),
    "weighted_total": _l("Total"),
    "assignment_id": _l("Assignment"),
    "version": _l("Version"),
    "starts_at": _l("Date and time"),
    "duration_minutes": _l("Duration (minutes)"),
    "place": _l("Place"),
    "online_url": _l("Online link"),
    "address": _l("Address"),
    "team": _l("Team"),
}
STATUS_FIELDS = {"status", "round", "verification"}
# Not worth a row: ids, and a review's scores per criterion (its total is shown).
# The stage a withdrawal left is its status change already; an addendum is named by its id.
HIDDEN_FIELDS = {"assignment_id", "id", "proposal_id", "cause_id", "withdrawn_from", "addendum"}


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Entry:
    at: Any
    who: str
    what: str
    changes: tuple[Change, ...]


def _who(actor: str, people: dict[str, dict[str, str]]) -> str:
    person = people.get(actor)
    if person:
        return f"{person['name']} ({status_label(person['role'])})"
    if actor in SYSTEM_ACTORS:
        return str(SYSTEM_ACTORS[actor])
    if actor.startswith("agency:"):
        return _("the agency %(code)s", code=actor.removeprefix("agency:"))
    return actor


def _value(field: str, value: Any, people: dict[str, dict[str, str]]) -> str:
    if value is None or value in ("", [], {}):
        return "-"
    if field in STATUS_FIELDS:
        return status_label(value)
    if field == "reason":
        return release_reason(value)
    if field in ("reviewer", "reviewer_id") and str(value) in people:
        return people[str(value)]["name"]
    if field == "scores" and isinstance(value, dict):
        return "; ".join(
            f"{status_label(round)}: " + _("mean %(mean)s", mean=score.get("mean"))
            for round, score in sorted(value.items())
            if isinstance(score, dict)
        )
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in sorted(value.items()))
    if isinstance(value, str):
        return profile_label(value)
    return json.dumps(value) if not isinstance(value, int | float) else str(value)


def _per_criterion(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(v, int | float) for v in value.values())
    )


def _changes(before: Any, after: Any, people: dict[str, dict[str, str]]) -> tuple[Change, ...]:
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    shown = []
    for field in sorted(set(before) | set(after), key=lambda f: (f != "status", f)):
        old, new = before.get(field), after.get(field)
        if (old == new and field in before) or field in HIDDEN_FIELDS or _per_criterion(new):
            continue
        label = FIELDS.get(field)
        shown.append(
            Change(
                str(label) if label is not None else field.replace("_", " "),
                _value(field, old, people),
                _value(field, new, people),
            )
        )
    return tuple(shown)


def readable(trail: list[dict[str, Any]], people: dict[str, dict[str, str]]) -> list[Entry]:
    """The trail, newest last, for people."""
    return [
        Entry(
            at=entry["at"],
            who=_who(str(entry["actor"]), people),
            what=str(ACTIONS[entry["action"]])
            if entry["action"] in ACTIONS
            else str(entry["action"]).replace("_", " "),
            changes=_changes(entry.get("before"), entry.get("after"), people),
        )
        for entry in trail
    ]
