"""A cycle's award categories: what each one is, and which one a proposal falls into.

A category has a code, a name people read, its own shortlist size and number of
awards, and ``match``: profile fields and the values that place a proposal in it
(``{"form": ["public_service"]}``). A proposal falls into the first category, in the
cycle's order, whose every rule holds; a category without rules takes whatever is
left, so it belongs last. Where the cycle lets agencies choose (``by`` is
``agency``), the category the agency named wins when it is one of the cycle's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

BY_PROFILE = "profile"
BY_AGENCY = "agency"
PLACEMENTS = (BY_PROFILE, BY_AGENCY)
# The profile fields a category may be defined by (shared.events.proposal), and the
# proposing agency's type (``agency_type``: dinas, badan, kecamatan, kelurahan, bumd, other).
MATCHABLE = ("form", "kind", "category", "maturity", "lab_stage", "agency_type")
CODE = re.compile(r"[a-z][a-z0-9_]{0,49}")


@dataclass(frozen=True)
class AwardCategory:
    code: str
    name: str
    shortlist_size: int
    award_count: int
    match: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def holds_for(self, profile: Mapping[str, Any]) -> bool:
        return all(profile.get(key) in values for key, values in self.match.items())


def from_dicts(items: Iterable[Mapping[str, Any]]) -> tuple[AwardCategory, ...]:
    return tuple(
        AwardCategory(
            code=item["code"],
            name=item["name"],
            shortlist_size=int(item["shortlist_size"]),
            award_count=int(item["award_count"]),
            match={k: tuple(v) for k, v in (item.get("match") or {}).items()},
        )
        for item in items
    )


def problems(categories: Sequence[AwardCategory]) -> dict[str, list[str]]:
    """Field errors of a category list (empty when it is usable)."""
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for i, c in enumerate(categories):
        if not CODE.fullmatch(c.code) or not c.name.strip():
            errors[f"categories.{i}.code"] = [
                "A code is lowercase letters, digits and _ (up to 50), and a name is needed."
            ]
        if min(c.shortlist_size, c.award_count) < 1:
            errors[f"categories.{i}.shortlist_size"] = ["At least one finalist and one award."]
        if c.code in seen:
            errors[f"categories.{i}.code"] = [f"The code {c.code!r} is used twice."]
        seen.add(c.code)
        unknown = sorted(set(c.match) - set(MATCHABLE))
        if unknown:
            errors[f"categories.{i}.match"] = [
                f"Not profile fields a category can use: {', '.join(unknown)}."
            ]
        if c.award_count > c.shortlist_size:
            errors[f"categories.{i}.award_count"] = ["More awards than finalists."]
    return errors


def place(
    categories: Sequence[AwardCategory],
    profile: Mapping[str, Any],
    by: str = BY_PROFILE,
) -> str | None:
    """The code of the category the proposal falls into, or None when none takes it."""
    chosen = profile.get("award_category")
    if by == BY_AGENCY and chosen in {c.code for c in categories}:
        return str(chosen)
    return next((c.code for c in categories if c.holds_for(profile)), None)


def named(categories: Sequence[AwardCategory], code: str | None) -> AwardCategory | None:
    return next((c for c in categories if c.code == code), None)
