"""Who reviews a proposal.

Hard rules: never a reviewer from the proposing agency (conflict of interest),
never an inactive one, never one who declared a conflict on it or already has
it, never beyond a reviewer's maximum load. Among the rest: matching expertise
first, then the lightest load, then the id (so a choice can be reproduced).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    id: str
    agency_code: str
    expertise: frozenset[str]
    load: int
    max_load: int
    active: bool = True


@dataclass(frozen=True)
class Need:
    """What a proposal needs: how many more reviewers, and who must not be one."""

    count: int
    agency_code: str
    category: str
    excluded: frozenset[str] = frozenset()


def same_agency(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def eligible(candidate: Candidate, need: Need) -> bool:
    return (
        candidate.active
        and candidate.load < candidate.max_load
        and candidate.id not in need.excluded
        and not same_agency(candidate.agency_code, need.agency_code)
    )


def choose(candidates: Collection[Candidate], need: Need) -> list[Candidate]:
    """Up to ``need.count`` reviewers; fewer only when fewer are eligible."""
    pool = [c for c in candidates if eligible(c, need)]
    pool.sort(key=lambda c: (need.category not in c.expertise, c.load, c.id))
    return pool[: max(need.count, 0)]


def with_load(candidates: Sequence[Candidate], chosen: Collection[str]) -> list[Candidate]:
    """The candidates after the ``chosen`` ones took one more review each."""
    return [
        Candidate(c.id, c.agency_code, c.expertise, c.load + 1, c.max_load, c.active)
        if c.id in chosen
        else c
        for c in candidates
    ]
