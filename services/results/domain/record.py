"""The public record of a cycle: which publication wins, and how it reads per category."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SHORTLIST, RESULTS = "shortlist", "results"
STAGES = (SHORTLIST, RESULTS)


def aware(moment: datetime) -> datetime:
    """SQLite gives back the UTC moments it keeps without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def supersedes(published_at: datetime, stored: datetime | None) -> bool:
    """Whether a publication replaces what is kept: the first one, or a later one. A late
    or replayed older publication never undoes a newer one."""
    return stored is None or aware(published_at) >= aware(stored)


def objections_open(close_at: datetime | None, now: datetime) -> bool:
    return close_at is not None and aware(now) < aware(close_at)


@dataclass(frozen=True)
class Category:
    """One award category of a cycle as the public page shows it, side by side: its
    shortlist (as published for objection, or the results' finalists) and its awards."""

    code: str | None
    name: str | None
    finalists: list[Mapping[str, Any]] = field(default_factory=list)
    awarded: list[Mapping[str, Any]] = field(default_factory=list)


def by_category(
    categories: Sequence[Mapping[str, str]], entries: Iterable[Mapping[str, Any]]
) -> list[Category]:
    """The entries grouped under the cycle's categories, in the cycle's order (entries of a
    category the list does not name come after; a cycle without categories has one group);
    within each, in rank order as published."""
    groups: dict[str | None, Category] = {
        c["code"]: Category(c["code"], c["name"]) for c in categories
    }
    for entry in sorted(entries, key=lambda e: e.get("position") or 0):
        code = entry.get("category")
        group = groups.setdefault(code, Category(code, entry.get("category_name")))
        group.finalists.append(entry)
        if entry.get("award"):
            group.awarded.append(entry)
    return list(groups.values())
