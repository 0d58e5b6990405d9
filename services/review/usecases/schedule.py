"""A finalist's presentation and field visit: scheduled, rescheduled and cancelled by the
secretariat, each change an event; and the day-before reminders the worker sends."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from services.review.domain import appointments, conflicts, states
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.usecases import transitions
from services.review.usecases.decisions import category_fields
from services.review.usecases.events import emit
from services.review.usecases.work import ReviewWork
from shared.events.catalog import (
    PROPOSAL_APPOINTMENT_REMINDER_DUE,
    PROPOSAL_PRESENTATION_SCHEDULED,
    PROPOSAL_VISIT_SCHEDULED,
)

EVENTS = {
    appointments.PRESENTATION: PROPOSAL_PRESENTATION_SCHEDULED,
    appointments.VISIT: PROPOSAL_VISIT_SCHEDULED,
}
FINALIST = (states.SHORTLISTED, states.PANEL_ASSIGNED, states.PANEL_SCORED)
TEAM_ROLES = ("reviewer", "panelist")
FIELDS = ("starts_at", "duration_minutes", "place", "online_url", "address", "team")


def schedule_of(proposal_id: str, uow: ReviewWork) -> list[dict[str, Any]]:
    """The proposal's presentation and visit as scheduled (cancelled ones included)."""
    with uow:
        transitions.load(uow, proposal_id)
        return uow.appointments.of_proposal(proposal_id)


def schedule(
    proposal_id: str, kind: str, values: dict[str, Any], actor: str, uow: ReviewWork
) -> dict[str, Any]:
    """Schedule (or reschedule) a finalist's presentation or visit; the event says so in
    the same transaction. Raises NotFound, Conflict (not a finalist), Invalid."""
    with uow:
        proposal = _finalist(uow, proposal_id)
        now = datetime.now(UTC)
        values = {k: values.get(k) for k in FIELDS}
        errors = appointments.problems(kind, values, now)
        if kind == appointments.VISIT and "team" not in errors:
            values["team"] = _team(uow, proposal, values["team"] or [], errors)
        if errors:
            raise Invalid(errors)
        if kind == appointments.PRESENTATION:
            values["address"], values["team"] = None, []
        else:
            values["place"], values["online_url"] = None, None
        existing = uow.appointments.get(proposal_id, kind)
        change = appointments.change_of(existing)
        row = {
            **values,
            "status": appointments.SCHEDULED,
            "scheduled_by": actor,
            "scheduled_at": now,
            "revision": existing["revision"] + 1 if existing else 1,
        }
        if existing is None:
            row |= {"id": str(uuid.uuid4()), "proposal_id": proposal_id, "kind": kind}
            row["cycle_id"] = proposal["cycle_id"]
            uow.appointments.insert(row)
        else:
            uow.appointments.change(existing["id"], **row)
            row = {**existing, **row}
        uow.audit.record(
            actor,
            f"{kind}_{change}",
            "proposal",
            proposal_id,
            _audited(existing),
            _audited(row),
        )
        _announce(uow, proposal, row, change)
        return row


def cancel(proposal_id: str, kind: str, actor: str, uow: ReviewWork) -> dict[str, Any]:
    """Cancel a scheduled presentation or visit (a new event tells everyone)."""
    with uow:
        proposal = transitions.load(uow, proposal_id)
        existing = uow.appointments.get(proposal_id, kind)
        if existing is None or existing["status"] == appointments.CANCELLED:
            raise Conflict(
                f"No {kind} is scheduled for this proposal.", "appointment.not_scheduled"
            )
        row = {
            **existing,
            "status": appointments.CANCELLED,
            "revision": existing["revision"] + 1,
            "scheduled_by": actor,
            "scheduled_at": datetime.now(UTC),
        }
        uow.appointments.change(
            existing["id"],
            status=row["status"],
            revision=row["revision"],
            scheduled_by=actor,
            scheduled_at=row["scheduled_at"],
        )
        uow.audit.record(
            actor, f"{kind}_cancelled", "proposal", proposal_id, _audited(existing), None
        )
        _announce(uow, proposal, row, appointments.CANCELLED)
        return row


def _finalist(uow: ReviewWork, proposal_id: str) -> dict[str, Any]:
    proposal = transitions.load(uow, proposal_id)
    if proposal["status"] not in FINALIST:
        raise Conflict(
            f"Only finalists are scheduled; this proposal is {proposal['status']}.",
            "proposal.not_a_finalist",
        )
    return proposal


