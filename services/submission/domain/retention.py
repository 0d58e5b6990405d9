"""Retention (docs/PRIVACY.md, "Retention"): how long the personal data of a cycle's
proposals is kept after the cycle's submission window closed, and what is kept after.

A proposal not awarded (rejected, not awarded, withdrawn, or a draft never submitted)
loses its innovators: "Inovator N" instead of the name, no email or phone. An awarded
one keeps what the public record of the award needs, the innovators' names, and loses
their contacts. A proposal still under review waits for its outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.submission.domain.lifecycle import AWARDED, DRAFT, NOT_AWARDED, REJECTED, WITHDRAWN

ERASED = "erased"
MINIMISED = "minimised"

_OUTCOMES = {
    AWARDED: MINIMISED,
    REJECTED: ERASED,
    NOT_AWARDED: ERASED,
    WITHDRAWN: ERASED,
    DRAFT: ERASED,
}
SETTLED = frozenset(_OUTCOMES)


def outcome_for(status: str) -> str | None:
    """What retention does to a proposal in ``status``; None: not yet (still in review)."""
    return _OUTCOMES.get(status)


def parse_overrides(raw: str) -> dict[str, int]:
    """``"cycle-2025=730, cycle-2026=400"`` → ``{"cycle-2025": 730, "cycle-2026": 400}``.

    Raises ValueError on an entry that is not ``<cycle id>=<days ≥ 0>``."""
    found: dict[str, int] = {}
    for entry in (e.strip() for e in raw.split(",")):
        if not entry:
            continue
        cycle_id, sep, days = entry.partition("=")
        if not sep or not cycle_id.strip() or not days.strip().isdigit():
            raise ValueError(f"{entry!r} is not <cycle id>=<days>")
        found[cycle_id.strip()] = int(days)
    return found


@dataclass(frozen=True)
class RetentionPolicy:
    """``days`` after a cycle's close, unless ``per_cycle`` names the cycle."""

    days: int
    per_cycle: Mapping[str, int] = field(default_factory=dict)

    def expires_at(self, cycle_id: str, closes_at: datetime) -> datetime:
        return closes_at + timedelta(days=self.per_cycle.get(cycle_id, self.days))

    def expired(self, cycle_id: str, closes_at: datetime, now: datetime) -> bool:
        return self.expires_at(cycle_id, closes_at) <= now


def minimised(innovator: Mapping[str, Any], _n: int = 0) -> dict[str, Any]:
    """What the public record of an award keeps of an innovator: the name, no contact."""
    kept = {k: v for k, v in innovator.items() if k not in ("email", "phone", "instant_channel")}
    return {**kept, "email": None, "phone": None, "minimised": True}


def contacts(innovator: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The (lower-case email, phone) an innovator entry still holds."""
    email = str(innovator.get("email") or "").strip().lower() or None
    return email, innovator.get("phone") or None
