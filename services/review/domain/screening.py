"""The automatic completeness check of a submitted version."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

REQUIRED_PROFILE_FIELDS = (
    "title",
    "summary",
    "category",
    "form",
    "kind",
    "maturity",
    "lab_stage",
    "problem",
    "solution",
    "expected_benefits",
    "innovators",
)


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True)
class Screening:
    passed: bool
    reasons: tuple[str, ...]


def screen(
    profile: Mapping[str, Any],
    evidence_files: Sequence[Any],
    submitted_at: datetime,
    window: Window | None,
) -> Screening:
    """Passed, or the reasons the agency must fix (one sentence each, for the agency to read)."""
    reasons = [
        f"The profile field `{name}` is empty."
        for name in REQUIRED_PROFILE_FIELDS
        if not profile.get(name)
    ]
    if not evidence_files and not profile.get("evidence_links"):
        reasons.append("Attach at least one piece of evidence: a file or a link.")
    if window is not None and not window.opens_at <= submitted_at <= window.closes_at:
        reasons.append(
            f"Submitted outside the cycle's window ({window.opens_at.isoformat()} - "
            f"{window.closes_at.isoformat()})."
        )
    return Screening(passed=not reasons, reasons=tuple(reasons))