def _team(
    uow: ReviewWork,
    proposal: dict[str, Any],
    team: list[dict[str, Any]],
    errors: dict[str, list[str]],
) -> list[dict[str, Any]]:
    """Each member as {reviewer_id, name}: a reviewer's name is their account's, and a
    reviewer with a conflict of interest with the proposal does not visit it."""
    organisation = conflicts.Organisation.of(uow.agencies.parents())
    proposer = conflicts.Proposer.of(proposal["id"], proposal["agency_code"], organisation)
    declared = uow.conflicts.declared()
    members = []
    for i, member in enumerate(team):
        reviewer_id = member.get("reviewer_id")
        if reviewer_id:
            user = uow.people.get(reviewer_id)
            if user is None or user["role"] not in TEAM_ROLES or not user["active"]:
                errors[f"team.{i}.reviewer_id"] = ["Not an active reviewer or panelist."]
                continue
            own = conflicts.Declared.of(declared.get(reviewer_id, ()))
            why = conflicts.reason(user["agency_code"], own, proposer)
            if why is not None:
                errors[f"team.{i}.reviewer_id"] = [f"Conflict of interest: {why}."]
                continue
            members.append({"reviewer_id": reviewer_id, "name": user["name"]})
        elif str(member.get("name") or "").strip():
            members.append({"reviewer_id": None, "name": " ".join(str(member["name"]).split())})
        else:
            errors[f"team.{i}"] = ["A reviewer_id or a name."]
    return members


def _audited(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "status": row["status"],
        "starts_at": row["starts_at"].isoformat(),
        "duration_minutes": row["duration_minutes"],
        "place": row.get("place"),
        "online_url": row.get("online_url"),
        "address": row.get("address"),
        "team": [m["name"] for m in row.get("team") or []],
    }


def _panel_ids(uow: ReviewWork, proposal: dict[str, Any]) -> list[str]:
    """Who sits on the proposal's panel: its panel assignments', else the category's or
    the cycle's named panel."""
    held = [
        a["reviewer_id"]
        for a in uow.assignments.of_proposal(proposal["id"], "panel")
        if a["status"] != "released"
    ]
    if held:
        return list(dict.fromkeys(held))
    cycle = uow.cycles.get(proposal["cycle_id"]) if proposal["cycle_id"] else None
    if cycle is None:
        return []
    for c in cycle.get("categories") or []:
        if c["code"] == proposal.get("award_category") and c.get("panel"):
            return list(c["panel"])
    return list(cycle.get("panel") or [])


def _payload(
    uow: ReviewWork, proposal: dict[str, Any], row: dict[str, Any], change: str
) -> dict[str, Any]:
    team = row.get("team") or []
    if row["kind"] == appointments.PRESENTATION:
        reviewer_ids = _panel_ids(uow, proposal)
    else:
        reviewer_ids = [m["reviewer_id"] for m in team if m.get("reviewer_id")]
    return {
        "proposal_id": proposal["id"],
        "cycle_id": proposal["cycle_id"],
        "appointment_id": row["id"],
        "kind": row["kind"],
        "change": change,
        "revision": row["revision"],
        "title": proposal["title"],
        "starts_at": row["starts_at"],
        "duration_minutes": row["duration_minutes"],
        "place": row.get("place"),
        "online_url": row.get("online_url"),
        "address": row.get("address"),
        "team": team,
        "reviewer_ids": reviewer_ids,
        "scheduled_by": row["scheduled_by"],
        "scheduled_at": row["scheduled_at"],
        **category_fields(uow, proposal),
    }


def _announce(uow: ReviewWork, proposal: dict[str, Any], row: dict[str, Any], change: str) -> None:
    emit(
        uow,
        EVENTS[row["kind"]],
        proposal["id"],
        _payload(uow, proposal, row, change),
        correlation_id=proposal["correlation_id"],
    )


def send_due_appointment_reminders(
    work: Callable[[], ReviewWork], now: datetime | None = None
) -> int:
    """Emit ``proposal.appointment_reminder_due`` once per scheduled revision of a
    presentation or visit that starts within a day.

    Each reminder is claimed and its event stored in one unit of work, so a restart or a
    second worker never sends one twice. Blocks on the database.
    """
    now = now or datetime.now(UTC)
    with work() as uow:
        due = uow.appointments.due_for_reminder(*appointments.reminder_window(now))
    return sum(_remind(held, work()) for held in due)


def _remind(held: dict[str, Any], uow: ReviewWork) -> bool:
    with uow:
        if not uow.appointments.claim_reminder(held["id"], held["revision"]):
            return False
        proposal = uow.proposals.get(held["proposal_id"])
        if proposal is None:
            raise NotFound("The appointment's proposal is gone.", "proposal.not_found")
        payload = _payload(uow, proposal, held, appointments.SCHEDULED)
        # The reminder repeats the step as it stands: its change is the last one made.
        payload["change"] = appointments.SCHEDULED if held["revision"] == 1 else "rescheduled"
        emit(
            uow,
            PROPOSAL_APPOINTMENT_REMINDER_DUE,
            proposal["id"],
            payload,
            correlation_id=proposal["correlation_id"],
        )
        return True
