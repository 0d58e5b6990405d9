"""Who reviews a proposal.

Hard rules: never a reviewer in conflict with it (``conflicts``: their own agency,
its parent or its children, an agency or the proposal they declared), never an
inactive one, never one who already has or had it, never beyond a reviewer's
maximum load. Among the rest: matching expertise
first, then the lightest load, then the id (so a choice can be reproduced).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from services.review.domain import conflicts


@dataclass(frozen=True)
class Candidate:
    id: str
    agency_code: str
    expertise: frozenset[str]
    load: int
    max_load: int
    active: bool = True
    declared: conflicts.Declared = conflicts.NOTHING


@dataclass(frozen=True)
class Need:
    """What a proposal needs: how many more reviewers, and who must not be one."""

    count: int
    agency_code: str
    category: str
    excluded: frozenset[str] = frozenset()
    proposal_id: str = ""
    organisation: conflicts.Organisation = conflicts.FLAT

    @property
    def proposer(self) -> conflicts.Proposer:
        return conflicts.Proposer.of(self.proposal_id, self.agency_code, self.organisation)


def conflict(
    candidate: Candidate, need: Need, proposer: conflicts.Proposer | None = None
) -> str | None:
    """Why ``candidate`` conflicts with the proposal, or None."""
    return conflicts.reason(candidate.agency_code, candidate.declared, proposer or need.proposer)


def eligible(candidate: Candidate, need: Need, proposer: conflicts.Proposer | None = None) -> bool:
    return (
        candidate.active
        and candidate.load < candidate.max_load
        and candidate.id not in need.excluded
        and conflict(candidate, need, proposer) is None
    )


def choose(candidates: Collection[Candidate], need: Need) -> list[Candidate]:
    """Up to ``need.count`` reviewers; fewer only when fewer are eligible."""
    proposer = need.proposer
    pool = [c for c in candidates if eligible(c, need, proposer)]
    pool.sort(key=lambda c: (need.category not in c.expertise, c.load, c.id))
    return pool[: max(need.count, 0)]


def with_load(candidates: Sequence[Candidate], chosen: Collection[str]) -> list[Candidate]:
    """The candidates after the ``chosen`` ones took one more review each."""
    return [replace(c, load=c.load + 1) if c.id in chosen else c for c in candidates]
