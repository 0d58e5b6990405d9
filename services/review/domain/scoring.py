"""From reviewers' weighted totals to a proposal's score, and from scores to a ranking."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

TIE_BREAK_RULE = (
    "Higher mean first; on equal means, the higher lowest reviewer total (broad agreement "
    "beats one enthusiast); then the earlier submission; then the proposal id."
)


@dataclass(frozen=True)
class ProposalScore:
    reviewer_totals: tuple[float, ...]
    mean: float
    spread: float
    disagreement: bool

    @property
    def lowest(self) -> float:
        return min(self.reviewer_totals, default=0.0)


def summarise(totals: Sequence[float], max_spread: float) -> ProposalScore:
    """The mean of the reviewers' totals, flagged when they differ by more than ``max_spread``.

    Raises ``ValueError`` for no totals: a proposal nobody scored has no score.
    """
    if not totals:
        raise ValueError("no reviewer totals")
    spread = max(totals) - min(totals)
    return ProposalScore(
        reviewer_totals=tuple(totals),
        mean=round(sum(totals) / len(totals), 2),
        spread=round(spread, 2),
        disagreement=spread > max_spread,
    )


@dataclass(frozen=True)
class Entry:
    proposal_id: str
    score: ProposalScore
    submitted_at: datetime


@dataclass(frozen=True)
class Ranked:
    rank: int
    entry: Entry


def rank(entries: Iterable[Entry]) -> list[Ranked]:
    """Every entry with a distinct rank from 1, ordered as ``TIE_BREAK_RULE`` says."""
    ordered = sorted(
        entries,
        key=lambda e: (-e.score.mean, -e.score.lowest, e.submitted_at, e.proposal_id),
    )
    return [Ranked(i, entry) for i, entry in enumerate(ordered, 1)]
