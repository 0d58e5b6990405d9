"""Submission windows: which cycle a proposal goes to, and whether it is open now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Cycle:
    id: str
    name: str
    opens_at: datetime
    closes_at: datetime
    # The award categories the review service announced: (code, name), in order.
    categories: tuple[tuple[str, str], ...] = ()
    category_by: str = "profile"
    # One agency, one innovation: expected at least (reported), allowed at most (enforced).
    min_per_agency: int = 0
    max_per_agency: int | None = None

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


class UnknownCycle(ValueError):
    """The proposal names a cycle this service has never heard of."""


class UnknownAwardCategory(ValueError):
    """The profile names an award category its cycle does not have."""


def check_award_category(cycles: Sequence[Cycle], cycle_id: str | None, chosen: str | None) -> None:
    """Refuse an award category the proposal's cycle does not have (the cycle's list is
    what the agency chooses from); nothing to check without a choice or categories."""
    cycle = next((c for c in cycles if c.id == cycle_id), None)
    if not chosen or cycle is None or not cycle.categories:
        return
    codes = [code for code, _ in cycle.categories]
    if chosen not in codes:
        raise UnknownAwardCategory(
            f"Cycle {cycle.name!r} has no award category {chosen!r}; it has {', '.join(codes)}."
        )


class CycleNeeded(ValueError):
    """Several cycles are open: the proposal has to say which one."""


class OutsideWindow(Exception):
    """Submitting is not possible now; the message says when it is."""


def _span(cycle: Cycle) -> str:
    return f"{cycle.opens_at.isoformat()} to {cycle.closes_at.isoformat()}"


def known(cycles: Sequence[Cycle], cycle_id: str) -> Cycle:
    for cycle in cycles:
        if cycle.id == cycle_id:
            return cycle
    raise UnknownCycle(f"No cycle with id {cycle_id!r}.")


def cycle_for_submission(
    cycles: Sequence[Cycle], cycle_id: str | None, now: datetime
) -> str | None:
    """The cycle a submission now goes to, or None when no cycle is known at all.

    With no cycle known the service accepts submissions (there is nothing to
    check against: the programme has not scheduled one yet). Raises
    ``UnknownCycle``, ``CycleNeeded`` or ``OutsideWindow``.
    """
    if cycle_id is not None:
        cycle = known(cycles, cycle_id)
        if not cycle.is_open(now):
            raise OutsideWindow(
                f"Submissions to cycle {cycle.name!r} are accepted from {_span(cycle)}; "
                f"it is now {now.isoformat()}. Drafts can be saved at any time."
            )
        return cycle.id
    if not cycles:
        return None
    open_now = [c for c in cycles if c.is_open(now)]
    if len(open_now) == 1:
        return open_now[0].id
    if open_now:
        names = ", ".join(sorted(c.id for c in open_now))
        raise CycleNeeded(f"Several cycles are open ({names}); choose one with cycle_id.")
    upcoming = sorted((c for c in cycles if c.opens_at > now), key=lambda c: c.opens_at)
    if upcoming:
        later = f" The next window is {_span(upcoming[0])}."
    else:
        last = max(cycles, key=lambda c: c.closes_at)
        later = f" The last window was {_span(last)} ({last.name!r})."
    raise OutsideWindow(
        f"No cycle accepts submissions now ({now.isoformat()}).{later} "
        "Drafts can be saved at any time."
    )


def check_reopen(cycles: Sequence[Cycle], cycle_id: str | None, now: datetime) -> None:
    """A withdrawn proposal may be reopened while its cycle accepts submissions (with no
    cycle named: while one is open, or while none is known at all). Raises ``OutsideWindow``."""
    if cycle_id is not None:
        cycle = next((c for c in cycles if c.id == cycle_id), None)
        if cycle is None:
            raise OutsideWindow(f"Cycle {cycle_id!r} is not known here; it cannot be reopened.")
        if not cycle.is_open(now):
            raise OutsideWindow(
                f"A withdrawn proposal of cycle {cycle.name!r} can be reopened while its "
                f"window is open ({_span(cycle)}); it is now {now.isoformat()}."
            )
        return
    if cycles and not any(c.is_open(now) for c in cycles):
        raise OutsideWindow(
            f"No cycle accepts submissions now ({now.isoformat()}): the proposal cannot be "
            "reopened."
        )


def addenda_open(cycles: Sequence[Cycle], cycle_id: str | None, now: datetime) -> bool:
    """Whether screening still takes addenda: until the proposal's cycle's window closes
    (with no cycle known for it, always)."""
    cycle = next((c for c in cycles if c.id == cycle_id), None)
    return cycle is None or now < cycle.closes_at


class AgencyLimitReached(Exception):
    """The agency has submitted the most proposals its cycle allows."""


def check_agency_limit(cycles: Sequence[Cycle], cycle_id: str | None, submitted: int) -> None:
    """Refuse one more submission of an agency that has ``submitted`` (not withdrawn) to a
    cycle with a maximum per agency already reached. Raises ``AgencyLimitReached``."""
    cycle = next((c for c in cycles if c.id == cycle_id), None)
    if cycle is None or cycle.max_per_agency is None or submitted < cycle.max_per_agency:
        return
    raise AgencyLimitReached(
        f"Cycle {cycle.name!r} takes at most {cycle.max_per_agency} proposal(s) per agency, "
        f"and this agency has submitted {submitted}. Withdraw one to submit another; "
        "drafts can be saved at any time."
    )
