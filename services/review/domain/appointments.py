"""A finalist's presentation and field visit as scheduled steps: what makes one valid,
when its reminder is due, and whether a finalist counts as verified. Pure rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

PRESENTATION, VISIT = "presentation", "visit"
KINDS = (PRESENTATION, VISIT)
SCHEDULED, RESCHEDULED, CANCELLED = "scheduled", "rescheduled", "cancelled"
# People are reminded the day before: the reminder goes out once the appointment is this
# close (a step scheduled closer than that is reminded at the scheduler's next round).
REMIND_BEFORE = timedelta(hours=24)
MIN_MINUTES, MAX_MINUTES = 5, 12 * 60
# A field visit's outcome: pass and adjust (passed, with the facts adjusted) verify it.
VERIFIED_RESULTS = frozenset({"pass", "adjust"})
MAX_TEAM = 20


def problems(kind: str, values: Mapping[str, Any], now: datetime) -> dict[str, list[str]]:
    """Field-level problems of a presentation's or a visit's schedule (empty: valid)."""
    errors: dict[str, list[str]] = {}
    starts_at = values.get("starts_at")
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        errors["starts_at"] = ["A date and time with its time zone."]
    elif starts_at <= now:
        errors["starts_at"] = ["Must be in the future."]
    minutes = values.get("duration_minutes")
    if not isinstance(minutes, int) or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        errors["duration_minutes"] = [f"Between {MIN_MINUTES} and {MAX_MINUTES} minutes."]
    if kind == PRESENTATION and not (_text(values, "place") or _text(values, "online_url")):
        errors["place"] = ["Give a place, an online link, or both."]
    if kind == VISIT:
        if not _text(values, "address"):
            errors["address"] = ["Where the team goes."]
        team = values.get("team") or []
        if not team:
            errors["team"] = ["Name at least one member."]
        elif len(team) > MAX_TEAM:
            errors["team"] = [f"At most {MAX_TEAM} members."]
    return errors


def _text(values: Mapping[str, Any], key: str) -> str:
    return str(values.get(key) or "").strip()


def change_of(existing: Mapping[str, Any] | None) -> str:
    """What scheduling now is: the first schedule, or a new one for a step already there
    (a cancelled step scheduled again is rescheduled too: people heard of it before)."""
    return SCHEDULED if existing is None else RESCHEDULED


def reminder_window(now: datetime) -> tuple[datetime, datetime]:
    """Appointments starting in (now, now + REMIND_BEFORE] are due for their reminder."""
    return now, now + REMIND_BEFORE


def is_verified(verification: str | None) -> bool:
    return verification in VERIFIED_RESULTS


def unverified(field_verification: bool, finalists: Sequence[Mapping[str, Any]]) -> list[str]:
    """The ids of the finalists named for an award that a cycle with a field verification
    stage refuses: those whose visit did not verify them (none without that stage)."""
    if not field_verification:
        return []
    return [str(p["id"]) for p in finalists if not is_verified(p.get("verification"))]
